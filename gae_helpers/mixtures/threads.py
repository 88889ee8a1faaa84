"""One BLAS thread for the small NumPy and scikit-learn work on latent codes (sections
"Sampling data" to "Class similarity").

Why: EM on a class's ~5,400 codes of 32-48 dimensions multiplies matrices that take a
millisecond on one core. OpenBLAS still splits each product over its threads, which then wait
for each other at a barrier; on a 2-core CPU whose other core is busy, that wait is a scheduler
slice, thousands of times per fit, and the same EM runs several times slower on two BLAS
threads than on one (docs/search.md, "Mixtures in seconds").

threadpoolctl's BLAS limit is process-wide and its OpenMP limit belongs to each thread, so:
:func:`limited` sets the BLAS limit once for every caller inside it, counting callers, and
restores it when the last one leaves (threads that enter and leave in any order leave the
process as they found it); :func:`run_in_threads` sets the OpenMP limit (k-means' start of
EM) inside each worker thread, where it applies.
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager

from sklearn.utils.parallel import Parallel, delayed
from threadpoolctl import threadpool_limits

_lock = threading.Lock()
_callers = 0
_limiter = None


@contextmanager
def limited():
    """BLAS limited to one thread while any caller is inside; restored after the last leaves.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> with limited():
    ...     all(pool["num_threads"] == 1 for pool in threadpool_info()
    ...         if pool["user_api"] == "blas")
    True
    """
    global _callers, _limiter
    with _lock:
        if _callers == 0:
            _limiter = threadpool_limits(limits=1, user_api="blas")
        _callers += 1
    try:
        yield
    finally:
        with _lock:
            _callers -= 1
            if _callers == 0:
                _limiter.restore_original_limits()
                _limiter = None


def one_thread(function):
    """Decorator: run ``function`` inside :func:`limited`."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with limited():
            return function(*args, **kwargs)

    return wrapper


def _one_openmp_thread(function, item):
    with threadpool_limits(limits=1, user_api="openmp"):
        return function(item)


@one_thread
def run_in_threads(function, items, n_jobs=None) -> list:
    """``[function(item) for item in items]`` in ``n_jobs`` threads (scikit-learn's
    ``Parallel``, which hands its configuration on to the workers), each with one OpenMP and
    one BLAS thread.

    Examples
    --------
    >>> run_in_threads(abs, [-1, 2, -3], n_jobs=2)
    [1, 2, 3]
    """
    return Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(_one_openmp_thread)(function, item) for item in items)

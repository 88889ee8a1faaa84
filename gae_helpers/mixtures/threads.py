"""One BLAS thread for the small NumPy and scikit-learn work of a run: EM on latent codes,
scoring codes under the mixtures, Monte Carlo estimates (sections "Sampling data" to "Class
similarity").

Why. The matrices of this work are small: a class's ~5,400 codes of 32-48 dimensions times a
component's 32 x 32 Cholesky factor is a millisecond on one core. OpenBLAS still splits such a
product over all its threads, and every product ends at a barrier that all of them must reach;
its threads wait there by spinning. On a 2-core CPU, whenever anything else holds the second
core (torch's OpenMP workers still spinning after the last layer, the notebook kernel's own
threads, another process), the barrier waits for a scheduler time slice, thousands of times
per fit. The same EM, to the same iteration and the same numbers, then runs several times
slower on two threads than on one (docs/search.md, "Mixtures in seconds", has the figures).
The cure is at the cause: these functions run with OpenBLAS (and OpenMP, for k-means's
initialisation) limited to one thread, through threadpoolctl, and restore the limits on
return; torch's training keeps every core. No environment variable is needed.

Examples
--------
>>> import numpy as np
>>> @one_thread
... def gram(x):
...     return x.T @ x
>>> gram(np.ones((3, 2))).tolist()
[[3.0, 3.0], [3.0, 3.0]]
"""

from __future__ import annotations

import functools

from threadpoolctl import ThreadpoolController

_controller = None


def _get_controller() -> ThreadpoolController:
    # Made on first use, not at import: it inspects the loaded libraries.
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


def limited():
    """A context manager: BLAS and OpenMP pools limited to one thread inside, restored after.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> with limited():
    ...     all(pool["num_threads"] == 1 for pool in threadpool_info()
    ...         if pool["user_api"] == "blas")
    True
    """
    return _get_controller().limit(limits=1)


def one_thread(function):
    """Decorator: run ``function`` inside :func:`limited`."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with limited():
            return function(*args, **kwargs)

    return wrapper

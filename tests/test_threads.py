"""gae_helpers.mixtures.threads: one BLAS thread for small work, set so that threads cannot
undo each other's limits, and OpenMP limited inside each worker thread (#34)."""

import threading

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_info, threadpool_limits

from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.mixtures.threads import limited, run_in_threads


def blas_threads():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


class FakeBLAS:
    """A process-wide thread count and threadpoolctl's save/set/restore of it: OpenBLAS read
    back from a non-main thread can disagree with what that thread set (seen with
    scipy-openblas 0.3.31), so the order of saves and restores is tested on this stand-in."""

    def __init__(self, threads=2):
        self.threads = threads

    def limits(self, limits, user_api):
        fake, saved = self, self.threads

        class Limiter:
            def restore_original_limits(self):
                fake.threads = saved

        self.threads = limits
        return Limiter()


def test_two_overlapping_threads_leave_the_blas_limit_as_they_found_it(monkeypatch):
    """A enters, B enters, A leaves, B leaves: with a limit saved and restored by each caller,
    B restored A's 1 and left the whole process on one BLAS thread."""
    from gae_helpers.mixtures import threads as module

    blas = FakeBLAS(threads=2)
    monkeypatch.setattr(module, "threadpool_limits", blas.limits)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    inside = []

    def a():
        with limited():
            a_in.set()
            b_in.wait()
        a_out.set()

    def b():
        a_in.wait()
        with limited():
            b_in.set()
            a_out.wait()
            inside.append(blas.threads)  # A has left, B is still inside

    threads = [threading.Thread(target=f) for f in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert inside == [1]
    assert blas.threads == 2


def test_nested_limits_hold_until_the_outermost_leaves():
    np.ones(2) @ np.ones(2)  # OpenBLAS loaded
    before = blas_threads()
    with limited():
        with limited():
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {1}
    assert blas_threads() == before


def test_each_worker_runs_on_one_openmp_and_one_blas_thread(monkeypatch):
    """OpenMP's limit belongs to each thread: set in the caller only, each class's k-means
    start in a worker thread ran a full OpenMP pool."""
    seen = []
    fit = GaussianMixture.fit

    def spy(self, X, y=None):
        seen.append({p["user_api"]: p["num_threads"] for p in threadpool_info()})
        return fit(self, X, y)

    monkeypatch.setattr(GaussianMixture, "fit", spy)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 2)), np.repeat([0, 1, 2, 3], 50)
    with threadpool_limits(limits=2, user_api="openmp"):
        GMMClassifier(n_components=2, random_state=0, n_jobs=2).fit(X, y)
    assert len(seen) == 4
    assert all(pools.get("openmp", 1) == 1 and pools.get("blas", 1) == 1 for pools in seen), seen


def test_run_in_threads_keeps_order_and_scikit_learns_config():
    from sklearn import config_context, get_config

    with config_context(assume_finite=True):
        flags = run_in_threads(lambda _: get_config()["assume_finite"], range(4), n_jobs=2)
    assert flags == [True] * 4
    assert run_in_threads(lambda x: -x, range(5), n_jobs=2) == [0, -1, -2, -3, -4]

import warnings

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from gae_helpers.mixtures import cache as mixture_cache
from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.mixtures.cache import fit_or_load


def data(seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(c, 1.0, (120, 3)) for c in (-6, 0, 6)])
    return X, np.repeat([0, 1, 2], 120)


def test_a_cached_class_model_behaves_like_the_fitted_one(tmp_path, monkeypatch):
    X, y = data()
    probe, _ = data(seed=1)
    est = GMMClassifier(n_components=2, random_state=0)
    fitted = fit_or_load(est, X, y, cache_dir=tmp_path)
    monkeypatch.setattr(GMMClassifier, "fit", lambda *a: pytest.fail("fitted again"))
    loaded = fit_or_load(est, X, y, cache_dir=tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(probe), fitted.predict_proba(probe))
    np.testing.assert_array_equal(loaded.sample(50, random_state=3)[0],
                                  fitted.sample(50, random_state=3)[0])
    assert loaded.converged_ == fitted.converged_ and loaded.get_params() == est.get_params()


def test_other_data_or_settings_fit_anew(tmp_path):
    X, y = data()
    fit_or_load(GaussianMixture(2, random_state=0), X, cache_dir=tmp_path)
    fit_or_load(GaussianMixture(3, random_state=0), X, cache_dir=tmp_path)
    fit_or_load(GaussianMixture(2, random_state=0), X[:-1], cache_dir=tmp_path)
    fit_or_load(GaussianMixture(2, random_state=1), X, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("gmm-*.npz"))) == 4
    fit_or_load(GaussianMixture(2, random_state=None), X, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("gmm-*.npz"))) == 4  # an unseeded fit is not repeatable


def test_a_broken_entry_warns_and_fits_again(tmp_path):
    X, _ = data()
    first = fit_or_load(GaussianMixture(2, random_state=0), X, cache_dir=tmp_path)
    entry = next(tmp_path.glob("gmm-*.npz"))
    entry.write_bytes(entry.read_bytes()[:100])
    with pytest.warns(RuntimeWarning, match="broken GMM cache entry"):
        again = fit_or_load(GaussianMixture(2, random_state=0), X, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.means_, again.means_)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_or_load(GaussianMixture(2, random_state=0), X, cache_dir=tmp_path)


def test_the_cache_never_unpickles(tmp_path, monkeypatch):
    X, _ = data()
    fit_or_load(GaussianMixture(2, random_state=0), X, cache_dir=tmp_path)
    calls = []
    real_load = np.load
    monkeypatch.setattr(mixture_cache.np, "load",
                        lambda *a, **k: calls.append(k) or real_load(*a, **k))
    fit_or_load(GaussianMixture(2, random_state=0), X, cache_dir=tmp_path)
    assert calls == [{"allow_pickle": False}]


def test_a_compact_file_is_loaded_instead_of_fitting_and_only_for_its_own_fit(tmp_path,
                                                                             monkeypatch):
    X, y = data()
    probe, _ = data(seed=1)
    est = GMMClassifier(n_components=2, random_state=0)
    fitted = fit_or_load(est, X, y, cache_dir=tmp_path, name="class_gmms")
    entry = next(tmp_path.glob("class_gmms-*.npz"))
    state, restored = mixture_cache.read_entry(entry, GMMClassifier())
    assert restored.get_params() == est.get_params()
    shipped = tmp_path / "shipped" / "class_gmms.npz"
    shipped.parent.mkdir()
    # as scripts/ship_models.py does: the cache entry's fingerprint of its codes and labels
    mixture_cache.save_compact(restored, shipped,
                               {k: v for k, v in state.items() if k.startswith("fit_on.")})
    monkeypatch.setattr(GMMClassifier, "fit", lambda *a: pytest.fail("fitted again"))
    loaded = fit_or_load(est, X, y, cache_dir=tmp_path / "empty", pretrained=shipped)
    np.testing.assert_allclose(loaded.predict_log_proba(probe), fitted.predict_log_proba(probe),
                               atol=1e-4)
    np.testing.assert_allclose(loaded.gmms_[0].covariances_, fitted.gmms_[0].covariances_,
                               rtol=1e-4, atol=1e-6)
    assert mixture_cache.load_compact(shipped, est, X[:-1], y[:-1]) is None  # other codes
    assert mixture_cache.load_compact(shipped, est, X + 0.1, y) is None
    assert mixture_cache.load_compact(shipped, est.set_params(reg_covar=0.1), X, y) is None
    assert not list((tmp_path / "empty").glob("*"))  # nothing was fitted or cached


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
@pytest.mark.parametrize("kind", [GaussianMixture, GMMClassifier])
def test_a_compact_file_of_every_covariance_type_round_trips(tmp_path, covariance_type, kind):
    X, y = data()
    probe, _ = data(seed=1)
    est = kind(n_components=2 if kind is GMMClassifier else 3,
               covariance_type=covariance_type, random_state=0)
    fitted = est.fit(X, y) if kind is GMMClassifier else est.fit(X)
    path = tmp_path / "compact.npz"
    mixture_cache.save_compact(fitted, path, mixture_cache.fingerprint(X, y))
    _, loaded = mixture_cache.read_entry(path, kind())
    np.testing.assert_allclose(loaded.score_samples(probe), fitted.score_samples(probe),
                               rtol=0, atol=1e-5)
    gmms = zip(*(m.gmms_ if kind is GMMClassifier else [m] for m in (fitted, loaded)))
    for ours, theirs in gmms:
        for name in ("covariances_", "precisions_", "precisions_cholesky_"):
            np.testing.assert_allclose(getattr(theirs, name), getattr(ours, name),
                                       rtol=1e-5, atol=1e-8, err_msg=name)
        theirs.sample(5)  # the covariances are there to draw with


def test_a_bug_in_restoring_an_entry_is_raised_not_taken_for_a_broken_file(tmp_path,
                                                                           monkeypatch):
    X, _ = data()
    fit_or_load(GaussianMixture(2, random_state=0), X, cache_dir=tmp_path)

    def buggy(estimator, state):
        return estimator.no_such_attribute

    monkeypatch.setattr(mixture_cache, "_restore", buggy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError, match="no_such_attribute"):
            fit_or_load(GaussianMixture(2, random_state=0), X, cache_dir=tmp_path)
    monkeypatch.undo()
    entry = next(tmp_path.glob("gmm-*.npz"))
    for damaged in (entry.read_bytes()[:len(entry.read_bytes()) // 2], b"PK\x03\x04junk", b""):
        entry.write_bytes(damaged)
        with pytest.warns(RuntimeWarning, match="broken GMM cache entry"):
            fit_or_load(GaussianMixture(2, random_state=0), X, cache_dir=tmp_path)


def _standardised(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def test_a_compact_file_loads_only_onto_its_own_codes_and_labels(tmp_path):
    X, y = data()
    X = _standardised(X)
    est = GMMClassifier(n_components=2, random_state=0)
    path = tmp_path / "class_gmms.npz"
    mixture_cache.save_compact(est.fit(X, y), path, mixture_cache.fingerprint(X, y))
    rng = np.random.default_rng(5)
    noisy = X + rng.normal(scale=1e-6, size=X.shape)  # another CPU's rounding, and more
    assert mixture_cache.load_compact(path, est, noisy, y) is not None
    # other codes of the same size, mean 0 and standard deviation 1 in every dimension
    other = _standardised(rng.normal(size=X.shape))
    assert mixture_cache.load_compact(path, est, other, y) is None
    skewed = _standardised(rng.exponential(size=X.shape))
    assert mixture_cache.load_compact(path, est, skewed, y) is None
    assert mixture_cache.load_compact(path, est, X, rng.permutation(y)) is None
    assert mixture_cache.load_compact(path, est, X) is None  # fitted with labels, asked without


def test_a_compact_file_with_the_old_fingerprint_is_refitted(tmp_path, monkeypatch):
    X, y = data()
    est = GMMClassifier(n_components=2, random_state=0)
    path = tmp_path / "class_gmms.npz"
    old = {"fit_on.n_samples": np.asarray(len(X)), "fit_on.mean": X.mean(axis=0)}
    mixture_cache.save_compact(est.fit(X, y), path, old)
    assert mixture_cache.load_compact(path, est, X, y) is None
    fitted = []
    real_fit = GMMClassifier.fit
    monkeypatch.setattr(GMMClassifier, "fit",
                        lambda self, *a: fitted.append(1) or real_fit(self, *a))
    fit_or_load(est, X, y, cache_dir=tmp_path / "cache", pretrained=path)
    assert fitted == [1]

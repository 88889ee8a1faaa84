import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.mixture import GaussianMixture
from sklearn.utils.estimator_checks import parametrize_with_checks

from gae_helpers.mixtures.classifier import GMMClassifier, sample_gmm


@parametrize_with_checks([
    GMMClassifier(n_components=1),
    GMMClassifier(n_components=1, covariance_type="diag", priors="uniform", n_jobs=2),
])
def test_sklearn_contract(estimator, check):
    check(estimator)


def blobs(n_per_class=100, seed=0, dim=3):
    rng = np.random.default_rng(seed)
    centers = np.array([[-10.0] * dim, [0.0] * dim, [10.0] * dim])
    X = np.vstack([rng.normal(c, 1.0, (n_per_class, dim)) for c in centers])
    y = np.repeat([0, 1, 2], n_per_class)
    return X, y


def test_separated_blobs_are_classified_perfectly():
    X, y = blobs()
    X_test, y_test = blobs(seed=1)
    model = GMMClassifier(n_components=2, random_state=0).fit(X, y)
    assert (model.predict(X_test) == y_test).all()
    proba = model.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert proba.max(axis=1).min() > 0.99


def test_same_seed_same_model():
    X, y = blobs()
    a = GMMClassifier(n_components=3, random_state=7).fit(X, y)
    b = GMMClassifier(n_components=3, random_state=7).fit(X, y)
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))


def test_predict_proba_does_not_overflow_far_from_every_class():
    X, y = blobs(dim=64)
    model = GMMClassifier(n_components=1, random_state=0).fit(X, y)
    far = np.full((2, 64), 1e4)
    assert np.all(model.class_log_likelihood(far) < -1e6)  # exp() of these would be 0
    proba = model.predict_proba(far)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_priors_shift_decisions_at_the_boundary():
    X, y = blobs(dim=1)
    # -4 is 4 from class 1's centre and 6 from class 0's: class 1 wins by about 10 nats, less
    # than the log(1e6) = 13.8 nats the skewed prior gives class 0.
    point = np.array([[-4.0]])
    uniform = GMMClassifier(n_components=1, priors="uniform", random_state=0).fit(X, y)
    skewed = GMMClassifier(n_components=1, priors=[1e6, 1, 1], random_state=0).fit(X, y)
    np.testing.assert_allclose(uniform.class_prior_, 1 / 3)
    assert uniform.predict(point)[0] == 1
    assert skewed.predict(point)[0] == 0
    assert skewed.predict_proba(point)[0, 0] > 0.9 > uniform.predict_proba(point)[0, 0]
    np.testing.assert_allclose(skewed.class_prior_.sum(), 1.0)
    empirical = GMMClassifier(n_components=1).fit(X[:250], y[:250])
    np.testing.assert_allclose(empirical.class_prior_, [100 / 250, 100 / 250, 50 / 250])


def test_sample_draws_from_the_named_class():
    X, y = blobs()
    model = GMMClassifier(n_components=2, random_state=0).fit(X, y)
    points, labels = model.sample(50, class_label=2, random_state=0)
    assert points.shape == (50, 3) and (labels == 2).all()
    assert (model.predict(points) == 2).all()
    again, _ = model.sample(50, class_label=2, random_state=0)
    np.testing.assert_array_equal(points, again)
    mixed, mixed_labels = model.sample(30, random_state=1)
    assert mixed.shape == (30, 3) and set(mixed_labels) <= {0, 1, 2}
    with pytest.raises(ValueError, match="Unknown class 5"):
        model.sample(3, class_label=5)


def test_too_many_components_for_a_class_is_a_clear_error():
    X, y = blobs(n_per_class=4)
    with pytest.raises(ValueError, match="Class 0 has 4 samples") as info:
        GMMClassifier(n_components=6).fit(X, y)
    assert "fewer than n_components=6" in str(info.value)
    assert "lower n_components to at most 4" in str(info.value)


def test_nan_in_codes_is_a_clear_error():
    X, y = blobs()
    X[3, 1] = np.nan
    with pytest.raises(ValueError,
                       match=r"codes contain NaN or infinite values in 1 rows \(first: \[3\]\)"):
        GMMClassifier(n_components=1).fit(X, y)
    fitted = GMMClassifier(n_components=1).fit(np.nan_to_num(X), y)
    with pytest.raises(ValueError, match="retrain it"):
        fitted.predict(X)


def test_unfitted_and_bad_priors():
    X, y = blobs()
    with pytest.raises(NotFittedError):
        GMMClassifier().predict(X)
    with pytest.raises(ValueError, match="The 'priors' parameter of GMMClassifier must be"):
        GMMClassifier(n_components=1, priors="flat").fit(X, y)
    with pytest.raises(ValueError, match="3 positive numbers"):
        GMMClassifier(n_components=1, priors=[1, 2]).fit(X, y)


def test_samples_come_shuffled_not_grouped_by_component():
    X = np.concatenate([np.full((50, 1), -5.0), np.full((50, 1), 5.0)])
    X += np.random.default_rng(0).normal(scale=0.1, size=X.shape)
    gmm = GMMClassifier(n_components=2, random_state=0).fit(X, np.zeros(100, int))
    first_ten = sample_gmm(gmm.gmms_[0], 1000, random_state=0)[:10, 0]
    assert (first_ten < 0).any() and (first_ten > 0).any()
    codes, labels = GMMClassifier(n_components=1, random_state=0).fit(
        *blobs()).sample(300, random_state=0)
    assert len(set(labels[:10])) > 1


def test_classes_fitted_in_parallel_give_the_same_mixtures():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 1.0, (120, 3)) for c in range(4)])
    y = np.repeat(np.arange(4), 120)
    one = GMMClassifier(n_components=3, random_state=0).fit(X, y)
    two = GMMClassifier(n_components=3, random_state=0, n_jobs=2).fit(X, y)
    for a, b in zip(one.gmms_, two.gmms_):
        np.testing.assert_array_equal(a.means_, b.means_)
    np.testing.assert_array_equal(one.n_iter_, two.n_iter_)


def test_numpy_integer_seeds_fit_and_match_python_ints():
    """#34: a np.int64 seed, as a notebook computes one, fitted and then failed to write its
    cache entry (json.dumps of the parameters); mixtures are now fitted, never cached."""
    X, y = blobs()
    a = GMMClassifier(n_components=2, random_state=np.int64(3)).fit(X, y)
    b = GMMClassifier(n_components=2, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    np.testing.assert_array_equal(a.sample(5, 1, random_state=np.int64(1))[0],
                                  b.sample(5, 1, random_state=1)[0])


def test_fits_run_on_one_blas_thread_and_restore_the_limits():
    from threadpoolctl import threadpool_info

    seen = []
    original = GaussianMixture.fit

    def spy(self, X, y=None):
        seen.append([p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"])
        return original(self, X, y)

    before = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 2)), np.repeat([0, 1], 50)
    GaussianMixture.fit = spy
    try:
        GMMClassifier(n_components=2, random_state=0).fit(X, y)
    finally:
        GaussianMixture.fit = original
    assert seen and all(all(n == 1 for n in counts) for counts in seen)
    assert [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"] == before


@pytest.mark.parametrize("param, value", [("n_components", 0), ("covariance_type", "full-ish"),
                                          ("reg_covar", -1.0), ("tol", "small"),
                                          ("n_init", 0), ("init_params", "median")])
def test_bad_parameters_are_refused_by_the_declared_constraints(param, value):
    X, y = blobs()
    with pytest.raises(ValueError, match=f"The '{param}' parameter of GMMClassifier must be"):
        GMMClassifier(**{param: value}).fit(X, y)


def test_decision_function_is_the_log_posterior():
    X, y = blobs()
    model = GMMClassifier(n_components=1, random_state=0).fit(X, y)
    np.testing.assert_allclose(model.decision_function(X), model.predict_log_proba(X))
    two = GMMClassifier(n_components=1, random_state=0).fit(X[y < 2], y[y < 2])
    log_p = two.predict_log_proba(X)
    np.testing.assert_allclose(two.decision_function(X), (log_p[:, 1] - log_p[:, 0]) / 2)

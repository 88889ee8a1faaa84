import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from gae_helpers.analysis import (class_entropies, gmm_entropy, interpolate, kl_divergence_matrix,
                                  most_confident_errors, per_class_accuracy, ranked_pairs,
                                  reconstruction_error, top_confusions, uniform_box_samples)
from gae_helpers.mixture import ClassGaussianMixture


def gaussian(mean, cov, seed=0):
    """A one-component GaussianMixture fitted to many draws of N(mean, cov)."""
    rng = np.random.default_rng(seed)
    x = rng.multivariate_normal(mean, cov, size=20000)
    return GaussianMixture(1, random_state=0).fit(x)


def test_entropy_matches_the_closed_form_of_a_gaussian():
    gmm = gaussian([0, 0], [[2.0, 0.5], [0.5, 1.0]])
    cov = gmm.covariances_[0]
    exact = 0.5 * np.log(np.linalg.det(2 * np.pi * np.e * cov))
    estimate, se = gmm_entropy(gmm, n_samples=20000, random_state=0)
    assert 0 < se < 0.05
    assert abs(estimate - exact) < 4 * se


def test_kl_matches_the_closed_form_between_gaussians():
    p, q = gaussian([0, 0], np.eye(2)), gaussian([2, 0], 2 * np.eye(2), seed=1)
    kl, se = kl_divergence_matrix([p, q], n_samples=20000, random_state=0)
    m0, s0, m1, s1 = p.means_[0], p.covariances_[0], q.means_[0], q.covariances_[0]
    inv1 = np.linalg.inv(s1)
    exact = 0.5 * (np.trace(inv1 @ s0) + (m1 - m0) @ inv1 @ (m1 - m0) - 2
                   + np.log(np.linalg.det(s1) / np.linalg.det(s0)))
    assert kl[0, 0] == kl[1, 1] == 0
    assert abs(kl[0, 1] - exact) < 4 * se[0, 1]
    assert kl[1, 0] != pytest.approx(kl[0, 1], rel=0.05)  # KL is not symmetric


def test_monte_carlo_estimates_repeat_with_the_seed():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 3)), np.repeat([0, 1, 2], 100)
    X[y == 1] += 5
    model = ClassGaussianMixture(n_components=2, random_state=0).fit(X, y)
    a, b = class_entropies(model, 500, random_state=1), class_entropies(model, 500, random_state=1)
    np.testing.assert_array_equal(a[0], b[0])
    kl1, _ = kl_divergence_matrix(model.gmms_, 500, random_state=2)
    kl2, _ = kl_divergence_matrix(model.gmms_, 500, random_state=2)
    np.testing.assert_array_equal(kl1, kl2)
    assert kl1[0, 1] > kl1[0, 2]  # class 1 was moved away, 0 and 2 overlap


def test_ranked_pairs_orders_by_symmetric_kl():
    kl = np.array([[0, 1, 9], [3, 0, 5], [9, 5, 0]], float)
    pairs = ranked_pairs(kl, ["a", "b", "c"])
    assert [(p, q) for p, q, _ in pairs] == [("a", "b"), ("b", "c"), ("a", "c")]
    assert pairs[0][2] == 2.0


def test_interpolate_includes_both_ends():
    path = interpolate([0, 0], [1, 2], steps=5)
    assert path.shape == (5, 2)
    np.testing.assert_allclose(path[0], [0, 0])
    np.testing.assert_allclose(path[-1], [1, 2])
    np.testing.assert_allclose(path[2], [0.5, 1])
    with pytest.raises(ValueError, match="steps must be at least 2"):
        interpolate([0], [1], steps=1)


def test_uniform_samples_fill_the_bounding_box():
    codes = np.array([[0.0, -1.0], [2.0, 3.0], [1.0, 0.0]])
    samples = uniform_box_samples(codes, 2000, random_state=0)
    assert samples.shape == (2000, 2)
    assert (samples.min(0) >= [0, -1]).all() and (samples.max(0) <= [2, 3]).all()
    assert samples[:, 1].std() > 1.0


def test_errors_and_accuracies():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    y_true = np.array([1, 1, 1, 0])
    assert list(most_confident_errors(proba, y_true, np.array([0, 1]), n=5)) == [0, 3, 2]
    y_pred = proba.argmax(1)
    np.testing.assert_allclose(per_class_accuracy(y_true, y_pred, [0, 1]), [0.0, 1 / 3])
    assert top_confusions(y_true, y_pred, [0, 1], n=1) == [(1, 0, 2)]
    assert reconstruction_error(np.ones((2, 2)), np.zeros((2, 2))) == 1.0

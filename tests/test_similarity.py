import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.measure.similarity import (class_entropies, class_similarity, gmm_entropy,
                                    kl_divergence_matrix, ranked_pairs, tied_with)


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
    model = GMMClassifier(n_components=2, random_state=0).fit(X, y)
    a, b = class_entropies(model, 500, random_state=1), class_entropies(model, 500, random_state=1)
    np.testing.assert_array_equal(a[0], b[0])
    kl1, _ = kl_divergence_matrix(model.gmms_, 500, random_state=2)
    kl2, _ = kl_divergence_matrix(model.gmms_, 500, random_state=2)
    np.testing.assert_array_equal(kl1, kl2)
    assert kl1[0, 1] > kl1[0, 2]  # class 1 was moved away, 0 and 2 overlap


def test_ranked_pairs_orders_by_symmetric_kl():
    kl = np.array([[0, 1, 9], [3, 0, 5], [9, 5, 0]], float)
    se = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], float)
    pairs = ranked_pairs(kl, ["a", "b", "c"], se)
    assert [(p, q) for p, q, _, _ in pairs] == [("a", "b"), ("b", "c"), ("a", "c")]
    assert pairs[0][2] == 2.0 and pairs[0][3] == pytest.approx(np.sqrt(2) / 2)
    # 2 and 5 lie 3 apart, more than 2 combined standard errors (2 * 1): no tie
    assert tied_with(pairs, 0) == []
    loose = ranked_pairs(kl, ["a", "b", "c"], 3 * se)  # 2 combined standard errors: 6
    assert [p[:2] for p in tied_with(loose, 0)] == [("b", "c")]


def test_class_similarity_reports_ties_and_uncertainty():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    y = np.repeat([0, 1, 2], 200)
    X[y == 1, 0] += 0.3  # 0 and 1 nearly the same, 2 equally close to neither
    X[y == 2] += 6
    model = GMMClassifier(n_components=1, random_state=0).fit(X, y)
    result = class_similarity(model, ["a", "b", "c"], n_samples=400, seed=0)
    assert result.pairs[0][:2] == ("a", "b")
    assert result.metrics["most_similar_pair"] == ["a", "b"]
    assert set(result.metrics["entropy_se"]) == {"a", "b", "c"}
    assert "beyond 2 standard errors" in result.summary
    assert list(result.entropy_table.columns) == ["entropy (nats)", "standard error"]

import numpy as np
import pytest

from gae_helpers.geometry import interpolate, uniform_box_evidence, uniform_box_samples
from gae_helpers.mixture import ClassGaussianMixture


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


def test_uniform_box_is_unlikely_under_tight_classes():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-5, 0.2, (200, 4)), rng.normal(5, 0.2, (200, 4))])
    y = np.repeat([0, 1], 200)
    model = ClassGaussianMixture(n_components=1, random_state=0).fit(X, y)
    evidence = uniform_box_evidence(model, X, X[::3], n_samples=500, seed=0)
    assert evidence["uniform_box_above_test_1pct"] < 0.01
    assert evidence["loglik_median_uniform_box"] < evidence["loglik_median_test"] - 10

import numpy as np
import pytest
import torch

from gae_helpers.measure.frechet import frechet_distance, judge_frechet_distance, per_class_frechet
from gae_helpers.models.judge import JudgeConfig

JUDGE = JudgeConfig(image_shape=(1, 8, 8), widths=(8, 16), hidden=16)


def test_closed_form_for_diagonal_gaussians():
    # For diagonal covariances the distance is ||mu1 - mu2||^2 + sum (sqrt(s1) - sqrt(s2))^2.
    rng = np.random.default_rng(0)
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 4.0, 0.25]), np.array([4.0, 1.0, 0.25])
    a = rng.normal(mu1, np.sqrt(s1), size=(200_000, 3))
    b = rng.normal(mu2, np.sqrt(s2), size=(200_000, 3))
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(s1) - np.sqrt(s2)) ** 2)  # 5 + 2
    assert frechet_distance(a, b) == pytest.approx(expected, rel=0.02)


def test_closed_form_for_full_covariances():
    # Equal covariances: only the means count, whatever the correlation.
    rng = np.random.default_rng(1)
    cov = np.array([[2.0, 1.5], [1.5, 2.0]])
    a = rng.multivariate_normal([0.0, 0.0], cov, size=100_000)
    b = rng.multivariate_normal([2.0, -1.0], cov, size=100_000)
    assert frechet_distance(a, b) == pytest.approx(5.0, abs=0.1)


def test_identical_sets_are_zero_and_the_distance_is_symmetric():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(500, 4)), rng.normal(0.5, 2.0, size=(300, 4))
    assert abs(frechet_distance(a, a)) < 1e-6
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-6)
    assert frechet_distance(a, b) > 1.0


def test_bad_features_are_clear_errors():
    with pytest.raises(ValueError, match="features_a must be an array"):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="features_a has 3 features and features_b 2"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="features_b contains NaN"):
        frechet_distance(np.zeros((5, 2)), np.full((5, 2), np.nan))


def test_judge_frechet_distance(digits):
    model = JUDGE.build(seed=0)
    same = judge_frechet_distance(model, digits.x_test, digits.x_test)
    noise = torch.rand(100, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    # Even an untrained judge puts other test digits closer to the training digits than noise.
    near = judge_frechet_distance(model, digits.x_train, digits.x_test)
    far = judge_frechet_distance(model, digits.x_train, noise)
    assert abs(same) < 1e-6 * near and 0 < near < far


def test_per_class_frechet(digits):
    model = JUDGE.build(seed=0)
    per_class = per_class_frechet(model, digits.x_test, digits.y_test,
                                  digits.x_test, digits.y_test)
    # Shuffling the labels of one set compares each class with other classes' images.
    shuffled = per_class_frechet(model, digits.x_test, (digits.y_test + 1) % 10,
                                 digits.x_test, digits.y_test)
    assert sorted(per_class) == sorted(shuffled) == list(range(10))
    assert max(abs(v) for v in per_class.values()) < 1e-4 * min(shuffled.values())
    with pytest.raises(ValueError, match="Class 0 has 1 images"):
        per_class_frechet(model, digits.x_test[:2], np.array([0, 1]),
                          digits.x_test, digits.y_test)

import warnings

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from scipy.special import log_softmax
from torchmetrics.functional.classification import multiclass_calibration_error

from sklearn.base import BaseEstimator, ClassifierMixin

from gae_helpers.measure.calibration import (expected_calibration_error, reliability_curve,
                                              temperature, temperature_scaled)
from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.plots.measurements import plot_reliability_diagram


def calibrated(n, n_classes=5, scale=2.0, seed=0):
    """Logits and labels drawn from softmax(logits): calibrated by construction."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, scale, size=(n, n_classes))
    proba = np.exp(log_softmax(logits, axis=1))
    y = np.array([rng.choice(n_classes, p=p) for p in proba])
    return logits, y


class Logits(ClassifierMixin, BaseEstimator):
    """A fitted classifier whose inputs are its logits: temperature scaling on known logits."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def decision_function(self, X):
        return np.asarray(X, dtype=np.float64)

    def predict(self, X):
        return self.classes_[np.argmax(X, axis=1)]


def sklearn_temperature(logits, y):
    calibrated = temperature_scaled(Logits().fit(logits, y), logits, y)
    # read from public outputs: the same T as scikit-learn's private fitted parameter
    t = temperature(calibrated, logits)
    assert t == pytest.approx(1 / calibrated.calibrated_classifiers_[0].calibrators[0].beta_,
                              rel=1e-6)
    return t


def softmax_at(logits, t):
    return np.exp(log_softmax(np.asarray(logits) / t, axis=1))


def test_hand_computed_example():
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.45, 0.55]])
    y = np.array([0, 1, 1, 0])  # right at 0.9 and 0.7, wrong at 0.8 and 0.55
    conf, acc, count = reliability_curve(proba, y, n_bins=2)
    assert count.tolist() == [0, 4]
    assert conf[1] == pytest.approx((0.9 + 0.8 + 0.7 + 0.55) / 4) and acc[1] == 0.5
    assert np.isnan(conf[0]) and np.isnan(acc[0])
    # Five bins: [0.4, 0.6) holds 0.55 (wrong), [0.6, 0.8) 0.7 (right), [0.8, 1] 0.9 and 0.8.
    conf, acc, count = reliability_curve(proba, y, n_bins=5)
    assert count.tolist() == [0, 0, 1, 1, 2]
    assert acc[2:].tolist() == [0.0, 1.0, 0.5]
    expected = (0.55 + 0.3 + 2 * abs(0.5 - 0.85)) / 4
    assert expected_calibration_error(proba, y, n_bins=5) == pytest.approx(expected)


def test_calibrated_probabilities_have_small_ece():
    logits, y = calibrated(20_000)
    assert expected_calibration_error(np.exp(log_softmax(logits, axis=1)), y) < 0.02
    # ... and the fitted temperature is about 1.
    assert sklearn_temperature(logits, y) == pytest.approx(1.0, abs=0.05)


def test_overconfident_probabilities_are_cooled_down():
    logits, y = calibrated(20_000, seed=1)
    overconfident = 3.0 * logits  # the same ranking, three times too sharp
    before = expected_calibration_error(np.exp(log_softmax(overconfident, axis=1)), y)
    temperature = sklearn_temperature(overconfident, y)
    after = expected_calibration_error(softmax_at(overconfident, temperature), y)
    assert before > 0.1
    assert temperature == pytest.approx(3.0, rel=0.1)
    assert after < 0.02 < before


def test_underconfident_probabilities_get_a_temperature_below_one():
    logits, y = calibrated(5_000, seed=2)
    assert sklearn_temperature(logits / 2.0, y) == pytest.approx(0.5, rel=0.1)


def test_the_gmm_classifier_is_frozen_and_its_decisions_kept():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    y = (X[:, 0] + rng.normal(scale=1.0, size=600) > 0).astype(int)  # overlapping classes
    model = GMMClassifier(n_components=3, random_state=0).fit(X[:40], y[:40])
    before = model.predict_proba(X[300:])
    means = [g.means_.copy() for g in model.gmms_]
    calibrated = temperature_scaled(model, X[40:300], y[40:300])
    after = calibrated.predict_proba(X[300:])
    assert temperature(calibrated, X[40:300]) > 1  # 40 codes overfit: overconfident
    np.testing.assert_array_equal(before.argmax(1), after.argmax(1))
    assert after.max(1).mean() < before.max(1).mean()
    np.testing.assert_allclose(after.sum(1), 1.0)
    # the very temperature-scaled log posteriors, and the classifier untouched
    np.testing.assert_allclose(after, softmax_at(model.predict_log_proba(X[300:]),
                                                        temperature(calibrated, X[300:])), atol=1e-6)
    np.testing.assert_array_equal(model.predict_proba(X[300:]), before)
    for gmm, m in zip(model.gmms_, means):
        np.testing.assert_array_equal(gmm.means_, m)


def test_ece_agrees_with_torchmetrics_away_from_confidence_one():
    logits, y = calibrated(2_000, scale=1.0, seed=4)
    proba = np.exp(log_softmax(logits, axis=1))
    assert proba.max() < 0.999
    theirs = multiclass_calibration_error(torch.from_numpy(proba), torch.from_numpy(y),
                                          num_classes=5, n_bins=15)
    assert expected_calibration_error(proba, y, n_bins=15) == pytest.approx(float(theirs),
                                                                            abs=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda: expected_calibration_error(np.ones((3, 2)) / 2, np.array([0, 1])),
     "y_true must hold one class index per row"),
    (lambda: expected_calibration_error(np.ones((2, 2)) / 2, np.array([0, 2])),
     r"class indices 0..1"),
    (lambda: reliability_curve(np.ones((2, 2)) / 2, np.array([0, 1]), n_bins=0),
     "n_bins == 0, must be >= 1"),
])
def test_bad_inputs_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_reliability_diagram(tmp_path):
    logits, y = calibrated(1_000, seed=5)
    curves = {"before": reliability_curve(np.exp(log_softmax(3 * logits, axis=1)), y),
              "after": reliability_curve(softmax_at(3 * logits, 3.0), y)}
    fig = plot_reliability_diagram(curves, path=tmp_path / "reliability.png")
    assert isinstance(fig, Figure)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["calibrated", "before", "after"]
    assert (tmp_path / "reliability.png").stat().st_size > 0
    with pytest.raises(ValueError, match="curves is empty"):
        plot_reliability_diagram({})


@pytest.mark.parametrize("case, bound", [
    ("all right", "towards its lower bound"), ("all wrong", "towards its upper bound")])
def test_a_temperature_at_its_search_bound_warns(case, bound):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    right = 5.0 * np.eye(3)[y]
    logits = right + rng.normal(scale=0.1, size=(200, 3))
    if case == "all wrong":
        logits = -logits
    with pytest.warns(RuntimeWarning, match=bound):
        temperature = sklearn_temperature(logits, y)
    assert temperature < 0.5 if case == "all right" else temperature > 1e3
    with warnings.catch_warnings():  # an optimum inside the bounds says nothing
        warnings.simplefilter("error")
        assert 1 < sklearn_temperature(right + rng.normal(scale=5.0, size=(200, 3)), y) < 10

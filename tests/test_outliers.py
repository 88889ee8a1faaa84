"""The "none" rule on codes: ClassOutlierDetector, a scikit-learn outlier detector, and the one
quantile constraint."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.mixtures.outliers import QUANTILE, ClassOutlierDetector
from tests.test_classifier import blobs


@parametrize_with_checks([ClassOutlierDetector(GMMClassifier(n_components=1))])
def test_sklearn_contract(estimator, check):
    check(estimator)


def test_rejects_far_points_and_about_the_quantile_of_unseen_codes():
    X, y = blobs(n_per_class=60, dim=8)
    held_X, held_y = blobs(n_per_class=3000, seed=1, dim=8)
    new_X, _ = blobs(n_per_class=3000, seed=2, dim=8)
    model = GMMClassifier(n_components=2, random_state=3).fit(X, y)
    before = model.get_params(), [g.means_.copy() for g in model.gmms_]
    frozen = FrozenEstimator(model)
    in_sample = (ClassOutlierDetector(frozen, quantile=0.05).fit(X, y).predict(new_X) == -1).mean()
    none = ClassOutlierDetector(frozen, quantile=0.05).fit(held_X, held_y)
    unseen = (none.predict(new_X) == -1).mean()
    # 60 training codes in 8 dimensions overfit: thresholds set on them reject far more
    assert in_sample > 0.1
    assert abs(unseen - 0.05) < 0.015
    assert none.thresholds_.shape == (3,) and none.classifier_ is frozen
    assert none.predict(np.full((1, 8), 100.0)).tolist() == [-1]
    np.testing.assert_array_equal(none.decision_function(new_X) < 0, none.predict(new_X) == -1)
    # the classifier is read, never changed
    assert model.get_params() == before[0]
    for gmm, means in zip(model.gmms_, before[1]):
        np.testing.assert_array_equal(gmm.means_, means)


def test_clone_keeps_the_frozen_classifier():
    """#34: a fitted classifier given as a parameter came back unfitted from clone."""
    X, y = blobs()
    model = GMMClassifier(n_components=1, random_state=0).fit(X, y)
    none = ClassOutlierDetector(FrozenEstimator(model), quantile=0.05)
    copy = clone(none).fit(X, y)
    np.testing.assert_array_equal(copy.thresholds_, none.fit(X, y).thresholds_)
    assert copy.classifier_.estimator is model


def test_each_input_is_scored_once(monkeypatch):
    X, y = blobs()
    model = GMMClassifier(n_components=1, random_state=0).fit(X, y)
    none = ClassOutlierDetector(FrozenEstimator(model)).fit(X, y)
    calls = []
    score = GMMClassifier.class_log_likelihood
    monkeypatch.setattr(GMMClassifier, "class_log_likelihood",
                        lambda self, X: calls.append(len(X)) or score(self, X))
    none.predict(X)
    assert calls == [len(X)]


def test_an_unfrozen_classifier_is_cloned_and_fitted_and_no_labels_means_one_mixture():
    X, y = blobs()
    template = GMMClassifier(n_components=2, random_state=0)
    none = ClassOutlierDetector(template, quantile=0.05).fit(X, y)
    assert not hasattr(template, "gmms_") and len(none.classifier_.gmms_) == 3
    single = ClassOutlierDetector(template, quantile=0.05).fit(X)
    assert single.classes_.tolist() == [0] and single.predict(X).tolist().count(-1) > 0


def test_held_out_labels_must_be_the_classifiers_and_cover_every_class():
    X, y = blobs()
    frozen = FrozenEstimator(GMMClassifier(n_components=1, random_state=0).fit(X, y))
    with pytest.raises(ValueError, match=r"unknown \[7\]"):
        ClassOutlierDetector(frozen).fit(X[:2], [0, 7])
    with pytest.raises(ValueError, match=r"missing \[1, 2\]"):
        ClassOutlierDetector(frozen).fit(X[:5], y[:5])


@pytest.mark.parametrize("quantile", [0.0, 0.5, -0.1, 1.0, "1%", None])
def test_the_quantile_lies_strictly_between_0_and_one_half(quantile):
    X, y = blobs()
    with pytest.raises(ValueError, match="The 'quantile' parameter of ClassOutlierDetector "
                                         r"must be a float in the range \(0.0, 0.5\)"):
        ClassOutlierDetector(GMMClassifier(n_components=1), quantile=quantile).fit(X, y)


def test_unfitted_detector_is_a_clear_error():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ClassOutlierDetector().predict(blobs()[0])


def test_one_quantile_rule_for_codes_images_and_notebook_parameters():
    from gae_helpers.measure.rejection import evaluate_rejection
    from gae_helpers.run.parameters import check_parameters

    assert QUANTILE.is_satisfied_by(0.01) and not QUANTILE.is_satisfied_by(0.5)
    for call in (lambda: check_parameters({"reject_quantile": 0.5}),
                 lambda: evaluate_rejection(None, None, {}, "combined", 0.5)):
        with pytest.raises(ValueError, match=r"range \(0.0, 0.5\)"):
            call()

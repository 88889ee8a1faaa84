"""The "none" rule on codes: ClassOutlierDetector, and the one quantile constraint."""

import numpy as np
import pytest

from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.mixtures.outliers import QUANTILE, ClassOutlierDetector
from tests.test_classifier import blobs


def test_rejects_far_points_and_about_the_quantile_of_unseen_codes():
    X, y = blobs(n_per_class=60, dim=8)
    held_X, held_y = blobs(n_per_class=3000, seed=1, dim=8)
    new_X, new_y = blobs(n_per_class=3000, seed=2, dim=8)
    model = GMMClassifier(n_components=2, random_state=3).fit(X, y)
    before = model.get_params(), [g.means_.copy() for g in model.gmms_]
    in_sample = ClassOutlierDetector(model, quantile=0.05).fit(X, y).reject(new_X).mean()
    none = ClassOutlierDetector(model, quantile=0.05).fit(held_X, held_y)
    unseen = none.reject(new_X).mean()
    # 60 training codes in 8 dimensions overfit: thresholds set on them reject far more
    assert in_sample > 0.1
    assert abs(unseen - 0.05) < 0.015
    assert none.thresholds_.shape == (3,)
    assert none.predict(np.full((1, 8), 100.0))[0] == -1
    pred = none.predict(new_X)
    kept = pred != -1
    np.testing.assert_array_equal(pred[kept], model.predict(new_X)[kept])
    # the classifier is read, never changed
    assert model.get_params() == before[0]
    for gmm, means in zip(model.gmms_, before[1]):
        np.testing.assert_array_equal(gmm.means_, means)


def test_reject_label_can_be_a_string():
    X, y = blobs()
    names = np.array(["a", "b", "c"])[y]
    model = GMMClassifier(n_components=1, random_state=0).fit(X, names)
    none = ClassOutlierDetector(model, quantile=0.05, reject_label="none").fit(X, names)
    assert none.predict(np.full((1, 3), 100.0))[0] == "none"


def test_held_out_labels_must_be_the_classifiers_and_cover_every_class():
    X, y = blobs()
    model = GMMClassifier(n_components=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"Labels \[7\] are not among"):
        ClassOutlierDetector(model).fit(X[:2], [0, 7])
    with pytest.raises(ValueError, match="lack classes"):
        ClassOutlierDetector(model).fit(X[:5], y[:5])


@pytest.mark.parametrize("quantile", [0.0, 0.5, -0.1, 1.0, "1%", None])
def test_the_quantile_lies_strictly_between_0_and_one_half(quantile):
    X, y = blobs()
    model = GMMClassifier(n_components=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="The 'quantile' parameter of ClassOutlierDetector "
                                         r"must be a float in the range \(0.0, 0.5\)"):
        ClassOutlierDetector(model, quantile=quantile).fit(X, y)


def test_unfitted_detector_is_a_clear_error():
    from sklearn.exceptions import NotFittedError

    X, y = blobs()
    model = GMMClassifier(n_components=1, random_state=0).fit(X, y)
    with pytest.raises(NotFittedError):
        ClassOutlierDetector(model).reject(X)


def test_one_quantile_rule_for_codes_images_and_notebook_parameters():
    from gae_helpers.measure.rejection import evaluate_rejection
    from gae_helpers.run.parameters import check_parameters

    assert QUANTILE.is_satisfied_by(0.01) and not QUANTILE.is_satisfied_by(0.5)
    for call in (lambda: check_parameters({"reject_quantile": 0.5}),
                 lambda: evaluate_rejection(None, None, {}, "combined", 0.5)):
        with pytest.raises(ValueError, match=r"range \(0.0, 0.5\)"):
            call()

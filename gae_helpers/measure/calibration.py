"""Are the class probabilities honest? Calibration error and temperature scaling (section
"Calibration").

Temperature scaling is scikit-learn's own (:func:`temperature_scaled`: ``CalibratedClassifierCV``
with ``method="temperature"`` over the frozen classifier), which divides the class-GMM
classifier's log posteriors by one ``T`` fitted on a validation split. ``T > 1`` softens
overconfident probabilities.

The expected calibration error is computed here from :func:`reliability_curve` rather than by
torchmetrics' ``multiclass_calibration_error``: that one rounds confidences to float32 and
gives a confidence of exactly 1 (after rounding, anything above ``1 - 6e-8``) a bin of its own,
an extra bin that, for GMM posteriors which saturate, holds most images. The tests check that
both agree where that bin is empty.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.utils import check_scalar
from sklearn.utils.validation import check_is_fitted


def _check_proba(proba, y_true, name="proba"):
    proba = np.asarray(proba, dtype=np.float64)
    y_true = np.asarray(y_true)
    if proba.ndim != 2 or len(proba) == 0:
        raise ValueError(f"{name} must be an array (n_samples, n_classes) with at least one "
                         f"row, got shape {proba.shape}.")
    if y_true.shape != (len(proba),) or not np.issubdtype(y_true.dtype, np.integer):
        raise ValueError(f"y_true must hold one class index per row of {name} ({len(proba)}), "
                         f"got shape {y_true.shape} of {y_true.dtype}.")
    if y_true.min() < 0 or y_true.max() >= proba.shape[1]:
        raise ValueError(f"y_true must be class indices 0..{proba.shape[1] - 1} (column numbers "
                         f"of {name}), got values from {y_true.min()} to {y_true.max()}.")
    return proba, y_true


def _check_bins(n_bins):
    return check_scalar(n_bins, "n_bins", Integral, min_val=1)


def reliability_curve(proba, y_true, n_bins: int = 15):
    """Confidence against accuracy in equal-width confidence bins.

    Section "Calibration". An image's confidence is its top class probability; bin ``b``
    holds confidences in ``[b / n_bins, (b + 1) / n_bins)``, the last bin also 1.

    Parameters
    ----------
    proba : array of shape (n_samples, n_classes)
        Class probabilities.
    y_true : array of int
        True class indices (column numbers of ``proba``).
    n_bins : int

    Returns
    -------
    confidence, accuracy : arrays of shape (n_bins,)
        Mean confidence and share of correct top classes per bin (NaN for empty bins).
    count : array of int, shape (n_bins,)
        Images per bin.

    Examples
    --------
    >>> proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    >>> conf, acc, count = reliability_curve(proba, np.array([0, 1, 1, 1]), n_bins=2)
    >>> count.tolist(), [round(float(c), 3) for c in conf], acc.tolist()
    ([0, 4], [nan, 0.75], [nan, 0.75])
    """
    proba, y_true = _check_proba(proba, y_true)
    n_bins = _check_bins(n_bins)
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_true
    bins = np.clip(np.floor(confidence * n_bins).astype(int), 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(bins, weights=confidence, minlength=n_bins) / count
        acc = np.bincount(bins, weights=correct, minlength=n_bins) / count
    return mean_conf, acc, count


def expected_calibration_error(proba, y_true, n_bins: int = 15) -> float:
    """Top-label expected calibration error (ECE) with equal-width bins.

    Section "Calibration". The mean over bins of ``|accuracy - confidence|`` weighted by the
    share of images in the bin (bins as in :func:`reliability_curve`). 0 is perfectly
    calibrated.

    Examples
    --------
    >>> proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    >>> y_true = np.array([0, 1, 1, 1])  # right at 0.9, wrong at 0.8, right at 0.7 and 0.6
    >>> round(expected_calibration_error(proba, y_true, n_bins=10), 3)  # (.1+.8+.3+.4) / 4
    0.4
    >>> round(expected_calibration_error(proba, y_true, n_bins=2), 3)  # one bin: .75 vs .75
    0.0
    """
    conf, acc, count = reliability_curve(proba, y_true, n_bins)
    full = count > 0
    return float(np.sum(count[full] * np.abs(acc[full] - conf[full])) / count.sum())


# scikit-learn searches log(1/T) in [-10, 10]; a fit this close (in log T) to either end is
# no optimum inside the bounds.
_LOG_T_BOUND = 10.0
_AT_BOUND = 1e-3


def temperature_scaled(classifier, X, y) -> CalibratedClassifierCV:
    """scikit-learn's temperature scaling of a fitted classifier, fitted on held-out codes.

    Section "Calibration". ``CalibratedClassifierCV(FrozenEstimator(classifier),
    method="temperature")``: the classifier is used as it is (frozen, never refitted or
    changed); one temperature ``T`` minimising the held-out negative log-likelihood divides its
    log posteriors (its ``decision_function``), which softens (``T > 1``) or sharpens every
    posterior at once without changing any decision. On both walkthroughs' held-out codes it
    gives the temperature of the hand-written search it replaced to six significant figures
    (docs/search.md, round 7). Fit it on a validation split, never on the test images it is
    reported on. :func:`temperature` reads ``T``.

    Warns
    -----
    RuntimeWarning
        When ``T`` lies at the end of scikit-learn's search: no optimum inside it (towards
        small ``T``, every held-out image's top class is right; towards large ``T``, the top
        classes are mostly wrong and uniform probabilities fit best).

    Examples
    --------
    >>> from gae_helpers.mixtures.classifier import GMMClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-1, 1, (400, 2)), rng.normal(1, 1, (400, 2))])
    >>> y = np.repeat([0, 1], 400)
    >>> gmm = GMMClassifier(n_components=1, random_state=0).fit(X[::2], y[::2])
    >>> calibrated = temperature_scaled(gmm, X[1::2], y[1::2])
    >>> 0.5 < temperature(calibrated, X[1::2]) < 2
    True
    >>> bool((calibrated.predict(X) == gmm.predict(X)).all())  # no decision changes
    True
    """
    calibrated = CalibratedClassifierCV(FrozenEstimator(classifier), method="temperature")
    calibrated.fit(X, y)
    log_t = np.log(temperature(calibrated, X))
    all_right = bool(np.all(classifier.predict(X) == np.asarray(y)))
    if all_right or _LOG_T_BOUND - abs(log_t) < _AT_BOUND:
        end = "lower" if all_right or log_t < 0 else "upper"
        warnings.warn(
            f"temperature scaling found no optimum inside scikit-learn's search (stopped at "
            f"T = {np.exp(log_t):.3g}, towards its {end} bound): "
            + ("every held-out image's top class is right, so sharper probabilities always fit "
               "as well or better. Fit it on more (or harder) held-out images, or keep T = 1."
               if end == "lower" else
               "the top classes are mostly wrong. Check that the labels belong to the codes."),
            RuntimeWarning, stacklevel=2)
    return calibrated


def temperature(calibrated: CalibratedClassifierCV, X) -> float:
    """The temperature ``T`` of a :func:`temperature_scaled` classifier, read from its public
    outputs on codes ``X``: its log probabilities are the frozen classifier's logits divided
    by ``T``, up to a constant per row, so ``T`` is their least-squares ratio once each row is
    centred (rows with a probability that underflows to 0 are left out).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    >>> calibrated = temperature_scaled(LogisticRegression().fit(X, y), X, y)
    >>> 0.5 < temperature(calibrated, X) < 2
    True
    """
    check_is_fitted(calibrated)
    logits = np.asarray(calibrated.estimator.decision_function(X), dtype=np.float64)
    if logits.ndim == 1:  # two classes: scikit-learn reads one column as the logits (-x, x)
        logits = np.column_stack([-logits, logits])
    with np.errstate(divide="ignore"):
        log_proba = np.log(calibrated.predict_proba(X))
    rows = np.isfinite(log_proba).all(axis=1) & np.isfinite(logits).all(axis=1)
    logits = logits[rows] - logits[rows].mean(axis=1, keepdims=True)
    log_proba = log_proba[rows] - log_proba[rows].mean(axis=1, keepdims=True)
    if not np.any(logits):
        raise ValueError("No code in X has every class probability above 0 and logits that "
                         "differ: pass the codes the temperature was fitted on.")
    return float(np.sum(logits * logits) / np.sum(logits * log_proba))

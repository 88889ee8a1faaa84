"""Are the class probabilities honest? Calibration error and temperature scaling (section
"Calibration").

The class-GMM classifier's ``predict_log_proba`` gives log posteriors; dividing them by a
temperature ``T`` and renormalising (:func:`apply_temperature`) is temperature scaling, with
``T`` fitted on a validation split (:func:`fit_temperature`). ``T > 1`` softens overconfident
probabilities.

The expected calibration error is computed here from :func:`reliability_curve` rather than by
torchmetrics' ``multiclass_calibration_error``: that one rounds confidences to float32 and
gives a confidence of exactly 1 (after rounding, anything above ``1 - 6e-8``) a bin of its own,
an extra bin that, for GMM posteriors which saturate, holds most images. The tests check that
both agree where that bin is empty.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

# Temperatures searched by fit_temperature: log T in [log 1/100, log 100]. A result this close
# to either end (in log T), or no better there than at that end (in mean negative
# log-likelihood, nats), is no optimum inside the bounds.
_LOG_T_BOUNDS = (-np.log(100.0), np.log(100.0))
_AT_BOUND = 1e-3
_AT_BOUND_NLL = 1e-12


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
    if isinstance(n_bins, bool) or not float(n_bins).is_integer() or n_bins < 1:
        raise ValueError(f"n_bins must be a whole number >= 1, got {n_bins!r}.")
    return int(n_bins)


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


def _check_logits(log_proba, name):
    log_proba = np.asarray(log_proba, dtype=np.float64)
    if log_proba.ndim != 2 or len(log_proba) == 0:
        raise ValueError(f"{name} must be an array (n_samples, n_classes) with at least one row, "
                         f"got shape {log_proba.shape}.")
    if np.isnan(log_proba).any() or np.isposinf(log_proba).any():
        raise ValueError(f"{name} contains NaN or +inf: pass log probabilities or logits.")
    if np.isneginf(log_proba).all(axis=1).any():
        raise ValueError(f"{name} has rows where every class is -inf (probability 0).")
    return log_proba


def _check_temperature(temperature):
    if isinstance(temperature, bool) or not np.isfinite(temperature) or not temperature > 0:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}.")
    return float(temperature)


def apply_temperature(log_proba, temperature: float) -> np.ndarray:
    """Temperature-scaled probabilities ``softmax(log_proba / T)``.

    Section "Calibration". ``log_proba`` may be log posteriors (e.g. the class-GMM's
    ``predict_log_proba``) or logits: softmax ignores a constant per row.

    Examples
    --------
    >>> p = apply_temperature(np.log([[0.8, 0.2]]), 2.0)  # sqrt(0.8) : sqrt(0.2) = 2 : 1
    >>> [round(float(v), 4) for v in p[0]]
    [0.6667, 0.3333]
    """
    log_proba = _check_logits(log_proba, "log_proba")
    return np.exp(log_softmax(log_proba / _check_temperature(temperature), axis=1))


def _nll(log_proba, y_true, temperature):
    return -np.mean(log_softmax(log_proba / temperature, axis=1)[np.arange(len(y_true)), y_true])


def fit_temperature(log_proba, y_true) -> float:
    """The temperature ``T > 0`` minimising the negative log-likelihood of
    ``softmax(log_proba / T)`` on labelled (validation) data.

    Section "Calibration". One scalar, searched as ``log T`` in ``[log 0.01, log 100]`` by
    :func:`scipy.optimize.minimize_scalar`. Fit it on a validation split, never on the test
    images it is reported on.

    Parameters
    ----------
    log_proba : array of shape (n_samples, n_classes)
        Log posteriors or logits.
    y_true : array of int
        True class indices.

    Returns
    -------
    float
        ``T``; above 1 the probabilities were overconfident, below 1 underconfident.

    Warns
    -----
    RuntimeWarning
        When the search finds no optimum inside its bounds: the negative log-likelihood at a
        bound is no worse than at the ``T`` returned (it keeps falling, or lies flat, towards
        that bound), so ``T`` is no fit. Towards 0.01, every labelled image's top class is
        right and sharper probabilities always fit as well or better; towards 100, the top
        classes are mostly wrong and uniform probabilities fit best.
    """
    log_proba = _check_logits(log_proba, "log_proba_or_logits")
    _, y_true = _check_proba(log_proba, y_true, "log_proba_or_logits")

    def nll(log_t):
        return _nll(log_proba, y_true, np.exp(log_t))

    result = minimize_scalar(nll, bounds=_LOG_T_BOUNDS, method="bounded")
    low, high = _LOG_T_BOUNDS
    found = f"T = {np.exp(result.x):.3g}"
    if result.x - low < _AT_BOUND or nll(low) <= result.fun + _AT_BOUND_NLL:
        warnings.warn(
            f"fit_temperature found no optimum above its lower bound T = {np.exp(low):.2g} "
            f"(returning {found}): the negative log-likelihood of y_true falls or stays flat as "
            f"T falls, as it does when every image's top class in log_proba_or_logits is "
            f"right, so T is no fit. Fit it on more (or harder) held-out images, or keep T = 1.",
            RuntimeWarning, stacklevel=2)
    elif high - result.x < _AT_BOUND or nll(high) <= result.fun + _AT_BOUND_NLL:
        warnings.warn(
            f"fit_temperature found no optimum below its upper bound T = {np.exp(high):.3g} "
            f"(returning {found}): uniform probabilities fit y_true as well as any sharper "
            f"ones, as when the top classes in log_proba_or_logits are mostly wrong. Check "
            f"that y_true holds the column numbers of log_proba_or_logits, or fit T on other "
            f"held-out images.",
            RuntimeWarning, stacklevel=2)
    return float(np.exp(result.x))

"""The "none of the classes" rule on codes: a per-class likelihood threshold set on held-out
codes (sections "Calibration", "Transitioning classes" and the explorers).

Section "The 'none' option" judges whole images by a score through the autoencoder and the
GMMs (:mod:`gae_helpers.measure.rejection`); both rules refuse about a ``quantile`` of unseen
in-class inputs, and both check that quantile against :data:`QUANTILE`, declared once here.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from gae_helpers.mixtures.threads import one_thread

# The share of unseen in-class inputs a reject rule may refuse: above 0 (some must be
# refused for a threshold to exist), below one half (else it refuses most of a class).
QUANTILE = Interval(Real, 0.0, 0.5, closed="neither")


class ClassOutlierDetector(BaseEstimator):
    """Says "none of the classes" for codes unlikely under the class they would be given.

    Each class's threshold is the ``quantile`` of the log-likelihoods of that class's held-out
    codes under its own mixture, so the rule refuses about ``quantile`` of unseen in-class
    codes. :meth:`fit` reads held-out codes only: the classifier is used as it is, never
    refitted or changed (training codes score higher than unseen ones and would set thresholds
    that refuse more than ``quantile`` of new codes).

    Parameters
    ----------
    classifier : GMMClassifier
        Fitted.
    quantile : float, default=0.01
        In (0, 0.5): the share of unseen in-class codes refused.
    reject_label : default=-1
        What :meth:`predict` says for "none of the classes".

    Attributes
    ----------
    thresholds_ : ndarray of shape (n_classes,)
        Per-class log-likelihood thresholds, in the order of ``classes_``.
    classes_ : ndarray
        The classifier's classes.

    Examples
    --------
    >>> from gae_helpers.mixtures.classifier import GMMClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-5, 1, (200, 2)), rng.normal(5, 1, (200, 2))])
    >>> y = np.repeat([0, 1], 200)
    >>> gmm = GMMClassifier(n_components=1, random_state=0).fit(X[::2], y[::2])
    >>> none = ClassOutlierDetector(gmm, quantile=0.05).fit(X[1::2], y[1::2])
    >>> none.predict([[-5.0, -5.0], [5.0, 5.0], [40.0, -40.0]]).tolist()
    [0, 1, -1]
    >>> ClassOutlierDetector(gmm, quantile=0.6).fit(X[1::2], y[1::2])
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'quantile' parameter of ClassOutlierDetector must be a float in the range (0.0, 0.5). Got 0.6 instead.
    """

    _parameter_constraints = {
        "classifier": [HasMethods(["class_log_likelihood", "class_index"])],
        "quantile": [QUANTILE],
        "reject_label": "no_validation",
    }

    def __init__(self, classifier, quantile=0.01, reject_label=-1):
        self.classifier = classifier
        self.quantile = quantile
        self.reject_label = reject_label

    @_fit_context(prefer_skip_nested_validation=True)
    @one_thread
    def fit(self, X, y):
        """Set each class's threshold from held-out codes ``X`` with labels ``y``; returns
        self."""
        y_index = self.classifier.class_index(y)
        classes = self.classifier.classes_
        missing = [c for k, c in enumerate(classes.tolist()) if not np.any(y_index == k)]
        if missing:
            raise ValueError(f"The held-out codes lack classes {missing}: give fit codes of "
                             f"every class.")
        loglik = self.classifier.class_log_likelihood(X)
        self.thresholds_ = np.array([np.quantile(loglik[y_index == k, k], self.quantile)
                                     for k in range(len(classes))])
        self.classes_ = classes
        return self

    def reject(self, X) -> np.ndarray:
        """True where a code is unlikelier under the class it would be given than that class's
        threshold."""
        check_is_fitted(self)
        loglik = self.classifier.class_log_likelihood(X)
        best = np.argmax(loglik + np.log(self.classifier.class_prior_), axis=1)
        return loglik[np.arange(len(best)), best] < self.thresholds_[best]

    def predict(self, X) -> np.ndarray:
        """The classifier's class, or ``reject_label`` where :meth:`reject` says none."""
        labels = self.classifier.predict(X)
        out = labels.astype(np.result_type(labels, np.asarray(self.reject_label)), copy=True)
        out[self.reject(X)] = self.reject_label
        return out

    def describe(self) -> str:
        """The rule in one sentence, for captions."""
        return (f'"none": the code\'s log-likelihood under the class it would be given is below '
                f"that class's held-out {self.quantile:g} quantile (ClassOutlierDetector), not "
                f"section 8's image score.")

"""The "none of the classes" rule on codes, as a scikit-learn outlier detector (sections
"Calibration", "Transitioning classes" and the explorers).

Section "The 'none' option" judges whole images by a score through the autoencoder and the
GMMs (:mod:`gae_helpers.measure.rejection`); both rules refuse about a ``quantile`` of unseen
in-class inputs, and both check that quantile against :data:`QUANTILE`, declared once here.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from gae_helpers.mixtures.classifier import GMMClassifier, check_params

# The share of unseen in-class inputs a reject rule may refuse: above 0 (some must be
# refused for a threshold to exist), below one half (else it refuses most of a class).
QUANTILE = Interval(Real, 0.0, 0.5, closed="neither")


class ClassOutlierDetector(OutlierMixin, BaseEstimator):
    """Says "none of the classes" (-1) for codes unlikely under the class they would be given.

    Each class's threshold is the ``quantile`` of its codes' log-likelihoods under its own
    mixture. Set the thresholds on **held-out** codes, with the fitted classifier wrapped in
    :class:`sklearn.frozen.FrozenEstimator` (used as it is, never refitted, kept by
    ``clone``): then the rule refuses about ``quantile`` of unseen in-class codes. An unfrozen
    classifier is cloned and fitted on the codes given to :meth:`fit`, whose training codes
    score higher than unseen ones and so set thresholds that refuse more.

    Parameters
    ----------
    classifier : GMMClassifier or FrozenEstimator of one, default=None
        None: ``GMMClassifier()``.
    quantile : float, default=0.01
        In (0, 0.5): the share of in-class codes refused.

    Attributes
    ----------
    classifier_ : GMMClassifier
        The classifier the rule reads.
    thresholds_ : ndarray of shape (n_classes,)
        Per-class log-likelihood thresholds, in the order of ``classes_``.
    offset_ : float
        0: :meth:`score_samples` is already relative to each class's threshold.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-5, 1, (200, 2)), rng.normal(5, 1, (200, 2))])
    >>> y = np.repeat([0, 1], 200)
    >>> gmm = GMMClassifier(n_components=1, random_state=0).fit(X[::2], y[::2])
    >>> none = ClassOutlierDetector(FrozenEstimator(gmm), quantile=0.05).fit(X[1::2], y[1::2])
    >>> none.predict([[-5.0, -5.0], [5.0, 5.0], [40.0, -40.0]]).tolist()
    [1, 1, -1]
    >>> ClassOutlierDetector(quantile=0.6).fit(X, y)
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'quantile' parameter of ClassOutlierDetector must be a float in the range (0.0, 0.5). Got 0.6 instead.
    """

    _parameter_constraints = {
        "classifier": [HasMethods(["fit", "class_log_likelihood"]), None],
        "quantile": [QUANTILE],
    }

    def __init__(self, classifier=None, quantile=0.01):
        self.classifier = classifier
        self.quantile = quantile

    def fit(self, X, y=None):
        """Set each class's threshold from codes ``X`` with labels ``y``; returns self.

        Without labels, a frozen classifier's own predictions serve as them, and an unfrozen
        one fits a single mixture to every code (scikit-lego's ``GMMOutlierDetector``)."""
        check_params(self)
        classifier = GMMClassifier() if self.classifier is None else self.classifier
        frozen = isinstance(classifier, FrozenEstimator)
        if y is None:
            y = classifier.predict(X) if frozen else np.zeros(len(X), dtype=int)
        if not frozen:
            classifier = clone(classifier).fit(X, y)
        self.classifier_ = classifier
        self.classes_ = classifier.classes_
        y = np.asarray(y)
        unknown = np.setdiff1d(y, self.classes_)
        missing = np.setdiff1d(self.classes_, y)
        if len(unknown) or len(missing):
            raise ValueError(f"The labels must be the classifier's classes, every one of them: "
                             f"unknown {unknown.tolist()}, missing {missing.tolist()}.")
        loglik = classifier.class_log_likelihood(X)
        y_index = np.searchsorted(self.classes_, y)
        self.thresholds_ = np.array([np.quantile(loglik[y_index == k, k], self.quantile)
                                     for k in range(len(self.classes_))])
        self.offset_ = 0.0
        self.n_features_in_ = classifier.n_features_in_
        return self

    def score_samples(self, X):
        """Each code's log-likelihood under the class it would be given, minus that class's
        threshold: below 0 is "none"."""
        check_is_fitted(self)
        loglik = self.classifier_.class_log_likelihood(X)
        best = np.argmax(loglik + np.log(self.classifier_.class_prior_), axis=1)
        return loglik[np.arange(len(best)), best] - self.thresholds_[best]

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for "none"."""
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """+1 where a code belongs to the class it would be given, -1 for "none"."""
        return np.where(self.decision_function(X) < 0, -1, 1)

    def describe(self) -> str:
        """The rule in one sentence, for captions."""
        return (f'"none": the code\'s log-likelihood under the class it would be given is below '
                f"that class's held-out {self.quantile:g} quantile (ClassOutlierDetector), not "
                f"section 8's image score.")

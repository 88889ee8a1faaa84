"""One Gaussian mixture per class, as a scikit-learn classifier (sections "Sampling data" and
"Predicting data").

The walkthrough writes these lines out itself (``GaussianMixture(...).fit(z[y == k])``, the
log-likelihoods plus log priors, their argmax); :class:`GMMClassifier` is the same recipe as
an estimator, for the lab, the explorers and scikit-learn's tools (calibration, cloning,
grid search). Saying "none of the classes" is :mod:`gae_helpers.mixtures.outliers`' job.
"""

from __future__ import annotations

import copy
from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (Interval, StrOptions,
                                            validate_parameter_constraints)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from gae_helpers.mixtures.threads import one_thread, run_in_threads


class GMMClassifier(ClassifierMixin, BaseEstimator):
    """A Gaussian mixture per class; classify by likelihood and Bayes' rule, sample per class.

    Parameters
    ----------
    n_components : int, default=6
        Components of each class's mixture (the post uses 6).
    covariance_type, reg_covar, max_iter, tol, n_init, init_params
        Passed to each class's :class:`~sklearn.mixture.GaussianMixture`.
    priors : {"empirical", "uniform"} or array-like, default="empirical"
        p(class): the training frequencies, equal, or one positive number per class in the
        order of ``classes_`` (normalised).
    random_state : int, RandomState or None
        Seeds every mixture.
    n_jobs : int or None, default=None
        Classes fitted at once, in threads, each on one BLAS thread
        (:func:`~gae_helpers.mixtures.threads.run_in_threads`): the same mixtures, sooner on
        two cores (docs/search.md, rounds 5 and 9).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    gmms_ : list of GaussianMixture
        ``gmms_[k]`` models class ``classes_[k]``.
    class_prior_ : ndarray of shape (n_classes,)
    n_iter_ : ndarray of shape (n_classes,)
        EM iterations of each class's mixture.
    converged_ : bool
        Whether every mixture converged.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-5, 1, (50, 2)), rng.normal(5, 1, (50, 2))])
    >>> y = np.repeat([0, 1], 50)
    >>> model = GMMClassifier(n_components=2, random_state=0).fit(X, y)
    >>> model.predict([[-5.0, -5.0], [5.0, 5.0]])
    array([0, 1])
    >>> codes, labels = model.sample(3, class_label=1, random_state=0)
    >>> codes.shape, labels.tolist()
    ((3, 2), [1, 1, 1])
    >>> GMMClassifier(n_components=0).fit(X, y)
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'n_components' parameter of GMMClassifier must be an int in the range [1, inf). Got 0 instead.
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions({"full", "tied", "diag", "spherical"})],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [StrOptions({"kmeans", "k-means++", "random", "random_from_data"})],
        "priors": [StrOptions({"empirical", "uniform"}), "array-like"],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(self, n_components=6, covariance_type="full", reg_covar=1e-6, max_iter=100,
                 tol=1e-3, n_init=1, init_params="kmeans", priors="empirical", random_state=None,
                 n_jobs=None):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
        self.init_params = init_params
        self.priors = priors
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y):
        """Fit one mixture to the codes of each class; returns self."""
        check_params(self)
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=False)
        check_finite_codes(X)
        check_classification_targets(y)
        self.classes_, y_index, counts = np.unique(y, return_inverse=True, return_counts=True)
        if counts.min() < self.n_components:
            raise ValueError(
                f"Class {self.classes_[counts.argmin()].item()!r} has {counts.min()} samples, fewer "
                f"than n_components={self.n_components}: lower n_components to at most "
                f"{counts.min()} or give every class more samples.")
        self.class_prior_ = self._class_prior(counts)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        mixture = GaussianMixture(
            n_components=self.n_components, covariance_type=self.covariance_type,
            reg_covar=self.reg_covar, max_iter=self.max_iter, tol=self.tol, n_init=self.n_init,
            init_params=self.init_params, random_state=seed)
        self.gmms_ = run_in_threads(lambda k: clone(mixture).fit(X[y_index == k]),
                                    range(len(self.classes_)), self.n_jobs)
        self.n_iter_ = np.array([gmm.n_iter_ for gmm in self.gmms_])
        self.converged_ = all(gmm.converged_ for gmm in self.gmms_)
        return self

    def _class_prior(self, counts):
        if isinstance(self.priors, str):
            return counts / counts.sum() if self.priors == "empirical" else \
                np.full(len(counts), 1.0 / len(counts))
        prior = np.asarray(self.priors, dtype=float)
        if prior.shape != counts.shape or not np.all(prior > 0):
            raise ValueError(f"priors must hold {len(counts)} positive numbers (one per class, "
                             f"in the order of classes_), got {self.priors!r}.")
        return prior / prior.sum()

    @one_thread
    def class_log_likelihood(self, X):
        """log p(x | class) for each class: an array of shape (n_samples, n_classes)."""
        check_is_fitted(self)
        X = check_finite_codes(validate_data(self, X, dtype=np.float64, reset=False,
                                             ensure_all_finite=False))
        return np.column_stack([gmm.score_samples(X) for gmm in self.gmms_])

    def _joint_log_likelihood(self, X):
        return self.class_log_likelihood(X) + np.log(self.class_prior_)

    def predict_log_proba(self, X):
        """log p(class | x), normalised with logsumexp: codes far from every class neither
        overflow nor divide zero by zero."""
        joint = self._joint_log_likelihood(X)
        return joint - logsumexp(joint, axis=1, keepdims=True)

    def predict_proba(self, X):
        """p(class | x)."""
        return np.exp(self.predict_log_proba(X))

    def decision_function(self, X):
        """The log posteriors; with two classes, half the log-odds of ``classes_[1]``
        (scikit-learn's convention). Temperature scaling divides these."""
        log_proba = self.predict_log_proba(X)
        return (log_proba[:, 1] - log_proba[:, 0]) / 2 if log_proba.shape[1] == 2 else log_proba

    def predict(self, X):
        """The most probable class."""
        best = np.argmax(self._joint_log_likelihood(X), axis=1)
        return self.classes_[best]

    def score_samples(self, X):
        """log p(x) under the whole model: logsumexp over classes of prior times likelihood."""
        return logsumexp(self._joint_log_likelihood(X), axis=1)

    def sample(self, n_samples=1, class_label=None, random_state=None):
        """``n_samples`` codes, in random order, and their classes: from ``class_label``'s
        mixture, or with classes drawn by their priors when it is None. ``random_state``
        overrides the estimator's for this call."""
        check_is_fitted(self)
        rng = check_random_state(self.random_state if random_state is None else random_state)
        if class_label is None:
            counts = rng.multinomial(n_samples, self.class_prior_)
        elif class_label in self.classes_.tolist():
            counts = np.where(self.classes_ == class_label, n_samples, 0)
        else:
            raise ValueError(f"Unknown class {class_label!r}: choose one of "
                             f"{self.classes_.tolist()}.")
        X = [sample_gmm(gmm, n, rng) for gmm, n in zip(self.gmms_, counts)]
        order = rng.permutation(n_samples)
        return np.vstack(X)[order], np.repeat(self.classes_, counts)[order]


def check_params(estimator):
    """Check ``estimator``'s parameters against its ``_parameter_constraints`` (scikit-learn's
    own check, with its message naming the parameter and what it must be)."""
    validate_parameter_constraints(estimator._parameter_constraints,
                                   estimator.get_params(deep=False),
                                   caller_name=type(estimator).__name__)


def check_finite_codes(X):
    """``X``, or a ValueError naming the rows with NaN or infinite values."""
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if len(bad):
        raise ValueError(
            f"The codes contain NaN or infinite values in {len(bad)} rows (first: "
            f"{bad[:5].tolist()}). A diverged autoencoder gives such codes: retrain it (e.g. "
            f"with a lower learning_rate) or drop those rows.")
    return X


@one_thread
def sample_gmm(gmm: GaussianMixture, n_samples: int, random_state=None) -> np.ndarray:
    """``n_samples`` draws from a fitted GaussianMixture, in random order (scikit-learn's
    ``sample`` groups them by component), with a seed of this call's own; ``gmm`` is left as
    it was."""
    rng = check_random_state(random_state)
    gmm = copy.copy(gmm)  # scikit-learn's sample draws with the mixture's own random_state
    gmm.random_state = rng.randint(np.iinfo(np.int32).max)
    if n_samples == 0:
        return np.zeros((0, gmm.means_.shape[1]))
    return gmm.sample(int(n_samples))[0][rng.permutation(int(n_samples))]

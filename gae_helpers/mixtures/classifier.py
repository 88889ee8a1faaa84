"""One Gaussian mixture per class, as a scikit-learn classifier (sections "Sampling data" and
"Predicting data"); the single all-class mixture (section "One GMM for all classes") and the
threaded ``GaussianMixture`` that fits it; the covariances and principal axes of a fitted
mixture's components (section "Explore").

:class:`GMMClassifier` fits a :class:`sklearn.mixture.GaussianMixture` to the latent codes of
each class. Bayes' rule turns the per-class likelihoods into class probabilities, normalised
with ``logsumexp`` so that codes far from every class do not overflow or divide zero by zero.
Saying "none of the classes" is :mod:`gae_helpers.mixtures.outliers`' job; temperature scaling
is :mod:`gae_helpers.mixtures.calibration`'s.
"""

from __future__ import annotations

import copy

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from scipy.special import logsumexp
from numbers import Integral, Real

from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.mixture import GaussianMixture
from sklearn.mixture import _gaussian_mixture as _gm
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from gae_helpers.mixtures.cache import fit_or_load
from gae_helpers.mixtures.threads import limited, one_thread

PRIORS = ("empirical", "uniform")


class GMMClassifier(ClassifierMixin, BaseEstimator):
    """A Gaussian mixture per class; classify by likelihood and Bayes' rule, sample per class.

    Sections "Sampling data" and "Predicting data". Its one job is the class-conditional model:
    the "none of the classes" rule is :class:`~gae_helpers.mixtures.outliers.ClassOutlierDetector`
    and temperature scaling is scikit-learn's ``CalibratedClassifierCV`` over it
    (:func:`gae_helpers.mixtures.calibration.temperature_scaled`); neither changes it.

    Parameters
    ----------
    n_components : int, default=6
        Components of each class's mixture (the post uses 6).
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        Passed to each :class:`~sklearn.mixture.GaussianMixture`.
    reg_covar : float, default=1e-6
        Added to the covariances' diagonals.
    max_iter, n_init : int
        EM iterations and restarts of each mixture.
    tol : float, default=1e-3
        EM stops when the mean log-likelihood gains less than this (scikit-learn's option).
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default="kmeans"
        How each mixture's EM starts (scikit-learn's option).
    priors : {"empirical", "uniform"} or array-like, default="empirical"
        Class priors p(class): the training frequencies, equal weights, or
        explicit values in the order of ``classes_`` (normalised to sum to 1).
    random_state : int, RandomState or None
        Seeds every mixture.
    n_jobs : int or None, default=None
        Classes fitted (and scored) at once, in threads (joblib's ``n_jobs``: None is one, -1
        every core).
        Every fit runs with one BLAS thread (:mod:`gae_helpers.mixtures.threads`), so two
        classes at once keep two cores busy; the fitted mixtures are the same whatever
        ``n_jobs``.

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
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-5, 1, (50, 2)), rng.normal(5, 1, (50, 2))])
    >>> y = np.repeat([0, 1], 50)
    >>> model = GMMClassifier(n_components=2, random_state=0).fit(X, y)
    >>> model.predict([[-5.0, -5.0], [5.0, 5.0]])
    array([0, 1])
    >>> float(model.predict_proba([[0.0, 0.0]]).sum().round(6))
    1.0
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
        "init_params": [StrOptions({"kmeans", "random", "random_from_data", "k-means++"})],
        "priors": [StrOptions(set(PRIORS)), "array-like"],
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

    @_fit_context(prefer_skip_nested_validation=True)
    @one_thread
    def fit(self, X, y):
        """Fit one mixture to the codes of each class; returns self."""
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=False)
        check_finite_codes(X)
        check_classification_targets(y)
        self.classes_, y_index, counts = np.unique(y, return_inverse=True, return_counts=True)
        too_small = [(c, n) for c, n in zip(self.classes_.tolist(), counts)
                     if n < self.n_components]
        if too_small:
            cls, n = too_small[0]
            raise ValueError(
                f"Class {cls!r} has {n} sample{'s' if n != 1 else ''}, fewer than "
                f"n_components={self.n_components}: lower n_components to at most "
                f"{min(counts)} or give every class more samples.")
        self.class_prior_ = self._class_prior(counts)
        rng = check_random_state(self.random_state)
        seed = rng.randint(np.iinfo(np.int32).max)
        mixture = GaussianMixture(
            n_components=self.n_components, covariance_type=self.covariance_type,
            reg_covar=self.reg_covar, max_iter=self.max_iter, tol=self.tol, n_init=self.n_init,
            init_params=self.init_params, random_state=seed)
        # Largest classes first, so that parallel workers finish together.
        order = np.argsort(-counts, kind="stable")
        fitted = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(clone(mixture).fit)(X[y_index == k]) for k in order)
        self.gmms_ = [gmm for _, gmm in sorted(zip(order, fitted), key=lambda pair: pair[0])]
        self.n_iter_ = np.array([gmm.n_iter_ for gmm in self.gmms_])
        self.converged_ = all(gmm.converged_ for gmm in self.gmms_)
        return self

    def _class_prior(self, counts):
        if isinstance(self.priors, str):
            if self.priors == "empirical":
                return counts / counts.sum()
            return np.full(len(counts), 1.0 / len(counts))
        prior = np.asarray(self.priors, dtype=float)
        if prior.shape != counts.shape or not np.all(prior > 0):
            raise ValueError(f"priors must hold {len(counts)} positive numbers (one per class, "
                             f"in the order of classes_), got {self.priors!r}.")
        return prior / prior.sum()

    def _validate(self, X):
        check_is_fitted(self)
        return check_finite_codes(validate_data(self, X, dtype=np.float64, reset=False,
                                                ensure_all_finite=False))

    def class_index(self, y) -> np.ndarray:
        """The position in ``classes_`` of each label in ``y``; unknown labels raise."""
        check_is_fitted(self)
        y = np.asarray(y)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if len(unknown):
            raise ValueError(f"Labels {unknown.tolist()} are not among the model's classes "
                             f"{self.classes_.tolist()}.")
        return np.searchsorted(self.classes_, y)

    @one_thread
    def class_log_likelihood(self, X):
        """log p(x | class) for each class: an array of shape (n_samples, n_classes).

        The classes are scored ``n_jobs`` at a time, in threads, each with one BLAS thread (the
        same numbers whatever ``n_jobs``)."""
        X = self._validate(X)
        return np.column_stack(Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(gmm.score_samples)(X) for gmm in self.gmms_))

    def _joint_log_likelihood(self, X):
        return self.class_log_likelihood(X) + np.log(self.class_prior_)

    def predict_log_proba(self, X):
        """log p(class | x): per-class likelihoods times priors, normalised with logsumexp (codes
        far from every class neither overflow nor divide zero by zero)."""
        joint = self._joint_log_likelihood(X)
        return joint - logsumexp(joint, axis=1, keepdims=True)

    def decision_function(self, X):
        """The log posteriors (as :meth:`predict_log_proba`), of shape (n_samples, n_classes);
        with two classes, half the log-odds of ``classes_[1]`` (scikit-learn's convention: one
        column, read as the logits ``(-x, x)``). Scikit-learn's temperature scaling reads these
        exact logits rather than the saturated probabilities."""
        log_proba = self.predict_log_proba(X)
        if log_proba.shape[1] == 2:
            return (log_proba[:, 1] - log_proba[:, 0]) / 2
        return log_proba

    def predict_proba(self, X):
        """p(class | x): per-class likelihoods times priors, normalised."""
        return np.exp(self.predict_log_proba(X))

    def score_samples(self, X):
        """log p(x) under the whole model: logsumexp over classes of prior times likelihood."""
        return logsumexp(self._joint_log_likelihood(X), axis=1)

    def predict(self, X):
        """The most probable class."""
        best = np.argmax(self._joint_log_likelihood(X), axis=1)
        return self.classes_[best]

    @one_thread
    def sample(self, n_samples=1, class_label=None, random_state=None):
        """Draw latent points from one class's mixture, or from the whole model.

        Parameters
        ----------
        n_samples : int
        class_label : optional
            A member of ``classes_``; ``None`` draws classes by their priors.
        random_state : int, RandomState or None
            Overrides the estimator's ``random_state`` for this call.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            In random order (not grouped by class or component).
        y : ndarray of shape (n_samples,)
            The class of each point.
        """
        check_is_fitted(self)
        rng = check_random_state(self.random_state if random_state is None else random_state)
        if class_label is None:
            counts = rng.multinomial(n_samples, self.class_prior_)
        else:
            matches = np.flatnonzero(self.classes_ == class_label)
            if len(matches) != 1:
                raise ValueError(f"Unknown class {class_label!r}: choose one of "
                                 f"{self.classes_.tolist()}.")
            counts = np.zeros(len(self.classes_), dtype=int)
            counts[matches[0]] = n_samples
        X, y = [], []
        for k, n in enumerate(counts):
            if n:
                X.append(sample_gmm(self.gmms_[k], int(n), rng))
                y.append(np.repeat(self.classes_[k], n))
        if not X:
            return np.zeros((0, self.n_features_in_)), self.classes_[:0]
        order = rng.permutation(n_samples)
        return np.vstack(X)[order], np.concatenate(y)[order]


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
    """Draw from a fitted GaussianMixture with a seed of this call's own, leaving it unchanged.

    The draws come in random order: scikit-learn's ``GaussianMixture.sample`` returns them
    grouped by component, so its first rows all come from one component.
    """
    rng = check_random_state(random_state)
    gmm = copy.copy(gmm)  # scikit-learn's sample draws with the mixture's own random_state
    gmm.random_state = rng.randint(np.iinfo(np.int32).max)
    return gmm.sample(int(n_samples))[0][rng.permutation(int(n_samples))]


class ThreadedGaussianMixture(GaussianMixture):
    """scikit-learn's ``GaussianMixture`` whose E and M steps split the components over
    ``n_jobs`` threads (section "One GMM for all classes").

    With full covariances, each EM step works through the components one after another: a
    Cholesky factor, a product of the codes with it, a weighted covariance. The components are
    independent, so this estimator hands each thread a share of them, with scikit-learn's own
    functions for each share: the fit is the same, to the last bit, in fewer seconds (the
    single GMM of the Fashion-MNIST walkthrough, 120 components on 5,000 codes of 48
    dimensions: 5.0 s in one thread, 3.1 s in two; docs/search.md, round 8). Other covariance
    types run as in scikit-learn. Run it with one BLAS thread per thread
    (:func:`gae_helpers.mixtures.threads.limited`, as :func:`fit_single_gmm` does).

    Parameters
    ----------
    n_jobs : int or None, default=None
        Threads (joblib's ``n_jobs``: None is one, -1 every core). The other parameters are
        ``GaussianMixture``'s.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-3, 1, (200, 2)), rng.normal(3, 1, (200, 2))])
    >>> threaded = ThreadedGaussianMixture(4, random_state=0, n_jobs=2).fit(X)
    >>> plain = GaussianMixture(4, random_state=0).fit(X)
    >>> bool(np.array_equal(threaded.means_, plain.means_)), threaded.n_iter_ == plain.n_iter_
    (True, True)
    """

    _parameter_constraints = {**GaussianMixture._parameter_constraints,
                              "n_jobs": [Integral, None]}

    def __init__(self, n_components=1, *, covariance_type="full", tol=1e-3, reg_covar=1e-6,
                 max_iter=100, n_init=1, init_params="kmeans", weights_init=None,
                 means_init=None, precisions_init=None, random_state=None, warm_start=False,
                 verbose=0, verbose_interval=10, n_jobs=None):
        super().__init__(
            n_components, covariance_type=covariance_type, tol=tol, reg_covar=reg_covar,
            max_iter=max_iter, n_init=n_init, init_params=init_params,
            weights_init=weights_init, means_init=means_init,
            precisions_init=precisions_init, random_state=random_state,
            warm_start=warm_start, verbose=verbose, verbose_interval=verbose_interval)
        self.n_jobs = n_jobs

    def _shares(self):
        n_threads = max(1, min(effective_n_jobs(self.n_jobs), self.n_components))
        return np.array_split(np.arange(self.n_components), n_threads)

    def _threaded(self, X):
        return (self.covariance_type == "full" and isinstance(X, np.ndarray)
                and len(self._shares()) > 1)

    def _m_step(self, X, log_resp, xp=None):
        if not self._threaded(X):
            return super()._m_step(X, log_resp, xp=xp)
        # the weights and means of every component at once, as scikit-learn computes them
        resp = np.exp(log_resp)
        nk = resp.sum(axis=0) + 10 * np.finfo(resp.dtype).eps
        means = (resp.T @ X) / nk[:, np.newaxis]

        def share(ks):
            covariances = _gm._estimate_gaussian_covariances_full(
                resp[:, ks], X, nk[ks], means[ks], self.reg_covar)
            return covariances, _gm._compute_precision_cholesky(covariances, "full")

        shares = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(share)(ks) for ks in self._shares())
        self.weights_, self.means_ = nk / nk.sum(), means
        self.covariances_ = np.concatenate([c for c, _ in shares])
        self.precisions_cholesky_ = np.concatenate([p for _, p in shares])

    def _estimate_log_prob(self, X, xp=None):
        if not self._threaded(X):
            return super()._estimate_log_prob(X, xp=xp)
        return np.concatenate(Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_gm._estimate_log_gaussian_prob)(
                X, self.means_[ks], self.precisions_cholesky_[ks], "full")
            for ks in self._shares()), axis=1)


def fit_single_gmm(X, n_components, covariance_type="full", reg_covar=1e-6, max_samples=None,
                   random_state=None, cache_dir=None, use_cache=False, tol=1e-3, max_iter=100,
                   name="gmm", pretrained=None):
    """One GaussianMixture for all classes together, labels unused (section "One GMM for all
    classes").

    ``max_samples`` fits it to a random subset of that many rows: with as many
    components as all class GMMs together, EM on every code is slow. With ``use_cache`` the
    fit is kept in the model cache, and ``name`` and ``pretrained`` are passed on to
    :func:`gae_helpers.mixtures.cache.fit_or_load`. The components are split over every
    core (:class:`ThreadedGaussianMixture`), one BLAS thread each.
    """
    X = np.asarray(X, dtype=np.float64)
    rng = check_random_state(random_state)
    if max_samples is not None and len(X) > max_samples:
        X = X[np.sort(rng.choice(len(X), int(max_samples), replace=False))]
    gmm = ThreadedGaussianMixture(n_components=n_components, covariance_type=covariance_type,
                                  reg_covar=reg_covar, tol=tol, max_iter=max_iter,
                                  random_state=rng.randint(np.iinfo(np.int32).max), n_jobs=-1)
    with limited():
        return fit_or_load(gmm, X, cache_dir=cache_dir, use_cache=use_cache, name=name,
                           pretrained=pretrained)


def component_covariances(gaussian_mixture: GaussianMixture) -> np.ndarray:
    """Full covariance matrices of every component of a fitted GaussianMixture.

    Section "Explore": the sampler explorer scales these by its spread and the styles
    explorer walks their first principal axes (:func:`principal_axis`).

    Parameters
    ----------
    gaussian_mixture : sklearn.mixture.GaussianMixture
        Fitted, with any ``covariance_type`` ("full", "tied", "diag" or "spherical").

    Returns
    -------
    ndarray of shape (n_components, n_features, n_features)
        A copy: changing it leaves the mixture as it was.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.mixture import GaussianMixture
    >>> x = np.random.default_rng(0).normal(size=(200, 3)) * [1.0, 2.0, 3.0]
    >>> gm = GaussianMixture(2, covariance_type="diag", random_state=0).fit(x)
    >>> covs = component_covariances(gm)
    >>> covs.shape
    (2, 3, 3)
    >>> bool(np.allclose(covs[1], np.diag(gm.covariances_[1])))
    True
    """
    gm = gaussian_mixture
    k, d = gm.means_.shape
    cov = np.asarray(gm.covariances_, dtype=np.float64)
    kind = gm.covariance_type
    if kind == "full":
        return cov.copy()
    if kind == "tied":
        return np.repeat(cov[None], k, axis=0)
    if kind == "diag":
        return np.stack([np.diag(c) for c in cov])
    if kind == "spherical":
        return cov[:, None, None] * np.eye(d)[None]
    raise ValueError(f"Unknown covariance_type {kind!r}.")


def principal_axis(gaussian_mixture: GaussianMixture, component: int):
    """The first principal axis of one component of a fitted GaussianMixture.

    Section "Explore" (the styles explorer): ``mean + s * std * v1`` lies ``s`` standard
    deviations along the direction in which that component varies most.

    Parameters
    ----------
    gaussian_mixture : sklearn.mixture.GaussianMixture
        Fitted, with any ``covariance_type``.
    component : int
        Index of the component.

    Returns
    -------
    mean : ndarray of shape (n_features,)
        The component's mean.
    v1 : ndarray of shape (n_features,)
        The unit eigenvector of its covariance with the largest eigenvalue ``lambda1``, its
        sign fixed so that its largest entry (in absolute value) is positive.
    std : float
        ``sqrt(lambda1)``, the standard deviation along ``v1``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.mixture import GaussianMixture
    >>> x = np.random.default_rng(0).normal(size=(2000, 2)) * [3.0, 0.5]
    >>> mean, v1, std = principal_axis(GaussianMixture(1, random_state=0).fit(x), 0)
    >>> np.round(np.abs(v1), 1).tolist(), round(std, 1)
    ([1.0, 0.0], 3.0)
    """
    cov = component_covariances(gaussian_mixture)[int(component)]
    values, vectors = np.linalg.eigh(cov)
    v1 = vectors[:, -1]
    if v1[np.argmax(np.abs(v1))] < 0:
        v1 = -v1
    return (np.asarray(gaussian_mixture.means_[int(component)], dtype=np.float64), v1,
            float(np.sqrt(max(values[-1], 0.0))))


def subset_index(n: int, size=None, random_state=0) -> np.ndarray:
    """Sorted indices of a random subset of ``size`` of ``n`` rows (all rows when ``size`` is
    None or not smaller), for fitting two models on the same codes (section "One GMM for all
    classes").

    Examples
    --------
    >>> subset_index(10, 3, random_state=0).tolist(), len(subset_index(10))
    ([2, 4, 8], 10)
    """
    if size is None or size >= n:
        return np.arange(n)
    return np.sort(check_random_state(random_state).choice(n, int(size), replace=False))

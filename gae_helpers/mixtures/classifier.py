"""One Gaussian mixture per class, as a scikit-learn classifier (sections "Sampling data",
"Predicting data", "The 'none' option"), and the covariances and principal axes of a fitted
mixture's components (section "Explore").

:class:`ClassGaussianMixture` fits a :class:`sklearn.mixture.GaussianMixture` to
the latent codes of each class. Bayes' rule turns the per-class likelihoods
into class probabilities, normalised with ``logsumexp`` so that codes far from
every class do not overflow or divide zero by zero. A reject option says
"none of the classes" for codes that are unlikely under the class they would
be assigned to.
"""

from __future__ import annotations

import copy

import numpy as np
from joblib import Parallel, delayed
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from gae_helpers.mixtures.calibration import fit_temperature
from gae_helpers.mixtures.cache import fit_or_load
from gae_helpers.mixtures.threads import limited, one_thread

PRIORS = ("empirical", "uniform")


class ClassGaussianMixture(ClassifierMixin, BaseEstimator):
    """A Gaussian mixture per class; classify by likelihood, sample per class, reject outliers.

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
        How each mixture's EM starts (scikit-learn's option); ``"k-means++"`` skips the full
        k-means run and is cheaper.
    priors : {"empirical", "uniform"} or array-like, default="empirical"
        Class priors p(class): the training frequencies, equal weights, or
        explicit values in the order of ``classes_`` (normalised to sum to 1).
    reject_quantile : float or None, default=None
        If set, each class gets a threshold: this quantile of its codes'
        log-likelihood under its own mixture, set by :meth:`fit` on the training
        codes and better by :meth:`calibrate` on held-out codes (training codes
        score higher than unseen ones, so in-sample thresholds reject more than
        ``reject_quantile`` of new images). :meth:`predict` returns
        ``reject_label`` for codes below the threshold of the class they would
        be given.
    reject_label : default=-1
        The "none of the classes" label.
    temperature : float, default=1.0
        Posteriors are ``softmax(log p(class | x) / temperature)``: above 1
        softens overconfident probabilities, never changing the most probable
        class. :meth:`calibrate` fits it on held-out codes.
    random_state : int, RandomState or None
        Seeds every mixture.
    n_jobs : int or None, default=None
        Classes fitted at once, in threads (joblib's ``n_jobs``: None is one, -1 every core).
        Every fit runs with one BLAS thread (:mod:`gae_helpers.mixtures.threads`), so two classes at
        once keep two cores busy; the fitted mixtures are the same whatever ``n_jobs``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    gmms_ : list of GaussianMixture
        ``gmms_[k]`` models class ``classes_[k]``.
    class_prior_ : ndarray of shape (n_classes,)
    thresholds_ : ndarray of shape (n_classes,) or None
        Per-class log-likelihood thresholds of the reject option.
    temperature_ : float
        The temperature in use: ``temperature``, or the one :meth:`calibrate` fitted.
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
    >>> model = ClassGaussianMixture(n_components=2, random_state=0).fit(X, y)
    >>> model.predict([[-5.0, -5.0], [5.0, 5.0]])
    array([0, 1])
    >>> float(model.predict_proba([[0.0, 0.0]]).sum().round(6))
    1.0
    """

    def __init__(self, n_components=6, covariance_type="full", reg_covar=1e-6, max_iter=100,
                 tol=1e-3, n_init=1, init_params="kmeans", priors="empirical", reject_quantile=None,
                 reject_label=-1,
                 temperature=1.0, random_state=None, n_jobs=None):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
        self.init_params = init_params
        self.priors = priors
        self.reject_quantile = reject_quantile
        self.reject_label = reject_label
        self.temperature = temperature
        self.random_state = random_state
        self.n_jobs = n_jobs

    @one_thread
    def fit(self, X, y):
        """Fit one mixture to the codes of each class; returns self."""
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=False)
        _check_finite(X)
        check_classification_targets(y)
        self.classes_, y_index, counts = np.unique(y, return_inverse=True, return_counts=True)
        if isinstance(self.n_components, bool) or not isinstance(self.n_components,
                                                                  (int, np.integer)) \
                or self.n_components < 1:
            raise ValueError(f"n_components must be a whole number >= 1, got "
                             f"{self.n_components!r}.")
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
        self.thresholds_ = self._thresholds(X, y_index)
        if not (isinstance(self.temperature, (int, float, np.number)) and self.temperature > 0):
            raise ValueError(f"temperature must be a number > 0, got {self.temperature!r}.")
        self.temperature_ = float(self.temperature)
        return self

    @one_thread
    def calibrate(self, X, y, temperature: bool = True, thresholds: bool = True):
        """Fit the temperature and the reject thresholds on held-out codes; returns self.

        Section "Calibration" and "The 'none' option". ``X`` and ``y`` must be codes the
        mixtures were *not* fitted to (e.g. a validation split): the thresholds then reject
        about ``reject_quantile`` of unseen in-class codes, and the temperature minimises the
        held-out negative log-likelihood. The mixtures themselves are unchanged.
        """
        X = self._validate(X)
        y = np.asarray(y)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if len(unknown):
            raise ValueError(f"Labels {unknown.tolist()} are not among the model's classes "
                             f"{self.classes_.tolist()}.")
        y_index = np.searchsorted(self.classes_, y)
        if thresholds and self.reject_quantile is not None:
            missing = [c for k, c in enumerate(self.classes_) if not np.any(y_index == k)]
            if missing:
                raise ValueError(f"The held-out codes lack classes {missing}: give calibrate "
                                 f"codes of every class.")
            self.thresholds_ = self._thresholds(X, y_index)
        if temperature:
            joint = self._joint_log_likelihood(X)
            self.temperature_ = float(fit_temperature(
                joint - logsumexp(joint, axis=1, keepdims=True), y_index))
        return self

    def _thresholds(self, X, y_index):
        if self.reject_quantile is None:
            return None
        q = float(self.reject_quantile)
        if not 0 <= q < 1:
            raise ValueError(f"reject_quantile must lie in [0, 1), got {q}.")
        return np.array([np.quantile(gmm.score_samples(X[y_index == k]), q)
                         for k, gmm in enumerate(self.gmms_)])

    def _class_prior(self, counts):
        if isinstance(self.priors, str):
            if self.priors == "empirical":
                return counts / counts.sum()
            if self.priors == "uniform":
                return np.full(len(counts), 1.0 / len(counts))
            raise ValueError(f"priors must be one of {PRIORS} or an array of "
                             f"{len(counts)} positive numbers, got {self.priors!r}.")
        prior = np.asarray(self.priors, dtype=float)
        if prior.shape != counts.shape or not np.all(prior > 0):
            raise ValueError(f"priors must hold {len(counts)} positive numbers (one per class, "
                             f"in the order of classes_), got {self.priors!r}.")
        return prior / prior.sum()

    def _validate(self, X):
        check_is_fitted(self)
        return _check_finite(validate_data(self, X, dtype=np.float64, reset=False,
                                           ensure_all_finite=False))

    @one_thread
    def class_log_likelihood(self, X):
        """log p(x | class) for each class: an array of shape (n_samples, n_classes)."""
        X = self._validate(X)
        return np.column_stack([gmm.score_samples(X) for gmm in self.gmms_])

    def _joint_log_likelihood(self, X):
        return self.class_log_likelihood(X) + np.log(self.class_prior_)

    def predict_log_proba(self, X):
        """log p(class | x), normalised with logsumexp (and tempered by ``temperature_``)."""
        joint = self._joint_log_likelihood(X)
        joint = (joint - logsumexp(joint, axis=1, keepdims=True)) / self.temperature_
        return joint - logsumexp(joint, axis=1, keepdims=True)

    def predict_proba(self, X):
        """p(class | x): per-class likelihoods times priors, normalised."""
        return np.exp(self.predict_log_proba(X))

    def score_samples(self, X):
        """log p(x) under the whole model: logsumexp over classes of prior times likelihood."""
        return logsumexp(self._joint_log_likelihood(X), axis=1)

    def reject(self, X):
        """True where the reject option says "none of the classes" (needs reject_quantile)."""
        check_is_fitted(self)
        if self.thresholds_ is None:
            raise ValueError("The reject option is off: set reject_quantile (e.g. 0.01) and fit "
                             "again.")
        loglik = self.class_log_likelihood(X)
        best = np.argmax(loglik + np.log(self.class_prior_), axis=1)
        return loglik[np.arange(len(best)), best] < self.thresholds_[best]

    def predict(self, X):
        """The most probable class, or ``reject_label`` where the reject option applies."""
        best = np.argmax(self._joint_log_likelihood(X), axis=1)
        labels = self.classes_[best]
        if self.thresholds_ is None:
            return labels
        rejected = self.reject(X)
        out = labels.astype(np.result_type(labels, np.asarray(self.reject_label)), copy=True)
        out[rejected] = self.reject_label
        return out

    @one_thread
    def sample(self, n_samples=1, class_label=None, random_state=None):
        """Draw latent points from one class's mixture, or from the whole model.

        Parameters
        ----------
        n_samples : int
        class_label : optional
            A member of ``classes_``; ``None`` draws classes by their priors.
        random_state : int, RandomState or None
            Overrides the estimator's ``random_state`` for this draw.

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


def _check_finite(X):
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


def fit_pooled_gmm(X, n_components, covariance_type="full", reg_covar=1e-6, max_samples=None,
                   random_state=None, cache_dir=None, use_cache=False, tol=1e-3, max_iter=100,
                   name="gmm", pretrained=None):
    """One GaussianMixture for all classes together, labels unused (section "One GMM for all
    classes").

    ``max_samples`` fits it to a random subset of that many rows: with as many
    components as all class GMMs together, EM on every code is slow. With ``use_cache`` the
    fit is kept in the model cache, and ``name`` and ``pretrained`` are passed on to
    :func:`gae_helpers.mixtures.cache.fit_or_load`.
    """
    X = np.asarray(X, dtype=np.float64)
    rng = check_random_state(random_state)
    if max_samples is not None and len(X) > max_samples:
        X = X[np.sort(rng.choice(len(X), int(max_samples), replace=False))]
    gmm = GaussianMixture(n_components=n_components, covariance_type=covariance_type,
                          reg_covar=reg_covar, tol=tol, max_iter=max_iter,
                          random_state=rng.randint(np.iinfo(np.int32).max))
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

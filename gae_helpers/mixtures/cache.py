"""A cache of fitted Gaussian mixtures, keyed on the codes and the settings (sections
"Sampling data", "One GMM for all classes", "Predicting data").

A rerun of a walkthrough with its models cached would otherwise spend most of its time
repeating EM fits. Fitted parameters are stored as plain arrays in ``.npz`` files read with
``allow_pickle=False`` (no pickle is ever loaded), written atomically; an entry that cannot be
read is reported with a warning and fitted again.
"""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.mixture import GaussianMixture

from gae_helpers.data.storage import atomic_path, resolve_cache_dir

FORMAT = "gae-gmm/3"  # 2: the fingerprint holds the codes' sd and labels; 3: no temperature
# or thresholds (the classifier has one job; calibration and the reject rule are apart)
COMPACT_FORMAT = "gae-gmm-compact/2"
# What reading a truncated, empty or foreign .npz raises (json's decode error is a ValueError);
# anything else is a bug and propagates.
UNREADABLE = (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError)
_GMM_ARRAYS = ("weights_", "means_", "covariances_", "precisions_cholesky_", "precisions_")
_GMM_SCALARS = {"converged_": bool, "n_iter_": int, "lower_bound_": float,
                "n_features_in_": int}


def cache_key(estimator, X, y=None) -> str:
    """A hash of the estimator's class and parameters, the data, scikit-learn's release and the
    source of the module that defines the estimator's class."""
    digest = hashlib.sha256()
    digest.update(FORMAT.encode())
    digest.update(sklearn.__version__.encode())
    digest.update(Path(sys.modules[type(estimator).__module__].__file__).read_bytes())
    digest.update(type(estimator).__name__.encode())
    digest.update(json.dumps(_result_params(estimator), sort_keys=True, default=repr).encode())
    for array in (X, y):
        if array is not None:
            array = np.ascontiguousarray(array)
            digest.update(f"{array.dtype}{array.shape}".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()[:20]


def _gmm_state(gmm, prefix=""):
    state = {prefix + name: np.asarray(getattr(gmm, name)) for name in _GMM_ARRAYS}
    state.update({prefix + name: np.asarray(getattr(gmm, name)) for name in _GMM_SCALARS})
    state[prefix + "params"] = np.asarray(json.dumps(gmm.get_params()))
    return state


def _gmm_from_state(state, prefix="", estimator=None):
    # into a clone of ``estimator`` where given (a subclass keeps its class and its
    # speed-only parameters), else into a plain GaussianMixture
    params = json.loads(str(state[prefix + "params"]))
    gmm = (GaussianMixture(**params) if estimator is None
           else clone(estimator).set_params(**params))
    for name in _GMM_ARRAYS:
        setattr(gmm, name, state[prefix + name])
    for name, kind in _GMM_SCALARS.items():
        setattr(gmm, name, kind(state[prefix + name]))
    return gmm


def _state(model):
    if isinstance(model, GaussianMixture):
        return _gmm_state(model)
    state = {"classes_": model.classes_, "class_prior_": model.class_prior_,
             "n_iter_": model.n_iter_, "converged_": np.asarray(model.converged_),
             "n_features_in_": np.asarray(model.n_features_in_)}
    for k, gmm in enumerate(model.gmms_):
        state.update(_gmm_state(gmm, f"gmm{k}."))
    return state


def _restore(estimator, state):
    if isinstance(estimator, GaussianMixture):
        return _gmm_from_state(state, estimator=estimator)
    model = clone(estimator)
    model.classes_ = state["classes_"]
    model.class_prior_ = state["class_prior_"]
    model.n_iter_ = state["n_iter_"]
    model.converged_ = bool(state["converged_"])
    model.n_features_in_ = int(state["n_features_in_"])
    model.gmms_ = [_gmm_from_state(state, f"gmm{k}.") for k in range(len(model.classes_))]
    return model


def fit_or_load(estimator, X, y=None, cache_dir=None, use_cache: bool = True, name: str = "gmm",
                pretrained=None):
    """``clone(estimator).fit(X[, y])``, or the same fit loaded from the cache.

    ``name`` starts the cache entry's file name (``<name>-<key>.npz``: ``make models`` finds the
    fits it ships by it). ``pretrained`` is a compact file written by :func:`save_compact`
    (``models/<dataset>/walkthrough/<name>.npz``): where it exists and was fitted with the same
    settings on the same codes and labels (up to rounding, see :func:`same_codes`), it is
    loaded instead of fitting.

    Works for :class:`~sklearn.mixture.GaussianMixture` and
    :class:`~gae_helpers.mixtures.classifier.GMMClassifier` seeded with an integer
    ``random_state`` (anything else is fitted without caching: its result is not repeatable).

    Examples
    --------
    >>> import tempfile
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> folder = tempfile.mkdtemp()
    >>> first = fit_or_load(GaussianMixture(2, random_state=0), X, cache_dir=folder)
    >>> again = fit_or_load(GaussianMixture(2, random_state=0), X, cache_dir=folder)
    >>> bool(np.array_equal(first.means_, again.means_)), len(list(Path(folder).iterdir()))
    (True, 1)
    """
    if pretrained is not None and Path(pretrained).is_file():
        loaded = load_compact(pretrained, estimator, X, y)
        if loaded is not None:
            return loaded
    seed = estimator.get_params().get("random_state")
    if not use_cache or not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        return _fit(estimator, X, y)
    X = np.asarray(X, dtype=np.float64)
    path = resolve_cache_dir(cache_dir) / f"{name}-{cache_key(estimator, X, y)}.npz"
    if path.is_file():
        try:
            return _restore(estimator, _read_state(path, (FORMAT,)))
        except UNREADABLE as exc:  # a truncated or foreign file: fit again
            warnings.warn(f"Ignoring a broken GMM cache entry {path.name} and fitting again: "
                          f"{type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=2)
    model = _fit(estimator, X, y)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, format=np.asarray(FORMAT), **_state(model), **fingerprint(X, y),
                     estimator_params=np.asarray(_settings(model)))
    return model


def _fit(estimator, X, y=None):
    return clone(estimator).fit(X, y) if y is not None else clone(estimator).fit(X)


# Parameters that change how fast a fit runs, never what it gives.
SPEED_ONLY = ("n_jobs",)


def _result_params(estimator) -> dict:
    """The estimator's parameters less those in :data:`SPEED_ONLY`."""
    return {k: v for k, v in estimator.get_params().items() if k not in SPEED_ONLY}


def _settings(estimator) -> str:
    """The estimator's parameters that decide its fit, as JSON, as the cache entries and
    compact files keep them."""
    return json.dumps(_result_params(estimator), default=repr)


def _read_state(path, formats=(FORMAT, COMPACT_FORMAT)) -> dict:
    """The arrays of a cache entry or compact file (compact ones unpacked), less its format."""
    with np.load(path, allow_pickle=False) as npz:
        state = dict(npz)
    kind = str(state.pop("format"))
    if kind not in formats:
        raise ValueError(f"{path} is not a {' or '.join(formats)} file")
    return _unpack(state) if kind == COMPACT_FORMAT else state


# The fingerprint of a shipped fit's codes: robust statistics, not their bytes, since codes
# made by the same model from the same images differ in their last bits between CPUs.
_PROJECTIONS = 8  # fixed random directions, the same on every machine
_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
FINGERPRINT_TOLERANCE = 1e-4
"""How far (in units of the codes' standard deviation) the statistics of :func:`fingerprint` may differ
for codes to count as the same. Codes of the same images through the same model differ between
CPUs by float32 rounding, ~1e-6 of their standard deviation, which moves a mean, a standard deviation or a
quantile by no more than that; codes of another model, or other images, differ by 1e-2 or more
(standardised codes too: their means and deviations agree, their projections' quantiles do
not)."""


def _directions(n_features):
    rng = np.random.default_rng(0)
    directions = rng.standard_normal((n_features, _PROJECTIONS))
    return directions / np.linalg.norm(directions, axis=0)


def _labels_hash(y) -> str:
    """A SHA-256 of the labels in their order (``""`` for none), the same for any integer dtype
    or platform: the sorted classes as text, then each label's index among them as int64."""
    if y is None:
        return ""
    classes, index = np.unique(np.asarray(y), return_inverse=True)
    digest = hashlib.sha256(json.dumps([str(c) for c in classes]).encode())
    digest.update(np.ascontiguousarray(index.ravel(), dtype="<i8").tobytes())
    return digest.hexdigest()


def fingerprint(X, y=None) -> dict:
    """What a shipped fit records of its codes ``X`` and labels ``y``, to be recognised on any
    CPU: the number of codes; each dimension's mean and standard deviation; five quantiles of
    the codes' projections on 8 fixed random directions; and a hash of the labels in their
    order (exact: labels do not round). See :data:`FINGERPRINT_TOLERANCE`.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> print({k: np.shape(v) for k, v in fingerprint(X, np.arange(100) % 2).items()})
    {'fit_on.n_samples': (), 'fit_on.mean': (3,), 'fit_on.std': (3,), 'fit_on.quantiles': (5, 8), 'fit_on.labels': ()}
    """
    X = np.asarray(X, dtype=np.float64)
    return {"fit_on.n_samples": np.asarray(len(X)), "fit_on.mean": X.mean(axis=0),
            "fit_on.std": X.std(axis=0),
            "fit_on.quantiles": np.quantile(X @ _directions(X.shape[1]), _QUANTILES, axis=0),
            "fit_on.labels": np.asarray(_labels_hash(y))}


def same_codes(recorded: dict, X, y=None) -> bool:
    """Whether ``X`` and ``y`` are the codes and labels whose :func:`fingerprint` is
    ``recorded`` (up to :data:`FINGERPRINT_TOLERANCE`); ``False`` for a fingerprint of another
    kind, such as the count and means alone that compact files held before."""
    ours = fingerprint(X, y)
    if set(ours) - set(recorded):
        return False
    if int(recorded["fit_on.n_samples"]) != len(X) \
            or str(recorded["fit_on.labels"]) != str(ours["fit_on.labels"]):
        return False
    scale = max(float(np.sqrt(np.mean(ours["fit_on.std"] ** 2))), np.finfo(float).tiny)
    for key in ("fit_on.mean", "fit_on.std", "fit_on.quantiles"):
        theirs = np.asarray(recorded[key], dtype=np.float64)
        if theirs.shape != ours[key].shape \
                or not np.all(np.abs(theirs - ours[key]) <= FINGERPRINT_TOLERANCE * scale):
            return False
    return True


def read_entry(path, estimator):
    """A cache entry (or compact file) as ``(state, model)``, the model restored as fitted.

    ``estimator`` is an estimator of the class that wrote the file (a
    :class:`~sklearn.mixture.GaussianMixture` or a
    :class:`~gae_helpers.mixtures.classifier.GMMClassifier`); the file's settings replace its own.
    """
    state = _read_state(path)
    if ("classes_" in state) != hasattr(estimator, "priors"):
        raise ValueError(f"{path} holds a {'per-class' if 'classes_' in state else 'single'} "
                         f"mixture, not a {type(estimator).__name__}: pass an estimator of "
                         f"the class that wrote it.")
    estimator = clone(estimator)
    params = json.loads(str(state["estimator_params"])) if "estimator_params" in state else None
    if params is not None:
        estimator.set_params(**params)
    return state, _restore(estimator, state)


def save_compact(model, path, fit_on: dict) -> None:
    """Write a fitted mixture for shipping (section "Sampling data": ``-p pretrained_dir
    shipped``): weights and means in float64, each covariance as its precision's Cholesky
    factor only (for ``covariance_type="full"`` the upper triangle of each, in float32; for
    "tied", "diag" and "spherical" as fitted: they are small), with the estimator's settings
    and the ``fit_on`` fingerprint of its codes. The covariances and precisions are rebuilt
    from the factors on loading. Written under a temporary name, then renamed.

    Examples
    --------
    >>> import tempfile
    >>> X = np.random.default_rng(0).normal(size=(300, 3))
    >>> gmm = GaussianMixture(2, random_state=0).fit(X)
    >>> path = Path(tempfile.mkdtemp()) / "single_gmm.npz"
    >>> save_compact(gmm, path, fingerprint(X))
    >>> again = load_compact(path, GaussianMixture(2, random_state=0), X)
    >>> bool(np.allclose(again.score_samples(X), gmm.score_samples(X), atol=1e-5))
    True
    >>> load_compact(path, GaussianMixture(3, random_state=0), X) is None  # other settings
    True
    """
    state = _state(model)
    packed = {"format": np.asarray(COMPACT_FORMAT),
              "estimator_params": np.asarray(_settings(model))}
    for key, value in state.items():
        if key.endswith(("covariances_", "precisions_")):
            continue
        if key.endswith("precisions_cholesky_") and np.ndim(value) == 3:
            rows, cols = np.triu_indices(value.shape[-1])
            packed[key + "packed"] = value[:, rows, cols].astype(np.float32)
        else:
            packed[key] = value
    packed.update(fit_on)
    with atomic_path(Path(path)) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **packed)


def _unpack(state):
    """Rebuild what :func:`save_compact` left out: every mixture's precisions and covariances
    from its precisions' Cholesky factor, for its covariance type."""
    for key in [k for k in state if k.endswith("params")]:
        prefix = key[: -len("params")]
        if prefix + "weights_" not in state:  # "estimator_params": the settings, no mixture
            continue
        kind = json.loads(str(state[key])).get("covariance_type", "full")
        packed = state.pop(prefix + "precisions_cholesky_packed", None)
        if packed is not None:  # the upper triangles of "full" factors
            packed = packed.astype(np.float64)
            d = int(round((np.sqrt(8 * packed.shape[-1] + 1) - 1) / 2))
            rows, cols = np.triu_indices(d)
            chol = np.zeros((packed.shape[0], d, d))
            chol[:, rows, cols] = packed
            state[prefix + "precisions_cholesky_"] = chol
        chol = np.asarray(state[prefix + "precisions_cholesky_"], dtype=np.float64)
        if kind in ("full", "tied"):  # (k, d, d) or (d, d): precision = chol chol^T
            precisions = chol @ np.swapaxes(chol, -1, -2)
            covariances = np.linalg.inv(precisions)
            covariances = (covariances + np.swapaxes(covariances, -1, -2)) / 2
        else:  # "diag" (k, d) and "spherical" (k,): the factor is 1 / standard deviation
            precisions = chol ** 2
            covariances = 1 / precisions
        state[prefix + "precisions_cholesky_"] = chol
        state[prefix + "precisions_"] = precisions
        state[prefix + "covariances_"] = covariances
    return state


def load_compact(path, estimator, X, y=None):
    """The mixture :func:`save_compact` wrote, or ``None`` where it was fitted with other
    settings than ``estimator``'s or on other codes or labels than ``X`` and ``y`` (see
    :func:`same_codes`; a file with an older fingerprint never matches: fit it again)."""
    state, model = read_entry(path, estimator)
    same_settings = (json.loads(str(state["estimator_params"]))
                     == json.loads(_settings(estimator)))
    return model if same_settings and same_codes(state, X, y) else None

"""Drawing latent codes from the fitted models and decoding them into images (sections
"Sampling data", "One GMM for all classes", "Articulating styles", "Explore").

Every draw comes shuffled (see :func:`gae_helpers.mixtures.classifier.sample_gmm`): the first images of a
draw are as random as any others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state

from gae_helpers.models.autoencoder import decode
from gae_helpers.measure.geometry import uniform_box_samples
from gae_helpers.mixtures.classifier import sample_gmm


@dataclass
class Generated:
    """Images a sampler produced and, where it has one, the class each was drawn from."""

    images: torch.Tensor
    labels: np.ndarray | None = None


@dataclass
class Draw:
    """Latent codes from a sampler, shuffled, with their classes when known."""

    codes: np.ndarray
    labels: np.ndarray | None = None


def from_class_gmms(model, n_samples: int, seed=0) -> Draw:
    """``n_samples`` codes from the class GMMs, classes drawn by their priors, shuffled."""
    return Draw(*model.sample(n_samples, random_state=seed))


def from_gmm(gmm, n_samples: int, seed=0) -> Draw:
    """``n_samples`` codes from one GaussianMixture (no classes), shuffled."""
    return Draw(sample_gmm(gmm, n_samples, seed))


def from_uniform_box(codes, n_samples: int, seed=0) -> Draw:
    """``n_samples`` uniform draws from the bounding box of ``codes`` (no classes)."""
    return Draw(uniform_box_samples(codes, n_samples, seed))


def from_prior(latent_dim: int, n_samples: int, seed=0) -> Draw:
    """``n_samples`` codes from the standard normal N(0, I): a VAE's prior."""
    return Draw(check_random_state(seed).standard_normal((n_samples, latent_dim)))


def generate(decoder, draws: dict, device="auto") -> dict:
    """Decode each sampler's draw: ``{name: Draw}`` to ``{name: Generated}``.

    ``decoder`` is a model that :func:`gae_helpers.models.autoencoder.decode` accepts (the
    autoencoder or the VAE).
    """
    return {name: Generated(decode(decoder, draw.codes, device=device), draw.labels)
            for name, draw in draws.items()}


def decoded_class_samples(decoder, model, n_per_class: int, seed=0, device="auto") -> list:
    """One row of ``n_per_class`` decoded samples per class, in the order of ``classes_``."""
    rng = check_random_state(seed)
    return [decode(decoder, model.sample(n_per_class, k, random_state=rng)[0], device=device)
            for k in model.classes_]


def decoded_styles(decoder, model, device="auto") -> list:
    """Per class, its components' means decoded, heaviest component first."""
    return [decode(decoder, g.means_[np.argsort(-g.weights_, kind="stable")], device=device)
            for g in model.gmms_]


def sample_with_spread(gaussian_mixture, n_samples: int, spread: float = 1.0,
                       random_state=None, return_components: bool = False):
    """Draw from a fitted GaussianMixture with its covariances multiplied by ``spread``.

    Section "Explore" (the sampler explorer's spread slider; the morph explorer's end points
    at spread 1). ``spread`` scales the covariances, so samples lie ``sqrt(spread)`` times as
    far from their component's mean; it is not the calibration's temperature
    (:func:`gae_helpers.measure.calibration.temperature_scaled`), which divides
    log-posteriors.

    A component is picked by the mixture weights, then ``mean + sqrt(spread) * L @ eps``
    with ``L`` the Cholesky factor of that component's covariance and ``eps`` standard normal.

    Parameters
    ----------
    gaussian_mixture : sklearn.mixture.GaussianMixture
        Fitted, with any ``covariance_type``.
    n_samples : int
    spread : float, default=1.0
        ``>= 0``: 1 samples the mixture as fitted, 0 gives the component means.
    random_state : int, sequence of int, numpy Generator or None
        Seeds :func:`numpy.random.default_rng`. The same seed gives the same components and
        ``eps`` at every spread, so a larger spread only stretches each sample away from its
        component's mean.
    return_components : bool, default=False
        Also return the component of each sample.

    Returns
    -------
    codes : ndarray of shape (n_samples, n_features)
    components : ndarray of shape (n_samples,)
        Only with ``return_components``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.mixture import GaussianMixture
    >>> rng = np.random.default_rng(0)
    >>> x = np.vstack([rng.normal(-5, 1, (150, 2)), rng.normal(5, 1, (150, 2))])
    >>> gm = GaussianMixture(2, random_state=0).fit(x)
    >>> codes, components = sample_with_spread(gm, 4, 0.0, random_state=1,
    ...                                        return_components=True)
    >>> bool(np.allclose(codes, gm.means_[components]))
    True
    >>> near, far = (sample_with_spread(gm, 4, s, random_state=1) for s in (1.0, 4.0))
    >>> bool(np.allclose(far - codes, 2 * (near - codes)))
    True
    """
    spread = float(spread)
    if not spread >= 0:
        raise ValueError(f"spread must be >= 0, got {spread!r}.")
    rng = np.random.default_rng(random_state)
    gm = gaussian_mixture
    weights = np.asarray(gm.weights_, dtype=np.float64)
    components = rng.choice(len(weights), size=int(n_samples), p=weights / weights.sum())
    eps = rng.standard_normal((int(n_samples), gm.means_.shape[1]))
    chol = _cholesky_factors(gm)
    codes = gm.means_[components] + np.sqrt(spread) * np.einsum("nij,nj->ni",
                                                                chol[components], eps)
    return (codes, components) if return_components else codes


def _cholesky_factors(gm):
    """The Cholesky factors of every component's covariance, cached on the estimator (keyed
    by the covariance array they were computed from)."""
    cached = getattr(gm, "_gae_cholesky", None)
    if cached is not None and cached[0] is gm.covariances_:
        return cached[1]
    chol = np.linalg.cholesky(component_covariances(gm))
    try:
        gm._gae_cholesky = (gm.covariances_, chol)
    except AttributeError:
        pass
    return chol


def decoding(decoder, samplers: dict, device="auto") -> dict:
    """``{name: codes(n, seed) -> Draw}`` to ``{name: draw(n, seed) -> Generated}``: each
    sampler's codes decoded, as :func:`gae_helpers.measure.sample_quality.score_samplers` takes them.

    Examples
    --------
    >>> from gae_helpers.models.autoencoder import AutoencoderConfig
    >>> ae = AutoencoderConfig("dense", (1, 8, 8), latent_dim=2).build()
    >>> draw = decoding(ae, {"prior": lambda n, s: from_prior(2, n, s)})["prior"]
    >>> draw(3, 0).images.shape
    torch.Size([3, 1, 8, 8])
    """
    def decoded(codes):
        def draw(n, seed):
            d = codes(n, seed)
            return Generated(decode(decoder, d.codes, device=device), d.labels)
        return draw

    return {name: decoded(codes) for name, codes in samplers.items()}


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

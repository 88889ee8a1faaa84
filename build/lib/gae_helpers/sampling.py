"""Drawing latent codes from the fitted models and decoding them into images (sections
"Sampling data", "One GMM for all classes", "Articulating styles").

Every draw comes shuffled (see :func:`gae_helpers.mixture.sample_gmm`): the first images of a
draw are as random as any others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.utils import check_random_state

from .geometry import uniform_box_samples
from .mixture import sample_gmm


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

    ``decoder`` is a model that :func:`gae_helpers.autoencoder.decode` accepts (the
    autoencoder or the VAE).
    """
    from .autoencoder import decode

    return {name: Generated(decode(decoder, draw.codes, device=device), draw.labels)
            for name, draw in draws.items()}


def decoded_class_samples(decoder, model, n_per_class: int, seed=0, device="auto") -> list:
    """One row of ``n_per_class`` decoded samples per class, in the order of ``classes_``."""
    from .autoencoder import decode

    rng = check_random_state(seed)
    return [decode(decoder, model.sample(n_per_class, k, random_state=rng)[0], device=device)
            for k in model.classes_]


def decoded_styles(decoder, model, device="auto") -> list:
    """Per class, its components' means decoded, heaviest component first."""
    from .autoencoder import decode

    return [decode(decoder, g.means_[np.argsort(-g.weights_, kind="stable")], device=device)
            for g in model.gmms_]

"""A variational autoencoder from the autoencoder's own layers (section "The VAE").

The AE-vs-VAE walkthrough compares the plain autoencoder of
:mod:`gae_helpers.models.autoencoder` with a VAE that differs from it only where a VAE
must: the encoder's last layer gives a mean and a log-variance per latent
dimension (``2 * latent_dim`` outputs), the decoder reads a code drawn from that
Gaussian (the reparameterisation trick), and the loss adds ``beta`` times the
KL divergence from the standard normal prior. Layers, latent size, optimiser
(Adam), minibatches, epochs and seeds are the autoencoder's, so the class GMMs
of the walkthrough are fitted to codes (the VAE's means, :func:`encode_mean`)
that come from comparable models. Training never sees labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from numbers import Integral
from typing import ClassVar

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from torch import nn
from torch.nn import functional as F
from gae_helpers.models import autoencoder as plain
from gae_helpers.models import checkpoint
from gae_helpers.models.autoencoder import AutoencoderConfig, build_layers
from gae_helpers.models.config import model_kind
from gae_helpers.models.training import minibatch_training
from gae_helpers.models.device import (INFERENCE_BATCH, check_images, inference_dtype,
                                      run_batched)

__all__ = ["VAEConfig", "VAE", "train_vae", "loss_terms", "encode_mean", "decode",
           "reconstruct", "sample_prior", "train_or_load_vae"]


@model_kind
@dataclass(frozen=True)
class VAEConfig:
    """What defines a VAE: the autoencoder it is built from, and the KL weight.

    Section "The VAE".

    Parameters
    ----------
    autoencoder : AutoencoderConfig
        Architecture, image shape, latent size, widths and batch norm, exactly
        as for the autoencoder it is compared with.
    beta : float
        Weight of the KL term, > 0; 1 is the standard VAE, larger values pull
        the codes harder towards N(0, I) (beta-VAE), smaller ones make it more
        like the plain autoencoder.

    Examples
    --------
    >>> config = VAEConfig(AutoencoderConfig("dense", (1, 8, 8), latent_dim=2), beta=0.5)
    >>> config.latent_dim, config.to_dict()["beta"]
    (2, 0.5)
    >>> VAEConfig.from_dict(config.to_dict()) == config
    True
    """

    KIND: ClassVar[str] = "vae"

    autoencoder: AutoencoderConfig
    beta: float = 1.0

    def __post_init__(self):
        if not isinstance(self.autoencoder, AutoencoderConfig):
            raise TypeError(f"autoencoder must be an AutoencoderConfig, got "
                            f"{type(self.autoencoder).__name__}.")
        if self.autoencoder.standardised:
            raise ValueError("autoencoder is a standardised AutoencoderConfig (see "
                             "standardise_codes), which a VAE does not build: pass the config "
                             "with standardised=False.")
        beta = self.beta
        if isinstance(beta, bool) or not isinstance(beta, (int, float, np.integer, np.floating)) \
                or not math.isfinite(beta) or not beta > 0:
            raise ValueError(f"beta (the weight of the KL term) must be a finite number > 0, "
                             f"got {beta!r}; 1 is the standard VAE.")
        object.__setattr__(self, "beta", float(beta))

    @property
    def latent_dim(self) -> int:
        """The size of the latent code (the autoencoder's ``latent_dim``)."""
        return self.autoencoder.latent_dim

    @property
    def image_shape(self) -> tuple:
        """``(channels, height, width)`` of the images (the autoencoder's)."""
        return self.autoencoder.image_shape

    @property
    def architecture(self) -> str:
        """``"conv"`` or ``"dense"`` (the autoencoder's)."""
        return self.autoencoder.architecture

    def to_dict(self) -> dict:
        """Plain types only, so a checkpoint loads with ``weights_only=True``."""
        return {"autoencoder": self.autoencoder.to_dict(), "beta": float(self.beta)}

    @classmethod
    def from_dict(cls, d: dict) -> "VAEConfig":
        """The config that :meth:`to_dict` wrote."""
        return cls(autoencoder=AutoencoderConfig.from_dict(d["autoencoder"]),
                   beta=float(d.get("beta", 1.0)))

    def build(self, seed: int = 0) -> "VAE":
        """A freshly initialised VAE; the same seed gives the same weights.

        With the seed of :func:`~gae_helpers.models.autoencoder.build_autoencoder`,
        the decoder and every encoder layer but the last start from the very
        weights the autoencoder starts from (see :class:`VAE`).
        """
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = VAE(self)
        return model


class VAE(nn.Module):
    """The autoencoder's encoder with ``2 * latent_dim`` outputs, and its decoder.

    Section "The VAE". The encoder comes from the autoencoder's layer builders
    with ``latent_dim`` doubled; its output splits into the mean and the
    log-variance of q(z | x). The decoder is the autoencoder's, reading
    ``latent_dim`` codes and giving pixel logits.

    Both are built from the same random state (it is rewound in between), so a
    VAE and an :class:`~gae_helpers.models.autoencoder.Autoencoder` built from the same
    state share the decoder's initial weights and those of every encoder layer
    but the last.

    Parameters
    ----------
    config : VAEConfig
    """

    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        base = config.autoencoder
        state = torch.random.get_rng_state()
        self.encoder = build_layers(replace(base, latent_dim=2 * base.latent_dim))[0]
        torch.random.set_rng_state(state)
        self.decoder = build_layers(base)[1]

    def encode_stats(self, images: torch.Tensor) -> tuple:
        """``(mu, logvar)`` of q(z | x), each of shape ``(n, latent_dim)``."""
        mu, logvar = self.encoder(images).chunk(2, dim=1)
        return mu, logvar

    def forward(self, images: torch.Tensor, sample: bool = True,
                generator: torch.Generator | None = None) -> tuple:
        """``(logits, mu, logvar)``: reconstruction logits of a code drawn from q(z | x).

        Parameters
        ----------
        images : torch.Tensor
        sample : bool
            Decode ``mu + sigma * eps`` with ``eps ~ N(0, I)`` (the
            reparameterisation trick, so gradients reach mu and sigma); with
            False, decode the mean itself.
        generator : torch.Generator, optional
            A CPU generator for ``eps`` (drawn on the CPU and moved to the
            model's device, so a seed gives the same noise everywhere); else
            the global RNG.
        """
        mu, logvar = self.encode_stats(images)
        if sample:
            if generator is None:
                eps = torch.randn(mu.shape, device=mu.device)
            else:
                eps = torch.randn(mu.shape, generator=generator).to(mu.device)
            z = mu.float() + eps * torch.exp(0.5 * logvar.float())
        else:
            z = mu
        return self.decoder(z), mu, logvar


def loss_terms(logits, images, mu, logvar) -> tuple:
    """The two parts of the VAE loss, each summed per image and averaged over the batch.

    Section "The VAE". Computed in float32 whatever the inputs' dtype.

    Returns
    -------
    reconstruction : torch.Tensor
        Binary cross-entropy with logits, summed over the pixels.
    kl : torch.Tensor
        KL(q(z | x) || N(0, I)) = -1/2 sum(1 + logvar - mu^2 - exp(logvar)),
        summed over the latent dimensions.

    Examples
    --------
    >>> mu, logvar = torch.ones(2, 3), torch.zeros(2, 3)  # KL = 1/2 per dimension
    >>> reconstruction, kl = loss_terms(torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2),
    ...                                 mu, logvar)
    >>> round(float(reconstruction), 4), float(kl)
    (2.7726, 1.5)
    """
    n = len(images)
    reconstruction = F.binary_cross_entropy_with_logits(
        logits.float(), images.float(), reduction="sum") / n
    mu, logvar = mu.float(), logvar.float()
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n
    return reconstruction, kl


def train_vae(model: VAE, images: torch.Tensor, *, epochs: int, batch_size: int = 128,
              learning_rate: float = 1e-3, seed: int = 0, device="auto",
              precision: str = "auto", progress: bool = True, on_epoch_end=None,
              schedule: str = "constant") -> list:
    """Train on images alone (no labels) and return the mean loss of each epoch.

    Section "The VAE". The loss of an image is the binary cross-entropy of its
    reconstruction summed over the pixels plus ``beta`` times the KL divergence
    of q(z | x) from N(0, I) summed over the latent dimensions; Adam minimises
    its mean over the minibatch. The loop is
    :func:`~gae_helpers.models.training.minibatch_training`, the autoencoder's: shuffled in-memory
    minibatches in the same order for the same seed, channels_last for conv
    layers, bfloat16 autocast where :func:`resolve_precision` says so (the
    loss in float32). The model is left in eval mode on the CPU.

    Parameters
    ----------
    model : VAE
    images, epochs, batch_size, learning_rate, device, precision, progress, on_epoch_end, schedule
        As for :func:`~gae_helpers.models.autoencoder.train_autoencoder`.
    seed : int
        Seeds the minibatch order (as for the autoencoder) and, through a
        generator of its own, the reparameterisation noise. The weights are
        seeded by :meth:`VAEConfig.build`.

    Returns
    -------
    list of float
        Mean training loss per epoch **divided by the number of pixels per
        image**, so it reads on the scale of the autoencoder's mean binary
        cross-entropy (the VAE's is that plus the KL term per pixel).

    Examples
    --------
    >>> from gae_helpers.data.datasets import load_dataset
    >>> data = load_dataset("digits", n_train=200)
    >>> model = VAEConfig(AutoencoderConfig("dense", data.image_shape, 4)).build(seed=0)
    >>> history = train_vae(model, data.x_train, epochs=3, batch_size=32, progress=False)
    >>> len(history), history[-1] < history[0]
    (3, True)
    """
    beta = float(model.config.beta)
    noise = torch.Generator().manual_seed(_noise_seed(seed))

    def vae_loss(output, batch):
        logits, mu, logvar = output
        reconstruction, kl = loss_terms(logits, batch, mu, logvar)
        return reconstruction + beta * kl

    return minibatch_training(
        model, images, forward=lambda m, inputs, batch: m(inputs, sample=True, generator=noise),
        loss=vae_loss, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
        seed=seed, device=device, precision=precision, progress=progress,
        description="training VAE", on_epoch_end=on_epoch_end,
        scale=1.0 / int(np.prod(model.config.image_shape)), schedule=schedule)


def _noise_seed(seed) -> int:
    # Independent of the minibatch order's stream (which is seeded by ``seed`` itself).
    return int(np.random.SeedSequence([int(seed), 1]).generate_state(1)[0])


@torch.no_grad()
def encode_mean(model: VAE, images, batch_size: int = INFERENCE_BATCH, device="auto") -> np.ndarray:
    """The means of q(z | x), in batches, as a float64 array ``(n, latent_dim)``.

    Section "The VAE": these are the codes the class GMMs are fitted to. No
    sampling, so the same images always give the same codes.

    Examples
    --------
    >>> model = VAEConfig(AutoencoderConfig("conv", (1, 8, 8), latent_dim=3)).build()
    >>> encode_mean(model, torch.rand(5, 1, 8, 8)).shape
    (5, 3)
    """
    images = check_images(images, model.config, dtype=inference_dtype())
    codes = run_batched(model, lambda x: model.encode_stats(x)[0], images, batch_size, device)
    return codes.astype(np.float64)


def decode(model: VAE, codes, batch_size: int = INFERENCE_BATCH, device="auto") -> torch.Tensor:
    """Images in [0, 1] decoded from latent codes, shape ``(n, channels, height, width)``.

    Section "The VAE"; the autoencoder's :func:`~gae_helpers.models.autoencoder.decode`.
    """
    return plain.decode(model, codes, batch_size=batch_size, device=device)


def reconstruct(model: VAE, images, batch_size: int = INFERENCE_BATCH,
                device="auto") -> torch.Tensor:
    """Decode the means of images: the VAE's deterministic reconstruction in [0, 1]."""
    return decode(model, encode_mean(model, images, batch_size, device), batch_size, device)


@validate_params({"n": [Interval(Integral, 0, None, closed="left")],
                  "latent_dim": [Interval(Integral, 1, None, closed="left")]},
                 prefer_skip_nested_validation=True)
def sample_prior(n: int, latent_dim: int, random_state=None) -> np.ndarray:
    """``n`` codes drawn from the prior N(0, I), a float64 array ``(n, latent_dim)``.

    Section "The VAE": decode them with :func:`decode` to see what the prior
    alone generates (next to the samples of the class GMMs).

    Examples
    --------
    >>> sample_prior(4, 2, random_state=0).shape
    (4, 2)
    """
    return check_random_state(random_state).standard_normal((int(n), int(latent_dim)))


def train_or_load_vae(images, config: VAEConfig, *, epochs: int, batch_size: int = 128,
                      learning_rate: float = 1e-3, seed: int = 0, device="auto",
                      precision: str = "auto", cache_dir=None, use_cache: bool = True,
                      progress: bool = True, pretrained=None, schedule: str = "constant"):
    """Train a VAE on ``images``, or load the one trained before with the same settings.

    Section "The VAE". Caching is :func:`gae_helpers.models.checkpoint.train_or_load`'s:
    the key covers the images, the config (``beta`` included), epochs, batch
    size, learning rate, seed, device type and arithmetic, and the source of
    this module and of every module it trains with (the layers of
    :mod:`gae_helpers.models.autoencoder`, the loop of :mod:`gae_helpers.models.training`, see
    :func:`gae_helpers.models.checkpoint.training_modules`). ``pretrained`` loads a
    checkpoint file instead. Labels never enter.

    Returns
    -------
    gae_helpers.models.checkpoint.Trained
        ``model``, ``history`` (see :func:`train_vae`), ``path``,
        ``origin`` (``from_cache`` where it is ``"cache"``), ``seconds``.

    Examples
    --------
    >>> from gae_helpers.data.datasets import load_dataset
    >>> data = load_dataset("digits", n_train=100)
    >>> config = VAEConfig(AutoencoderConfig("dense", data.image_shape, latent_dim=4))
    >>> run = train_or_load_vae(data.x_train, config, epochs=1, progress=False,
    ...                         use_cache=False)
    >>> run.from_cache, len(run.history)
    (False, 1)
    """
    if not isinstance(config, VAEConfig):
        raise TypeError(f"config must be a VAEConfig, got {type(config).__name__}.")
    images = check_images(images, config)
    settings = {"epochs": int(epochs), "batch_size": int(batch_size),
                "learning_rate": float(learning_rate), "schedule": schedule}

    def train(model):
        return train_vae(model, images, epochs=epochs, batch_size=batch_size,
                         learning_rate=learning_rate, seed=seed, device=device,
                         precision=precision, progress=progress, schedule=schedule)

    return checkpoint.train_or_load(config, train, data=(images,), settings=settings, seed=seed,
                                    device=device, precision=precision, cache_dir=cache_dir,
                                    use_cache=use_cache, pretrained=pretrained)

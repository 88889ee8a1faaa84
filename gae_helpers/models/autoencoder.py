"""The autoencoder: architectures, training, encoding and decoding (section "Autoencoder").

Training never sees labels: :func:`train_autoencoder` takes images only. The
functions are pure in the style of pytorch/examples' ``mnist/main.py``: the
model, the data and the seed are arguments, nothing is global.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.utils import check_scalar
from sklearn.utils._param_validation import Interval, validate_params
from torch import nn
from gae_helpers.models.checkpoint import train_or_load
from gae_helpers.models.config import PlainConfig, model_kind
from gae_helpers.models.device import (INFERENCE_BATCH, check_images, inference_dtype,
                                       run_batched)
from gae_helpers.models.training import SCHEDULES, minibatch_training

ARCHITECTURES = ("conv", "dense")
_DEFAULT_WIDTHS = {"conv": (32, 64), "dense": (512, 128)}


@model_kind
@dataclass(frozen=True)
class AutoencoderConfig(PlainConfig):
    """What defines an autoencoder's shape.

    Parameters
    ----------
    architecture : {"conv", "dense"}
        ``conv``: strided convolutions, then a dense layer to the latent code
        (the post's "convolution layers, dense layers"); ``dense``: fully
        connected layers only.
    image_shape : tuple of int
        ``(channels, height, width)``. ``conv`` needs height and width divisible
        by 2 ** len(widths) (28x28 and 8x8 both work with two layers).
    latent_dim : int
        Size of the latent code, at least 1.
    widths : tuple of int, optional
        Channels per conv layer, or units per hidden dense layer.
    batch_norm : bool
        Batch normalisation after each hidden conv layer (``conv`` only).
    standardised : bool
        The encoder ends with a fixed affine map of the codes and the decoder starts with its
        inverse (:class:`CodeAffine`, identity until set): what :func:`standardise_codes`
        makes, so that such a model saves and loads like any other.
    """

    KIND: ClassVar[str] = "autoencoder"

    architecture: str = "conv"
    image_shape: tuple = (1, 28, 28)
    latent_dim: int = 16
    widths: tuple = field(default=None)
    batch_norm: bool = False
    standardised: bool = False

    def __post_init__(self):
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"Unknown architecture {self.architecture!r}: choose one of "
                             f"{', '.join(ARCHITECTURES)}.")
        object.__setattr__(self, "latent_dim",
                           int(check_scalar(self.latent_dim, "latent_dim", Integral, min_val=1)))
        object.__setattr__(self, "image_shape", tuple(int(s) for s in self.image_shape))
        if len(self.image_shape) != 3:
            raise ValueError(f"image_shape must be (channels, height, width), got "
                             f"{self.image_shape}.")
        widths = _DEFAULT_WIDTHS[self.architecture] if self.widths is None else self.widths
        object.__setattr__(self, "widths", tuple(int(w) for w in widths))
        if not self.widths or min(self.widths) < 1:
            raise ValueError(f"widths must be positive whole numbers, got {self.widths}.")
        if self.architecture == "conv":
            factor = 2 ** len(self.widths)
            _, height, width = self.image_shape
            if height % factor or width % factor:
                raise ValueError(
                    f"A conv autoencoder with {len(self.widths)} layers needs image sides "
                    f"divisible by {factor}, got {height}x{width}: use architecture='dense' or "
                    f"fewer widths.")

    def build(self, seed: int = 0) -> "Autoencoder":
        """A freshly initialised autoencoder of this shape (see :func:`build_autoencoder`)."""
        return build_autoencoder(self, seed)


class Autoencoder(nn.Module):
    """An encoder to ``latent_dim`` codes and a decoder back to pixel logits."""

    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        self.config = config
        self.encoder, self.decoder = build_layers(config)
        if config.standardised:  # identity maps until a checkpoint's buffers are loaded
            self.encoder = nn.Sequential(*self.encoder, CodeAffine.identity(config.latent_dim))
            self.decoder = nn.Sequential(CodeAffine.identity(config.latent_dim), *self.decoder)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Reconstruction logits; ``torch.sigmoid`` turns them into pixels."""
        return self.decoder(self.encoder(images))


def build_layers(config):
    """The encoder and the decoder ``config`` describes, as two ``nn.Sequential`` (the VAE
    builds its own from the same function)."""
    return _dense_layers(config) if config.architecture == "dense" else _conv_layers(config)


def _dense_layers(config):
    channels, height, width = config.image_shape
    sizes = [channels * height * width, *config.widths]
    enc, dec = [nn.Flatten()], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        enc += [nn.Linear(n_in, n_out), nn.ReLU()]
    enc.append(nn.Linear(sizes[-1], config.latent_dim))
    back = [config.latent_dim, *reversed(sizes[1:])]
    for n_in, n_out in zip(back[:-1], back[1:]):
        dec += [nn.Linear(n_in, n_out), nn.ReLU()]
    dec += [nn.Linear(sizes[1], sizes[0]), nn.Unflatten(1, (channels, height, width))]
    return nn.Sequential(*enc), nn.Sequential(*dec)


def _conv_layers(config):
    channels, height, width = config.image_shape
    widths, factor = config.widths, 2 ** len(config.widths)
    small = (widths[-1], height // factor, width // factor)
    enc, n_in = [], channels
    def norm(n):
        return [nn.BatchNorm2d(n)] if config.batch_norm else []

    for n_out in widths:  # each 4x4 stride-2 convolution halves the sides
        enc += [nn.Conv2d(n_in, n_out, 4, stride=2, padding=1), *norm(n_out), nn.ReLU()]
        n_in = n_out
    enc += [nn.Flatten(), nn.Linear(int(np.prod(small)), config.latent_dim)]
    dec = [nn.Linear(config.latent_dim, int(np.prod(small))), nn.ReLU(), nn.Unflatten(1, small)]
    back = [*reversed(widths), channels]
    for i, (n_in, n_out) in enumerate(zip(back[:-1], back[1:])):
        dec.append(nn.ConvTranspose2d(n_in, n_out, 4, stride=2, padding=1))
        if i < len(back) - 2:
            dec += [*norm(n_out), nn.ReLU()]
    return nn.Sequential(*enc), nn.Sequential(*dec)


def build_autoencoder(config: AutoencoderConfig, seed: int = 0) -> Autoencoder:
    """A freshly initialised autoencoder; the same seed gives the same weights.

    Examples
    --------
    >>> model = build_autoencoder(AutoencoderConfig("dense", (1, 8, 8), latent_dim=4))
    >>> model(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 1, 8, 8])
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Autoencoder(config)
    return model


@validate_params({"consistency": [Interval(Real, 0, 100, closed="both")]},
                 prefer_skip_nested_validation=False)
def train_autoencoder(model: Autoencoder, images: torch.Tensor, *, epochs: int,
                      batch_size: int = 128, learning_rate: float = 1e-3, seed: int = 0,
                      device="auto", precision: str = "auto", progress: bool = True,
                      on_epoch_end=None, shift: int = 0, schedule: str = "constant",
                      deform: float = 0.0, consistency: float = 0.0) -> list:
    """Train on images alone (no labels) and return the mean loss of each epoch.

    Section "Autoencoder". Adam on binary cross-entropy between the image and
    its reconstruction, shuffled minibatches drawn from in-memory tensors with a
    generator seeded by ``seed``. The model is left in eval mode on the CPU.

    Parameters
    ----------
    model : Autoencoder
    images : torch.Tensor
        Float images in [0, 1], shape ``(n, channels, height, width)``.
    epochs : int
        Passes over the images, at least 1.
    batch_size, learning_rate : int, float
    seed : int
        Seeds the minibatch order (the weights are seeded by :func:`build_autoencoder`).
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"``, ...
    precision : {"auto", "float32", "bfloat16"}
        Forward passes in bfloat16 autocast (weights and optimiser stay float32);
        ``"auto"`` uses it where the hardware has it (see :func:`~gae_helpers.models.device.resolve_precision`).
    progress : bool
        Show a tqdm bar with the running loss.
    on_epoch_end : callable, optional
        Called as ``on_epoch_end(model, epoch, loss)`` after each epoch (epochs
        count from 1), e.g. to evaluate or plot along the way.
    shift : int
        Label-free augmentation: each training image is moved by a random offset of up
        to ``shift`` pixels per axis (:func:`~gae_helpers.models.augment.random_shifts`) before it is encoded and
        rebuilt; 0 trains on the images as they are.
    schedule : {"constant", "onecycle"}
        The learning rate over training: ``learning_rate`` throughout, or a one-cycle policy
        (``torch.optim.lr_scheduler.OneCycleLR``) that warms up to ``learning_rate`` as its
        peak and anneals to near zero, which reaches the same loss in fewer epochs.
    deform : float
        Label-free, deformation-invariant training: the encoder reads each image warped by
        :func:`~gae_helpers.models.augment.random_affine` of this strength and the decoder must rebuild the unwarped
        image, so codes of an image and its small deformations move together. 0: off.
    consistency : float
        With ``deform``, adds this weight times the mean squared distance between the code of
        the warped image and the code of the clean one (both through the encoder in one pass,
        gradients through both: a stop-gradient on the clean code makes the codes diverge),
        which pulls the codes of an image's deformations together. It also shrinks the codes
        (the decoder makes up for it), which the standardised codes before the GMMs undo.
        0: off.

    Returns
    -------
    list of float
        Mean training loss per epoch (with ``consistency``, its term included).
    """
    if consistency and not deform:
        raise ValueError("consistency pulls together the codes of deformed images: set deform "
                         "> 0 with it, or consistency to 0.")
    loss_fn = nn.BCEWithLogitsLoss()

    def forward(m, inputs, clean):
        if not consistency:
            return m(inputs), None
        code, target = m.encoder(torch.cat([inputs, clean])).chunk(2)
        return m.decoder(code), (code, target)

    def loss(output, batch):
        logits, codes = output
        value = loss_fn(logits.float(), batch)
        if codes is not None:
            code, target = (c.float() for c in codes)
            value = value + consistency * ((code - target) ** 2).mean()
        return value

    return minibatch_training(
        model, images, forward=forward, loss=loss, epochs=epochs,
        batch_size=batch_size, learning_rate=learning_rate, seed=seed, device=device,
        precision=precision, progress=progress, description="training autoencoder",
        on_epoch_end=on_epoch_end, shift=shift, schedule=schedule, deform=deform)


@torch.no_grad()
def encode(model: Autoencoder, images, batch_size: int = INFERENCE_BATCH,
           device="auto") -> np.ndarray:
    """Latent codes of images, in batches, as a float64 array ``(n, latent_dim)``."""
    images = check_images(images, model.config, dtype=inference_dtype())
    return run_batched(model, model.encoder, images, batch_size, device).astype(np.float64)


@torch.no_grad()
def decode(model: Autoencoder, codes, batch_size: int = INFERENCE_BATCH,
           device="auto") -> torch.Tensor:
    """Images in [0, 1] decoded from latent codes, shape ``(n, channels, height, width)``."""
    codes = torch.as_tensor(np.asarray(codes), dtype=inference_dtype())
    if codes.ndim != 2 or codes.shape[1] != model.config.latent_dim:
        raise ValueError(f"codes must have shape (n, {model.config.latent_dim}), got "
                         f"{tuple(codes.shape)}.")
    logits = run_batched(model, model.decoder, codes, batch_size, device)
    return torch.sigmoid(torch.from_numpy(logits)).to(inference_dtype())


@torch.no_grad()
def reconstruct(model: Autoencoder, images, batch_size: int = INFERENCE_BATCH,
                device="auto") -> torch.Tensor:
    """Decode the codes of images: the autoencoder's reconstruction in [0, 1]."""
    return decode(model, encode(model, images, batch_size, device), batch_size, device)


def train_or_load_autoencoder(images, config: AutoencoderConfig, *, epochs: int,
                              batch_size: int = 128, learning_rate: float = 1e-3, seed: int = 0,
                              device="auto", precision: str = "auto", cache_dir=None,
                              use_cache: bool = True, progress: bool = True, pretrained=None,
                              shift: int = 0, schedule: str = "constant", deform: float = 0.0,
                              consistency: float = 0.0):
    """Train an autoencoder on ``images``, or load the one trained before with the same settings.

    Section "Autoencoder". The cache (:func:`gae_helpers.models.checkpoint.train_or_load`) is keyed
    on the images, the config, the training settings, the device type and the arithmetic;
    ``pretrained`` loads a checkpoint file instead. Labels never enter.

    Returns
    -------
    gae_helpers.models.checkpoint.Trained

    Examples
    --------
    >>> from gae_helpers.data.datasets import load_dataset
    >>> data = load_dataset("digits", n_train=100)
    >>> cfg = AutoencoderConfig("dense", data.image_shape, latent_dim=4)
    >>> run = train_or_load_autoencoder(data.x_train, cfg, epochs=1, progress=False,
    ...                                 use_cache=False)
    >>> len(run.history)
    1
    """
    images = check_images(images, config)
    settings = {"epochs": int(epochs), "batch_size": int(batch_size),
                "learning_rate": float(learning_rate), "shift": int(shift),
                "schedule": schedule, "deform": float(deform)}
    if consistency:  # only where used, so that the models cached before keep their keys
        settings["consistency"] = float(consistency)
    return train_or_load(
        config, lambda model: train_autoencoder(
            model, images, **settings, seed=seed, device=device, precision=precision,
            progress=progress),
        data=(images,), settings=settings, seed=seed, device=device, precision=precision,
        cache_dir=cache_dir, use_cache=use_cache, pretrained=pretrained)


class CodeAffine(nn.Module):
    """``x * scale + shift`` per code dimension, with fixed (not trained) buffers."""

    def __init__(self, scale, shift):
        super().__init__()
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
        self.register_buffer("shift", torch.as_tensor(shift, dtype=torch.float32))

    @classmethod
    def identity(cls, size: int) -> "CodeAffine":
        """The map that changes nothing, on ``size`` dimensions (buffers of its own)."""
        return cls(torch.ones(size), torch.zeros(size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.shift


def standardise_codes(model: Autoencoder, images, device="auto", return_codes: bool = False):
    """A copy of ``model`` whose codes are standardised: every code dimension to mean 0 and
    variance 1 over the codes of ``images`` (section "Autoencoder", before the GMMs).

    The encoder ends with the standardising affine map and the decoder starts with its
    inverse, so images decode exactly as before and every helper that encodes or decodes
    works unchanged. The copy has weights of its own and the config of ``model`` with
    ``standardised=True``, so :func:`gae_helpers.models.checkpoint.save_model` and ``load_model``
    round-trip it; only the GMMs see codes on a common scale, so that ``reg_covar`` is the
    same share of every dimension's variance. Label-free: ``images`` are the training images.

    Examples
    --------
    >>> model = AutoencoderConfig("dense", (1, 8, 8), latent_dim=3).build(seed=0)
    >>> images = torch.rand(50, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> scaled = standardise_codes(model, images)
    >>> codes = encode(scaled, images)
    >>> bool(abs(codes.mean(0)).max() < 1e-5), bool(abs(codes.std(0) - 1).max() < 1e-5)
    (True, True)
    >>> bool(torch.allclose(reconstruct(scaled, images), reconstruct(model, images), atol=1e-5))
    True
    >>> scaled.config.standardised, model.config.standardised
    (True, False)

    With ``return_codes=True`` it also returns the standardised codes of ``images``, the very
    values ``encode(scaled, images)`` gives, without encoding the images a second time:

    >>> scaled, codes = standardise_codes(model, images, return_codes=True)
    >>> bool(np.array_equal(codes, encode(scaled, images)))
    True
    """
    scaled = copy.deepcopy(model)  # its own weights: later edits of ``model`` leave it alone
    if scaled.config.standardised:  # standardise the codes of the plain model underneath
        scaled.encoder, scaled.decoder = scaled.encoder[:-1], scaled.decoder[1:]
        scaled.config = replace(scaled.config, standardised=False)
    codes = encode(scaled, images, device=device)
    mean, std = codes.mean(axis=0), codes.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    scaled.encoder = nn.Sequential(*scaled.encoder, CodeAffine(1 / std, -mean / std))
    scaled.decoder = nn.Sequential(CodeAffine(std, mean), *scaled.decoder)
    scaled.config = replace(scaled.config, standardised=True)
    if not return_codes:
        return scaled
    # the encoder's last step, applied in its inference dtype to the raw codes (exact in
    # float64): the same values a second encode would give
    affine = scaled.encoder[-1].to(inference_dtype())
    with torch.no_grad():
        standard = affine(torch.as_tensor(codes, dtype=inference_dtype())).double().numpy()
    affine.float()
    return scaled, standard

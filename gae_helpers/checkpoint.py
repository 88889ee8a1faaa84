"""Saving, loading and caching trained autoencoders (section "Autoencoder").

A checkpoint is a dict of plain types and tensors written with ``torch.save``
and read back with ``weights_only=True``: the state dict, the
:class:`~gae_helpers.autoencoder.AutoencoderConfig` and the loss history.

:func:`train_or_load` keys a cache on the images, the config and the training
settings: rerunning a notebook with the same data, config and seed loads the
model in a second instead of training it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from . import autoencoder as autoencoder_module
from .autoencoder import (Autoencoder, AutoencoderConfig, _check_images, build_autoencoder,
                          resolve_device, resolve_precision, train_autoencoder)
from .storage import atomic_path

FORMAT = "gae-autoencoder/1"
CACHE_DIR_ENV = "GAE_CACHE_DIR"


class CheckpointMismatchError(ValueError):
    """A checkpoint holds another autoencoder than the one asked for."""


def save_autoencoder(model: Autoencoder, path, history=None) -> Path:
    """Write the model's weights, config and loss history to ``path`` atomically."""
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    checkpoint = {"format": FORMAT, "config": model.config.to_dict(), "state_dict": state,
                  "history": [float(h) for h in (history or [])]}
    with atomic_path(path) as tmp:
        torch.save(checkpoint, tmp)
    return Path(path)


def load_autoencoder(path, expected_config: AutoencoderConfig | None = None):
    """Load a checkpoint written by :func:`save_autoencoder`.

    Returns
    -------
    model : Autoencoder
        In eval mode on the CPU.
    history : list of float
        Loss per epoch of the training that produced it.

    Raises
    ------
    CheckpointMismatchError
        The file is no autoencoder checkpoint, or holds another architecture
        than ``expected_config``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}.")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointMismatchError(
            f"{path} is not a readable autoencoder checkpoint ({exc}); delete it and train "
            f"again.") from exc
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        raise CheckpointMismatchError(f"{path} is not a {FORMAT} checkpoint; delete it and "
                                      f"train again.")
    config = AutoencoderConfig.from_dict(checkpoint["config"])
    if expected_config is not None and config != expected_config:
        raise CheckpointMismatchError(
            f"{path} holds a {_describe(config)} autoencoder, but a {_describe(expected_config)} "
            f"one was asked for. Load it without expected_config, or train the one you want.")
    model = Autoencoder(config)
    try:
        model.load_state_dict(checkpoint["state_dict"])
    except RuntimeError as exc:
        raise CheckpointMismatchError(
            f"The weights in {path} do not fit a {_describe(config)} autoencoder: {exc}") from exc
    return model.eval(), list(checkpoint["history"])


def _describe(config):
    return (f"{config.architecture!r} (widths {list(config.widths)}, latent_dim "
            f"{config.latent_dim}, batch_norm {config.batch_norm}, images "
            f"{list(config.image_shape)})")


def resolve_cache_dir(cache_dir=None) -> Path:
    """The model cache: ``cache_dir``, else ``$GAE_CACHE_DIR``, else ``~/.cache/gae``."""
    if cache_dir is None or str(cache_dir) == "":
        cache_dir = os.environ.get(CACHE_DIR_ENV) or Path.home() / ".cache" / "gae"
    return Path(cache_dir).expanduser()


def cache_key(images: torch.Tensor, config: AutoencoderConfig, **training) -> str:
    """A hash of the images' bytes, the architecture, the training settings and the code
    that builds and trains the model (so an edited autoencoder.py never loads a stale model)."""
    digest = hashlib.sha256()
    digest.update(FORMAT.encode())
    digest.update(torch.__version__.encode())
    digest.update(Path(autoencoder_module.__file__).read_bytes())
    digest.update(json.dumps([config.to_dict(), training], sort_keys=True).encode())
    digest.update(str(tuple(images.shape)).encode())
    digest.update(images.contiguous().numpy().tobytes())
    return digest.hexdigest()[:20]


def cache_path(images, config: AutoencoderConfig, *, epochs: int, batch_size: int,
               learning_rate: float, seed: int, device="auto", precision: str = "auto",
               cache_dir=None) -> Path:
    """Where :func:`train_or_load` keeps the model trained with these settings."""
    dtype = resolve_precision(precision, resolve_device(device))
    training = {"epochs": int(epochs), "batch_size": int(batch_size),
                "learning_rate": float(learning_rate), "seed": int(seed), "dtype": str(dtype)}
    return resolve_cache_dir(cache_dir) / f"autoencoder-{cache_key(images, config, **training)}.pt"


@dataclass
class TrainedAutoencoder:
    """What :func:`train_or_load` returns."""

    model: Autoencoder
    history: list
    path: Path
    from_cache: bool
    seconds: float


def train_or_load(images, config: AutoencoderConfig, *, epochs: int, batch_size: int = 128,
                  learning_rate: float = 1e-3, seed: int = 0, device="auto",
                  precision: str = "auto", cache_dir=None, use_cache: bool = True,
                  progress: bool = True) -> TrainedAutoencoder:
    """Train an autoencoder on ``images``, or load the one trained before with the same settings.

    Section "Autoencoder". The cache file is named by :func:`cache_key`, so any
    change of data, architecture, epochs, batch size, learning rate or seed
    trains anew. Labels never enter.

    Examples
    --------
    >>> from gae_helpers.data import load_dataset
    >>> data = load_dataset("digits", n_train=100)
    >>> cfg = AutoencoderConfig("dense", data.image_shape, latent_dim=4)
    >>> run = train_or_load(data.x_train, cfg, epochs=1, progress=False, use_cache=False)
    >>> len(run.history)
    1
    """
    started = time.perf_counter()
    images = _check_images(images, config)
    path = cache_path(images, config, epochs=epochs, batch_size=batch_size,
                      learning_rate=learning_rate, seed=seed, device=device, precision=precision,
                      cache_dir=cache_dir)
    if use_cache and path.is_file():
        model, history = load_autoencoder(path, expected_config=config)
        return TrainedAutoencoder(model, history, path, True, time.perf_counter() - started)
    model = build_autoencoder(config, seed=seed)
    history = train_autoencoder(model, images, epochs=epochs, batch_size=batch_size,
                                learning_rate=learning_rate, seed=seed, device=device,
                                precision=precision, progress=progress)
    if use_cache:
        save_autoencoder(model, path, history)
    return TrainedAutoencoder(model, history, path, False, time.perf_counter() - started)

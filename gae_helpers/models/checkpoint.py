"""Saving, loading and caching trained models (sections "Autoencoder", "An independent judge",
"The VAE").

A checkpoint is a dict of plain types and tensors written with ``torch.save`` and read back
with ``weights_only=True``: the model's kind, its config, its state dict and its loss history.
Every model kind has a frozen config dataclass with ``KIND``, ``to_dict``, ``from_dict`` and
``build(seed)``, registered in :data:`gae_helpers.models.config.CONFIGS`; this module names none of
them (they import it, not the other way round).

:func:`train_or_load` keys a cache on the training data, the config, the training settings,
the device type, the arithmetic and the source of every module that builds and trains the model
(:func:`training_modules`, the input warps included): rerunning a notebook with the same
settings loads the model in a second instead of training it again, and an edit of that code
trains it again. A corrupt or truncated cache entry is reported with a warning and trained
again.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import json
import pickle
import sys
import time
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from gae_helpers.models.config import CONFIGS
from gae_helpers.models.device import resolve_device, resolve_precision
from gae_helpers.data.storage import atomic_path, resolve_cache_dir, shipped_name

FORMAT = "gae-model/2"

# Modules that cannot change a trained model: progress bars, atomic writes, this module (its
# FORMAT is hashed instead), and the shipped files' paths and hashes.
NOT_TRAINING = frozenset({"gae_helpers.models.progress", "gae_helpers.data.storage",
                          "gae_helpers.models.checkpoint", "gae_helpers.models.shipped"})


# What torch.load(weights_only=True) raises on a truncated, empty or foreign file (a truncated
# archive is a RuntimeError); anything else is a bug and propagates.
UNREADABLE = (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError,
              zipfile.BadZipFile)


class CheckpointMismatchError(ValueError):
    """A checkpoint is unreadable, or holds another model than the one asked for."""


def config_class(kind: str):
    """The config dataclass of a model kind (registered in :data:`gae_helpers.models.config.CONFIGS`
    when the module that defines it is imported)."""
    if kind not in CONFIGS:
        raise CheckpointMismatchError(
            f"Unknown model kind {kind!r}: the kinds known are {', '.join(sorted(CONFIGS))}; "
            f"import the gae_helpers module that defines it (autoencoder, vae or judge) first.")
    return CONFIGS[kind]


def save_model(model: torch.nn.Module, path, history=None) -> Path:
    """Write the model's kind, config, weights and loss history to ``path`` atomically."""
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    checkpoint = {"format": FORMAT, "kind": model.config.KIND, "config": model.config.to_dict(),
                  "state_dict": state, "history": [float(h) for h in (history or [])]}
    with atomic_path(path) as tmp:
        torch.save(checkpoint, tmp)
    return Path(path)


def load_model(path, expected_config=None):
    """Load a checkpoint written by :func:`save_model`.

    Returns
    -------
    model : torch.nn.Module
        In eval mode on the CPU.
    history : list of float
        Loss per epoch of the training that produced it.

    Raises
    ------
    CheckpointMismatchError
        The file is no readable checkpoint, or holds another model than ``expected_config``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}.")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except UNREADABLE as exc:
        raise CheckpointMismatchError(
            f"{path} is not a readable checkpoint ({type(exc).__name__}: {exc}); delete it and "
            f"train again.") from exc
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        raise CheckpointMismatchError(f"{path} is not a {FORMAT} checkpoint; delete it and "
                                      f"train again.")
    config = config_class(checkpoint["kind"]).from_dict(checkpoint["config"])
    if expected_config is not None and config != expected_config:
        raise CheckpointMismatchError(
            f"{path} holds a {checkpoint['kind']} {describe(config)}, but a "
            f"{expected_config.KIND} {describe(expected_config)} was asked for. Load it without "
            f"expected_config, or train the one you want.")
    model = config.build()
    try:
        model.load_state_dict(checkpoint["state_dict"])
    except RuntimeError as exc:
        raise CheckpointMismatchError(
            f"The weights in {path} do not fit a {describe(config)}: {exc}") from exc
    return model.eval(), list(checkpoint["history"])


def describe(config) -> str:
    """A config as short readable text, for error messages."""
    return ", ".join(f"{k} {v}" for k, v in config.to_dict().items())


def _hash_array(digest, array):
    array = array.detach().cpu().contiguous().numpy() if torch.is_tensor(array) \
        else np.ascontiguousarray(array)
    digest.update(f"{array.dtype}{array.shape}".encode())
    digest.update(array.tobytes())


def _package_imports(module: str) -> set:
    """The gae_helpers modules that ``module``'s source imports, at its top or in a function."""
    package = __name__.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(Path(sys.modules[module].__file__).read_bytes())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""),
                                               sys.modules[module].__package__) \
                if node.level else node.module or ""
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(name for name in names if name.startswith(package + ".")
                     and _is_module(name))
    return found


def _is_module(name: str) -> bool:
    """Whether ``name`` is a module (``gae_helpers.models.config``), not a name in one
    (``gae_helpers.models.config.PlainConfig``)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # its parent is a module, not a package
        return False


def training_modules(config) -> list:
    """The gae_helpers modules whose source can change a model of ``config``'s kind once
    trained: the config's module and every gae_helpers module it imports, directly or through
    another (for an autoencoder: its layers and training loop, the input warps of
    ``augment.py``, the device and arithmetic choices of ``device.py``, ...), less
    :data:`NOT_TRAINING`. Sorted, so the cache key does not depend on the order of imports.

    Examples
    --------
    >>> from gae_helpers.models.autoencoder import AutoencoderConfig
    >>> modules = training_modules(AutoencoderConfig())
    >>> "gae_helpers.models.augment" in modules, "gae_helpers.models.progress" in modules
    (True, False)
    """
    todo, seen = [type(config).__module__], set()
    while todo:
        module = todo.pop()
        if module in seen or module in NOT_TRAINING:
            continue
        seen.add(module)
        importlib.import_module(module)
        todo.extend(_package_imports(module) - seen)
    return sorted(seen)


def cache_key(config, data=(), **settings) -> str:
    """A hash of the data's bytes, the config, the settings, the torch release and the source
    of every module that builds or trains the model (:func:`training_modules`): an edit of the
    layers, the training loop or the input warps never loads a model trained before it."""
    digest = hashlib.sha256()
    digest.update(FORMAT.encode())
    digest.update(torch.__version__.encode())
    for module in training_modules(config):
        digest.update(module.encode())
        digest.update(Path(sys.modules[module].__file__).read_bytes())
    digest.update(json.dumps([config.KIND, config.to_dict(), settings], sort_keys=True).encode())
    for array in data:
        _hash_array(digest, array)
    return digest.hexdigest()[:20]


def cache_path(config, *, data, settings: dict, seed: int = 0, device="auto",
               precision: str = "auto", cache_dir=None) -> Path:
    """Where :func:`train_or_load` keeps the model trained with these settings."""
    device = resolve_device(device)
    dtype = resolve_precision(precision, device)
    key = cache_key(config, data, **settings, seed=int(seed), device=device.type,
                    dtype=str(dtype))
    return resolve_cache_dir(cache_dir) / f"{config.KIND}-{key}.pt"


ORIGINS = ("trained", "cache", "checkpoint", "shipped")


@dataclass
class Trained:
    """What :func:`train_or_load` and :func:`gae_helpers.models.shipped.load_judge` return.

    Attributes
    ----------
    model : torch.nn.Module
        In eval mode on the CPU.
    history : list of float
        Loss per epoch of the training that produced it.
    path : Path or None
        The file it was loaded from or saved to; ``None`` when trained without the cache.
    origin : {"trained", "cache", "checkpoint", "shipped"}
        Where it came from: trained by this call, loaded from the model cache, loaded from a
        checkpoint file given as ``pretrained``, or loaded from a file committed in ``models/``
        (:mod:`gae_helpers.models.shipped`).
    seconds : float
        Time spent training or loading.
    source : str
        The same for a reader: ``"trained"``, ``"loaded from cache"``, ``"loaded from
        <file>"``, as the notebooks print it and the run's metrics record it.
    """

    model: torch.nn.Module
    history: list
    path: Path | None
    origin: str
    seconds: float
    source: str = "trained"

    def __post_init__(self):
        if self.origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, got "
                             f"{self.origin!r}.")

    @property
    def from_cache(self) -> bool:
        """Whether the model was loaded from the model cache (not from a given or shipped
        file, not trained)."""
        return self.origin == "cache"


def train_or_load(config, train: Callable, *, data, settings: dict, seed: int = 0,
                  device="auto", precision: str = "auto", cache_dir=None, use_cache: bool = True,
                  pretrained=None) -> Trained:
    """Train ``config.build(seed)`` with ``train(model)``, or load it from the cache.

    Parameters
    ----------
    config
        A model config (``KIND``, ``to_dict``, ``from_dict``, ``build``).
    train : callable
        ``train(model) -> history``: trains the freshly built model in place.
    data : tuple of arrays or tensors
        What the model is trained on, hashed into the cache key.
    settings : dict
        Training settings (epochs, batch size, ...), hashed into the key.
    seed, device, precision
        Hashed into the key (the device by its type: a CPU and a CUDA model differ).
    cache_dir : str or Path, optional
        See :func:`resolve_cache_dir`.
    use_cache : bool
        ``False`` trains and stores nothing.
    pretrained : str or Path, optional
        A checkpoint to load instead of training (it must hold this ``config``).

    Examples
    --------
    >>> from gae_helpers.models.autoencoder import AutoencoderConfig, train_autoencoder
    >>> config = AutoencoderConfig("dense", (1, 8, 8), latent_dim=2)
    >>> images = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> run = train_or_load(config, lambda m: train_autoencoder(m, images, epochs=1,
    ...                     progress=False), data=(images,), settings={"epochs": 1},
    ...                     use_cache=False)
    >>> run.origin, run.from_cache, len(run.history)
    ('trained', False, 1)
    """
    started = time.perf_counter()
    if pretrained is not None:
        model, history = load_model(pretrained, expected_config=config)
        origin = "shipped" if shipped_name(pretrained) is not None else "checkpoint"
        return Trained(model, history, Path(pretrained), origin, time.perf_counter() - started,
                       f"loaded from {Path(pretrained).name}")
    path = cache_path(config, data=data, settings=settings, seed=seed, device=device,
                      precision=precision, cache_dir=cache_dir)
    if use_cache and path.is_file():
        try:
            model, history = load_model(path, expected_config=config)
            return Trained(model, history, path, "cache", time.perf_counter() - started,
                           "loaded from cache")
        except CheckpointMismatchError as exc:
            warnings.warn(f"Ignoring a broken cache entry and training again: {exc}",
                          RuntimeWarning, stacklevel=2)
    model = config.build(seed)
    history = train(model)
    if use_cache:
        save_model(model, path, history)
    return Trained(model, history, path if use_cache else None, "trained",
                   time.perf_counter() - started)

"""The models committed with the project in ``models/`` (sections "An independent judge" and
"Autoencoder").

The **judge** of each dataset is an instrument, like the Inception network of FID: trained
once on the labelled training images by ``make models`` (``scripts/ship_models.py``), committed,
and loaded by every notebook run instead of being retrained, so that its scores compare across
runs, seeds, machines and notebooks. The **default autoencoders** (and the comparison notebook's
autoencoder and VAE) are committed too: ``-p pretrained_dir shipped`` runs a notebook on them
with no training at all.

``models/manifest.json`` records, for every file, how it was made (the command, the settings,
the software stack, the training time), what it scores (the judge's test accuracy) and the
SHA-256 of the file, which :func:`shipped_file` checks before loading it with
``weights_only=True``. ``$GAE_MODELS_DIR`` points elsewhere (e.g. a non-editable install).
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from gae_helpers.models.checkpoint import Trained, load_model
from gae_helpers.data.storage import MODELS_DIR_ENV, models_dir, shipped_name

MANIFEST = "manifest.json"
SHIPPED = "shipped"


def sha256(path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(folder=None) -> dict:
    """The manifest's entries, keyed by file name relative to the models folder."""
    path = Path(folder or models_dir()) / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {}


def shipped_file(name: str) -> Path:
    """``models/<name>`` (e.g. ``mnist/judge.pt``), checked against the manifest's SHA-256.

    Raises ``FileNotFoundError`` (saying to run ``make models``) when it is missing, and
    ``ValueError`` when the file's hash is not the manifest's.
    """
    folder = models_dir()
    path = folder / name
    entry = manifest(folder).get(name)
    if not path.is_file() or entry is None:
        raise FileNotFoundError(f"No shipped model {name} in {folder}: run `make models`, or "
                                f"set ${MODELS_DIR_ENV} to a models folder.")
    if sha256(path) != entry["sha256"]:
        raise ValueError(f"{path} is not the file {MANIFEST} records (its SHA-256 differs): "
                         f"restore it with `git checkout {path}` or remake it with `make models`.")
    return path


def resolve_pretrained_dir(pretrained_dir, dataset: str, notebook: str = "walkthrough"):
    """``"shipped"`` means ``models/<dataset>/<notebook>/``; other values are returned as is."""
    return models_dir() / dataset / notebook if pretrained_dir == SHIPPED else pretrained_dir


def checked_file(path) -> Path:
    """``path``, after checking its hash where it lies in the models folder."""
    name = shipped_name(path)
    return Path(path) if name is None else shipped_file(name)


def load_judge(dataset: str, config, pretrained_dir=None):
    """The judge of ``dataset``: ``pretrained_dir/judge.pt`` where that folder holds one (the
    tests' small references), else the shipped instrument. Section "An independent judge".

    Returns a :class:`gae_helpers.models.checkpoint.Trained` whose ``origin`` is ``"shipped"`` for
    the shipped judge (its ``source`` names the file, its hash and its training time from the
    manifest) and ``"checkpoint"`` for a judge in ``pretrained_dir``; never ``from_cache``.
    """
    started = time.perf_counter()
    local = Path(pretrained_dir) / "judge.pt" if pretrained_dir is not None else None
    if local is not None and local.is_file():
        model, history = load_model(local, expected_config=config)
        return Trained(model, history, local, "checkpoint", time.perf_counter() - started,
                       f"loaded from {local.name}")
    path = shipped_file(f"{dataset}/judge.pt")
    model, history = load_model(path, expected_config=config)
    entry = manifest()[f"{dataset}/judge.pt"]
    return Trained(model, history, path, "shipped", time.perf_counter() - started,
                   f"loaded from models/{dataset}/judge.pt (shipped: sha256 "
                   f"{entry['sha256'][:12]}, trained once in {entry['train_seconds']:.0f} s by "
                   f"`make models`)")

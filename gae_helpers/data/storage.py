"""Where the project's files live, and how they are written (every section).

* Atomic file writes: a file is written to a temporary name, then renamed. A run that fails
  half-way leaves either the old file or none, never half of one.
* The two folders every layer reads: the model cache (:func:`resolve_cache_dir`, trained
  models and fitted mixtures) and the committed models (:func:`models_dir`).

Nothing here imports torch or another module of the package: every layer may use it.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

CACHE_DIR_ENV = "GAE_CACHE_DIR"
MODELS_DIR_ENV = "GAE_MODELS_DIR"


def resolve_cache_dir(cache_dir=None) -> Path:
    """The model cache: ``cache_dir``, else ``$GAE_CACHE_DIR``, else ``~/.cache/gae``."""
    if cache_dir is None or str(cache_dir) == "":
        cache_dir = os.environ.get(CACHE_DIR_ENV) or Path.home() / ".cache" / "gae"
    return Path(cache_dir).expanduser()


def models_dir() -> Path:
    """``$GAE_MODELS_DIR``, else the ``models/`` folder beside the package."""
    folder = os.environ.get(MODELS_DIR_ENV)
    return Path(folder) if folder else Path(__file__).resolve().parents[2] / "models"


def shipped_name(path) -> str | None:
    """``path``'s name in the models folder's manifest (e.g. ``mnist/judge.pt``) where it lies
    in that folder, else ``None``."""
    try:
        return Path(path).resolve().relative_to(models_dir().resolve()).as_posix()
    except ValueError:
        return None


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the file from others
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path, obj) -> Path:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")
    return Path(path)

"""Training progress bars: a widget in JupyterLab, text in a terminal, nothing when silenced
(section "Autoencoder").

``tqdm.auto`` picks the widget inside a notebook kernel, but its notebook bar ignores
``TQDM_DISABLE``; this wrapper honours it, so headless runs (papermill, nbval, ``make``) save
no bars in their notebooks.
"""

from __future__ import annotations

import os

from tqdm.auto import tqdm


def silenced() -> bool:
    """Whether ``TQDM_DISABLE`` asks for no progress bars."""
    return os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false", "no")


def progress_bar(total: int, desc: str, enabled: bool = True, unit: str = "batch"):
    """A tqdm bar over ``total`` steps; disabled when ``enabled`` is false or
    ``TQDM_DISABLE`` is set.

    Examples
    --------
    >>> with progress_bar(3, "demo", enabled=False) as bar:
    ...     bar.update(3)
    >>> bar.disable
    True
    """
    return tqdm(total=total, desc=desc, unit=unit, mininterval=1.0,
                disable=not enabled or silenced())

"""A run's output folder: figures, ``metrics.json`` and printed summaries (every section).

Numbers are printed as rounded text so that nbval, which compares text and not
pixels, can check them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .storage import write_json

POST_ACCURACY = {
    "mnist": {"train": 0.9816, "test": 0.9766},
    "fashion-mnist": {"train": 0.8776, "test": 0.8538},
}
TIMING_KEYS = ("seconds_total", "seconds_training")


class Run:
    """Collects a notebook run's metrics and writes its figures into one folder.

    Parameters
    ----------
    output_dir : str or Path
        Created if missing.
    parameters : dict
        The notebook's parameters, stored in ``metrics.json``.

    Examples
    --------
    >>> import tempfile
    >>> run = Run(tempfile.mkdtemp(), {"dataset": "digits"})
    >>> run.metrics["accuracy_test"] = 0.97
    >>> run.save().name
    'metrics.json'
    """

    def __init__(self, output_dir, parameters: dict):
        self.dir = Path(output_dir).expanduser()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.parameters = dict(parameters)
        self.metrics = {"dataset": self.parameters.get("dataset")}
        self.started = time.perf_counter()

    def figure_path(self, name: str) -> Path:
        """Where the figure ``name`` (without extension) is saved."""
        return self.dir / f"{name}.png"

    def save(self) -> Path:
        """Write ``metrics.json`` (atomically) with the elapsed time and the parameters."""
        self.metrics["seconds_total"] = round(time.perf_counter() - self.started, 1)
        record = {**_plain(self.metrics), "parameters": _plain(self.parameters)}
        return write_json(self.dir / "metrics.json", record)

    def __repr__(self) -> str:
        return f"Run(output in {self.dir})"


def _plain(obj):
    """NumPy scalars and arrays as JSON-friendly Python values."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def load_metrics(path) -> dict:
    """Read a ``metrics.json`` written by :meth:`Run.save`."""
    return json.loads(Path(path).read_text())


def without_timings(metrics: dict) -> dict:
    """The metrics less the fields that measure time (for comparing two runs)."""
    return {k: v for k, v in metrics.items() if k not in TIMING_KEYS}


def format_table(rows, headers) -> str:
    """Rows of values as aligned text; floats rounded to 4 decimals."""
    cells = [[f"{v:.4f}" if isinstance(v, float) else str(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths))
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])


def accuracy_table(dataset: str, ours: dict, post_setting: dict, n_components: int,
                   post_n_components: int) -> str:
    """Train and test accuracy: the post's, ours with the post's number of components, and
    ours with this run's (section "Predicting data")."""
    post = POST_ACCURACY.get(dataset)
    rows = []
    if post is not None:
        rows.append(["the post (60 epochs)", post_n_components, post["train"], post["test"]])
    else:
        rows.append(["the post", "-", "n/a (not in the post)", "n/a"])
    rows.append(["this run, post's components", post_n_components, post_setting["train"],
                 post_setting["test"]])
    if n_components != post_n_components:
        rows.append(["this run, our components", n_components, ours["train"], ours["test"]])
    return format_table(rows, ["model", "components", "train accuracy", "test accuracy"])


def probability_table(proba, y_true, class_names, indices) -> str:
    """Rounded class probabilities of a few images, with their true class."""
    headers = ["image", "true", *class_names]
    rows = [[i, class_names[y_true[i]], *(f"{p:.2f}" for p in proba[i])] for i in indices]
    return format_table(rows, headers)

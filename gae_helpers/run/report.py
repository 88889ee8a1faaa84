"""A run's output folder, ``metrics.json``, the software stack and printed tables (every
section).

Numbers are printed as rounded text so that nbval, which compares text and not pixels, can
check them; tables go through pandas.
"""

from __future__ import annotations

import ast
import json
import os
import platform
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from gae_helpers.models.device import inference_dtype, resolve_device, resolve_precision
from gae_helpers.models.shipped import checked_file
from gae_helpers.data.storage import write_json

TIMING_KEYS = ("seconds_total", "seconds_training", "seconds_fitting")
VOLATILE_KEYS = (*TIMING_KEYS, "stack")


def collect_parameters(namespace: dict) -> dict:
    """The notebook's parameters, read from its ``parameters`` cell, with their current values.

    Section "Setup and parameters". The parameters cell declares each parameter with a type
    annotation (``epochs: int = 15``); papermill's injected cell then overrides values. The
    names come from the annotations the cell left in the kernel's namespace, or, where a
    Python keeps no ``__annotations__`` there, from the executed cells' history.

    Examples
    --------
    >>> ns = {"__annotations__": {"epochs": int, "seed": int}, "epochs": 3, "seed": 1}
    >>> collect_parameters(ns)
    {'epochs': 3, 'seed': 1}
    """
    names = list(namespace.get("__annotations__") or {})
    if not names:
        for source in reversed(namespace.get("In") or []):
            body = _parse(source)
            if body and all(isinstance(node, ast.AnnAssign) for node in body):
                names = [node.target.id for node in body]
                break
    if not names:
        raise ValueError("No parameters found: run the cell tagged 'parameters' (its lines read "
                         "'name: type = value  # comment') before this one.")
    return {name: namespace[name] for name in names}


def _parse(source):
    try:
        return ast.parse(source).body
    except SyntaxError:
        return None


def pretrained_file(folder, kind: str):
    """``folder/kind.pt``, or ``None`` when ``folder`` is None (train, or use the cache); a
    shipped model's hash is checked against ``models/manifest.json``."""
    if folder is None:
        return None
    path = Path(folder).expanduser() / f"{kind}.pt"
    if not path.is_file():
        raise FileNotFoundError(f"pretrained_dir={str(folder)!r} holds no {path.name}: point "
                                f"it at a folder of checkpoints, or set it to None to train.")
    return checked_file(path)


def cpu_model() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo, else what :mod:`platform` knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_kind() -> str:
    """``"AVX-512 BF16"``, ``"AVX-512"``, ``"AVX2"`` or the machine name: what the CPU has,
    whatever kernels torch was told to use (``ATEN_CPU_CAPABILITY`` says that)."""
    try:
        flags = next((line for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("flags")), "").split()
    except OSError:
        flags = []
    if "avx512_bf16" in flags or "amx_bf16" in flags:
        return "AVX-512 BF16"
    if "avx512f" in flags:
        return "AVX-512"
    if "avx2" in flags:
        return "AVX2"
    return platform.machine()


def software_stack(device="auto", precision="auto") -> dict:
    """The versions, device and arithmetic that made a run's numbers."""
    import sklearn
    import torch
    import torchvision

    resolved = resolve_device(device)
    name = torch.cuda.get_device_name(resolved) if resolved.type == "cuda" else cpu_model()
    return {"cpu": cpu_model(), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "cpu_kind": cpu_kind(), "python": platform.python_version(), "torch": torch.__version__,
            "torchvision": torchvision.__version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "device": resolved.type, "device_name": name,
            "precision": str(resolve_precision(precision, resolved)).replace("torch.", ""),
            "inference": str(inference_dtype()).replace("torch.", ""),
            "threads": torch.get_num_threads(), "cpu_count": os.cpu_count()}


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

    def describe_stack(self, device="auto", precision="auto") -> str:
        """Record the software stack in the metrics and describe it in one line."""
        stack = software_stack(device, precision)
        self.metrics["stack"] = stack
        return (f"stack: Python {stack['python']}, torch {stack['torch']}, torchvision "
                f"{stack['torchvision']}, scikit-learn {stack['scikit-learn']}, numpy "
                f"{stack['numpy']}; training on {stack['device']} in {stack['precision']}, "
                f"inference in {stack['inference']}; CPU {stack['cpu']} ({stack['cpu_kind']}, "
                f"torch kernels {stack['cpu_capability']})")

    def record_training(self, name: str, trained) -> None:
        """Record how a model came to be, and print it (time printed separately: it varies)."""
        self.metrics[f"{name}_source"] = trained.source
        self.metrics.setdefault("seconds_training", {})[name] = round(trained.seconds, 1)
        print(f"{name} {trained.source} in {trained.seconds:.1f} s")

    @contextmanager
    def fitting(self, name: str):
        """Time the fit of the mixture ``name``:
        ``seconds_fitting[name]`` in metrics.json, one entry per mixture (sections 3-6).

        Examples
        --------
        >>> import tempfile
        >>> run = Run(tempfile.mkdtemp(), {})
        >>> with run.fitting("class_gmms"):
        ...     pass
        >>> list(run.metrics["seconds_fitting"])
        ['class_gmms']
        """
        started = time.perf_counter()
        yield
        self.metrics.setdefault("seconds_fitting", {})[name] = round(
            time.perf_counter() - started, 2)

    def save(self) -> Path:
        """Write ``metrics.json`` (atomically) with the elapsed time and the parameters."""
        self.metrics["seconds_total"] = round(time.perf_counter() - self.started, 1)
        record = {**_plain(self.metrics), "parameters": _plain(self.parameters)}
        return write_json(self.dir / "metrics.json", record)

    def __repr__(self) -> str:
        return f"Run(output in {self.dir})"


def _plain(obj):
    """NumPy scalars and arrays, paths and NaN as JSON-friendly Python values."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def load_metrics(path) -> dict:
    """Read a ``metrics.json`` written by :meth:`Run.save`."""
    return json.loads(Path(path).read_text())


def without_timings(metrics: dict) -> dict:
    """The metrics less the fields that vary between two runs of the same settings (times, at
    any depth, and the stack, which names the thread count).

    Examples
    --------
    >>> without_timings({"a": 1, "seconds_total": 9.0, "baseline": {"seconds": 0.1, "b": 2}})
    {'a': 1, 'baseline': {'b': 2}}
    """
    return {k: without_timings(v) if isinstance(v, dict) else v for k, v in metrics.items()
            if k not in VOLATILE_KEYS and k != "seconds"}


def show_table(table, index_name: str | None = None, digits: int = 4) -> None:
    """Print a table rounded to ``digits`` decimals: a DataFrame, or a dict of row dicts (whose
    list values, such as per-draw distances, are left out).

    Examples
    --------
    >>> show_table({"a": {"x": 0.12345, "y": None, "draws": [0.1, 0.2]}}, index_name="row",
    ...            digits=2)
            x    y
    row
    a    0.12  n/a
    """
    if not isinstance(table, pd.DataFrame):
        # Printed tables hold numbers and words; per-draw lists stay in metrics.json.
        table = {name: {k: v for k, v in row.items()
                        if not isinstance(v, (list, tuple, np.ndarray))}
                 for name, row in table.items()}
        # Rows in the order given: pandas 2.1 sorts those of a dict of one-field rows.
        table = pd.DataFrame.from_dict(table, orient="index").reindex(list(table))
    if index_name is not None:
        table = table.rename_axis(index_name)
    table = table.apply(lambda col: col.map(lambda v: _cell(v, digits)))
    print("\n".join(line.rstrip() for line in table.to_string().splitlines()))


def _cell(value, digits):
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)

"""The small notebook runs behind the tests: papermill runs them in tests/test_notebooks.py,
and nbval re-executes the reference notebooks made from them (make references).

    python tests/references.py             # remake every reference from its committed models
    python tests/references.py --retrain   # train the models again first (new architecture)
    python tests/references.py NAME ...    # only these

A reference loads small trained models committed in tests/reference/models/NAME/ (its
``pretrained_dir``), so what nbval compares comes from float64 scikit-learn and NumPy work on
fixed weights: the same on every torch release, CPU and GPU. Training itself is checked with
tolerances by the papermill runs and the unit tests. Never edit a reference by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "tests" / "reference"
MODEL_DIR = REFERENCE_DIR / "models"
CONFIGS = {k: v for k, v in json.loads((REFERENCE_DIR / "configs.json").read_text()).items()
           if not k.startswith("_")}
sys.path.insert(0, str(ROOT))
from gae_helpers.data.datasets import RAW_FILES  # noqa: E402
sys.path.insert(0, str(ROOT / "scripts"))
from executed_notebooks import clean_executed_notebook  # noqa: E402


def data_dir_with(folder):
    """$GAE_DATA_DIR when it holds ``folder``/raw with all four files, else None."""
    root = os.environ.get("GAE_DATA_DIR")
    if root and all((Path(root) / folder / "raw" / f).is_file() for f in RAW_FILES):
        return Path(root)
    return None


def missing_data(name: str) -> list:
    """The data folders a configuration needs that $GAE_DATA_DIR does not hold."""
    return [folder for folder in CONFIGS[name]["needs"] if data_dir_with(folder) is None]


def code_sources(nb) -> list:
    """The code cells' sources, less papermill's injected parameters."""
    return [c.source for c in nb.cells if c.cell_type == "code"
            and "injected-parameters" not in c.metadata.get("tags", [])]


def execute(name: str, output_notebook, output_dir, cwd, cache_dir, **extra) -> None:
    """Execute configuration ``name`` with papermill; raises on the first failing cell."""
    config = CONFIGS[name]
    execute_notebook(config["notebook"], output_notebook, cwd, cache_dir,
                     {**config["parameters"], "output_dir": str(output_dir), **extra})


def execute_notebook(notebook: str, output_notebook, cwd, cache_dir, parameters: dict) -> None:
    """Execute ``notebooks/<notebook>`` with papermill, the model cache in ``cache_dir``."""
    import papermill

    if os.environ.get("GAE_DATA_DIR"):  # the kernel runs in another folder
        os.environ["GAE_DATA_DIR"] = str(Path(os.environ["GAE_DATA_DIR"]).resolve())
    os.environ["GAE_CACHE_DIR"] = str(cache_dir)
    os.environ["TQDM_DISABLE"] = "1"
    papermill.execute_notebook(str(ROOT / "notebooks" / notebook), str(output_notebook),
                               parameters=parameters, cwd=str(cwd), progress_bar=False,
                               kernel_name="python3")


def train_models(name: str) -> Path:
    """Train the configuration's models with a fresh cache and keep them in models/NAME/."""
    target = MODEL_DIR / name
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        execute(name, scratch / "run.ipynb", scratch / "run", scratch, scratch / "cache")
        staging = MODEL_DIR / f".{name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for model in sorted((scratch / "cache").glob("*.pt")):
            shutil.copy(model, staging / f"{model.name.split('-')[0]}.pt")
        shutil.rmtree(target, ignore_errors=True)
        staging.replace(target)
    return target


def make_reference(name: str) -> Path:
    """Run the configuration on its committed models and keep the executed notebook."""
    import nbformat

    target = REFERENCE_DIR / f"{name}.ipynb"
    tmp = REFERENCE_DIR / f".{name}.tmp.ipynb"
    with tempfile.TemporaryDirectory() as cache:
        try:
            execute(name, tmp, output_dir=f"../../runs/reference/{name}", cwd=REFERENCE_DIR,
                    cache_dir=cache, pretrained_dir=f"models/{name}")
            clean_executed_notebook(tmp)
            nb = nbformat.read(tmp, as_version=4)
            for cell in nb.cells:  # nbval compares text, not pixels: keep the repo small
                for output in cell.get("outputs", []):
                    output.get("data", {}).pop("image/png", None)
            nbformat.write(nb, tmp)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
    return target


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    retrain = "--retrain" in argv
    names = [a for a in argv if a != "--retrain"] or list(CONFIGS)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        print(f"Unknown configuration(s) {unknown}: choose from {list(CONFIGS)}", file=sys.stderr)
        return 2
    for name in names:
        missing = missing_data(name)
        if missing:
            print(f"skipped {name}: GAE_DATA_DIR does not hold {', '.join(missing)}")
            continue
        if retrain or not (MODEL_DIR / name).is_dir():
            print(f"trained the models of {name} into "
                  f"{train_models(name).relative_to(ROOT)}", flush=True)
        print(f"wrote {make_reference(name).relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run the small notebook configurations of tests/reference/configs.json with papermill.

    python scripts/make_references.py          # regenerate every reference (make references)
    python scripts/make_references.py NAME ... # only these

The references are what nbval re-executes and compares in `make test`; never edit
them by hand. A configuration whose data is missing under $GAE_DATA_DIR is
skipped with a message. Each run trains from scratch (a fresh model cache) with
progress bars off, so its printed outputs are the same on every run.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "tests" / "reference"
CONFIGS = {k: v for k, v in json.loads((REFERENCE_DIR / "configs.json").read_text()).items()
           if not k.startswith("_")}
RAW_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def missing_data(name: str) -> list:
    """The data folders a configuration needs that $GAE_DATA_DIR does not hold."""
    root = os.environ.get("GAE_DATA_DIR")
    return [folder for folder in CONFIGS[name]["needs"]
            if not root or not all((Path(root) / folder / "raw" / f).is_file() for f in RAW_FILES)]


def execute(name: str, output_notebook, output_dir, cwd, cache_dir) -> None:
    """Execute configuration ``name`` with papermill; raises on the first failing cell."""
    import papermill

    if os.environ.get("GAE_DATA_DIR"):  # the kernel runs in another folder
        os.environ["GAE_DATA_DIR"] = str(Path(os.environ["GAE_DATA_DIR"]).resolve())
    os.environ["GAE_CACHE_DIR"] = str(cache_dir)
    os.environ["TQDM_DISABLE"] = "1"
    config = CONFIGS[name]
    papermill.execute_notebook(
        str(ROOT / "notebooks" / config["notebook"]), str(output_notebook),
        parameters={**config["parameters"], "output_dir": str(output_dir)},
        cwd=str(cwd), progress_bar=False, kernel_name="python3")


def make_reference(name: str) -> Path:
    import nbformat

    target = REFERENCE_DIR / f"{name}.ipynb"
    with tempfile.TemporaryDirectory() as cache:
        tmp = REFERENCE_DIR / f".{name}.tmp.ipynb"
        try:
            execute(name, tmp, output_dir=f"../../runs/reference/{name}", cwd=REFERENCE_DIR,
                    cache_dir=cache)
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
    names = (argv if argv is not None else sys.argv[1:]) or list(CONFIGS)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        print(f"Unknown configuration(s) {unknown}: choose from {list(CONFIGS)}", file=sys.stderr)
        return 2
    for name in names:
        missing = missing_data(name)
        if missing:
            print(f"skipped {name}: GAE_DATA_DIR does not hold {', '.join(missing)}")
            continue
        print(f"wrote {make_reference(name).relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

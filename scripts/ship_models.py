"""Train the models committed in models/ and record them in models/manifest.json (`make models`).

    python scripts/ship_models.py                    # judges, then the default models
    python scripts/ship_models.py --only judges      # the judges of digits, MNIST, Fashion-MNIST
    python scripts/ship_models.py --only defaults    # the walkthroughs' and the comparison's models

The judge of each dataset trains on all its labelled training images and is scored on its test
images. The default models are what the notebooks train with their default parameters: each
notebook runs once with papermill and a fresh model cache, and the models it trained are kept
(`models/<dataset>/walkthrough/autoencoder.pt`; the GMMs take seconds and are fitted in every run;
`models/<dataset>/gae_vs_vae/autoencoder.pt` and `vae.pt`, the comparison's pair of equal
budget, from 03_gae_vs_vae), with the parameters they depend on, so that `-p pretrained_dir
shipped` refuses a run whose parameters differ. Needs GAE_DATA_DIR for MNIST and Fashion-MNIST.
Every file is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gae_helpers.models import judge  # noqa: E402
from gae_helpers.models.checkpoint import load_model  # noqa: E402
from gae_helpers.data.datasets import load_dataset  # noqa: E402
from gae_helpers.run.report import software_stack  # noqa: E402
from gae_helpers.models.shipped import MANIFEST, manifest, models_dir, sha256  # noqa: E402
from gae_helpers.data.storage import atomic_path, write_json  # noqa: E402

TRAINING_PARAMETERS = ("dataset", "n_train", "validation_fraction", "architecture", "latent_dim",
                       "epochs", "batch_size", "learning_rate", "lr_schedule", "deform", "beta",
                       "seed")
JUDGE_DATASETS = ("digits", "mnist", "fashion-mnist")
DEFAULT_DATASETS = ("mnist", "fashion-mnist")
COMMAND = "make models"


def record(name: str, entry: dict) -> None:
    """Add or replace the manifest entry of ``name`` (a path relative to models/)."""
    entries = manifest()
    entries[name] = {**entry, "sha256": sha256(models_dir() / name)}
    write_json(models_dir() / MANIFEST, dict(sorted(entries.items())))


def ship_judge(dataset: str, seed: int = 0) -> None:
    data = load_dataset(dataset)
    started = time.perf_counter()
    trained = judge.train_or_load_judge(
        data.x_train, data.y_train, judge.JudgeConfig(data.image_shape, len(data.class_names)),
        seed=seed, use_cache=False, progress=False)
    seconds = time.perf_counter() - started
    accuracy = judge.accuracy(trained.model, data.x_test, data.y_test)
    target = models_dir() / dataset / "judge.pt"
    target.parent.mkdir(parents=True, exist_ok=True)
    from gae_helpers.models.checkpoint import save_model

    save_model(trained.model, target, trained.history)
    record(f"{dataset}/judge.pt", {
        "command": f"{COMMAND} (python scripts/ship_models.py --only judges)",
        "trained_on": f"all {len(data.y_train)} labelled training images of {dataset}",
        "test_accuracy": round(accuracy, 4), "train_seconds": round(seconds, 1),
        "epochs": len(trained.history), "seed": seed, "stack": software_stack()})
    print(f"{dataset} judge: test accuracy {accuracy:.4f}, trained in {seconds:.0f} s")


def run_notebook(notebook: str, parameters: dict, cache: Path, scratch: Path,
                 keep_in: Path | None = None) -> None:
    """Run a notebook with a fresh model cache; with ``keep_in``, keep the executed notebook,
    its figures and metrics.json there (the full default run that made the models)."""
    import papermill

    os.environ["GAE_CACHE_DIR"] = str(cache)
    os.environ["TQDM_DISABLE"] = "1"
    output = scratch / "run"
    if keep_in is not None:  # relative to notebooks/, as the committed runs show it
        shutil.rmtree(keep_in, ignore_errors=True)
        output = Path(os.path.relpath(keep_in.resolve(), ROOT / "notebooks"))
    papermill.execute_notebook(str(ROOT / "notebooks" / notebook), str(scratch / "run.ipynb"),
                               parameters={**parameters, "output_dir": str(output)},
                               cwd=str(ROOT / "notebooks"), progress_bar=False,
                               kernel_name="python3")
    if keep_in is not None:
        shutil.copy(scratch / "run.ipynb", keep_in / notebook)


def keep(cache: Path, kind: str, target: Path, entry: dict, run: Path) -> None:
    found = sorted(cache.glob(f"{kind}-*.pt"))
    if len(found) != 1:
        raise RuntimeError(f"expected one {kind} in {cache}, found {len(found)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        shutil.copy(found[0], tmp)
    model, history = load_model(target)
    parameters = json.loads((run / "metrics.json").read_text())["parameters"]
    record(str(target.relative_to(models_dir())), {
        **entry, "parameters": {k: parameters[k] for k in TRAINING_PARAMETERS if k in parameters},
        "config": model.config.to_dict(), "epochs": len(history),
        "final_loss": round(history[-1], 5), "stack": software_stack()})
    print(f"kept {target.relative_to(ROOT)}")


def ship_defaults(dataset: str, runs: Path | None = None,
                  notebooks=("walkthrough", "gae_vs_vae")) -> None:
    if "walkthrough" in notebooks:
        ship_walkthrough(dataset, runs)
    if "gae_vs_vae" in notebooks:
        ship_comparison(dataset, runs)


def ship_walkthrough(dataset: str, runs: Path | None) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        started = time.perf_counter()
        run_notebook("walkthrough.ipynb", {"dataset": dataset}, scratch / "cache", scratch,
                     runs / dataset if runs else None)
        keep(scratch / "cache", "autoencoder",
             models_dir() / dataset / "walkthrough" / "autoencoder.pt",
             {"command": f"{COMMAND} (the walkthrough's defaults, -p dataset {dataset})",
              "notebook_seconds": round(time.perf_counter() - started, 1)},
             runs / dataset if runs else scratch / "run")


def ship_comparison(dataset: str, runs: Path | None) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        started = time.perf_counter()
        run_notebook("03_gae_vs_vae.ipynb", {"dataset": dataset}, scratch / "cache", scratch,
                     runs / f"gae-vs-vae-{dataset}" if runs else None)
        entry = {"command": f"{COMMAND} (03_gae_vs_vae's defaults, -p dataset {dataset})",
                 "notebook_seconds": round(time.perf_counter() - started, 1)}
        for kind in ("autoencoder", "vae"):
            keep(scratch / "cache", kind, models_dir() / dataset / "gae_vs_vae" / f"{kind}.pt",
                 entry, runs / f"gae-vs-vae-{dataset}" if runs else scratch / "run")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["judges", "defaults"], default=None)
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--notebooks", nargs="+", default=["walkthrough", "gae_vs_vae"],
                        choices=["walkthrough", "gae_vs_vae"])
    parser.add_argument("--runs", type=Path, default=None,
                        help="keep the notebook runs that made the models here (as make reproduce "
                             "lays them out)")
    args = parser.parse_args(argv)
    if args.only in (None, "judges"):
        for dataset in args.datasets or JUDGE_DATASETS:
            ship_judge(dataset)
    if args.only in (None, "defaults"):
        for dataset in args.datasets or DEFAULT_DATASETS:
            ship_defaults(dataset, args.runs, args.notebooks)
    return 0


if __name__ == "__main__":
    sys.exit(main())

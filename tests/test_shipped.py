"""The models committed in models/: every file recorded with its hash, only what takes long to
train (the judges, autoencoders and VAEs; mixtures are fitted in every run), and a shipped run
that trains nothing."""

import json
from pathlib import Path

import pytest

from gae_helpers.models.shipped import MANIFEST, manifest, models_dir, sha256

ROOT = Path(__file__).resolve().parents[1]


def test_every_shipped_file_is_in_the_manifest_with_its_hash():
    entries = manifest()
    files = {p.relative_to(models_dir()).as_posix() for p in models_dir().rglob("*")
             if p.is_file() and p.name != MANIFEST}
    assert files == set(entries)
    for name in files:
        assert sha256(models_dir() / name) == entries[name]["sha256"], name
    assert {Path(name).suffix for name in files} == {".pt"}  # no fitted mixture is shipped


def test_a_shipped_run_trains_and_fits_nothing(tmp_path):
    """`-p pretrained_dir shipped` on MNIST: every trained model comes from models/, so the
    model cache stays empty (a model trained would be cached there); the mixtures are fitted."""
    from references import data_dir_with, execute_notebook

    if data_dir_with("MNIST") is None:
        pytest.skip("GAE_DATA_DIR does not hold MNIST (set GAE_DATA_DIR to a folder with the "
                    "torchvision datasets, e.g. ../shared/data)")
    execute_notebook("walkthrough.ipynb", tmp_path / "run.ipynb", cwd=tmp_path,
                     cache_dir=tmp_path / "cache",
                     parameters={"dataset": "mnist", "pretrained_dir": "shipped",
                                 "output_dir": str(tmp_path / "run")})
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["accuracy_test"] >= 0.98

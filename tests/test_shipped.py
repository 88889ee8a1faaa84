"""The models committed in models/: every file recorded with its hash, and the walkthrough's
shipped GMMs fitted with the walkthrough's default settings (else `-p pretrained_dir shipped`
would quietly refit them)."""

import ast
import json
from pathlib import Path

import papermill
import pytest

from sklearn.mixture import GaussianMixture

from gae_helpers.mixtures.classifier import GMMClassifier
from gae_helpers.mixtures.cache import read_entry
from gae_helpers.models.shipped import MANIFEST, manifest, models_dir, sha256

ROOT = Path(__file__).resolve().parents[1]
GMMS = {"class_gmms": "n_components", "class_gmms_same_codes": "n_components",
        "post_gmms": "post_n_components"}


def test_every_shipped_file_is_in_the_manifest_with_its_hash():
    entries = manifest()
    files = {p.relative_to(models_dir()).as_posix() for p in models_dir().rglob("*")
             if p.is_file() and p.name != MANIFEST}
    assert files == set(entries)
    for name in files:
        assert sha256(models_dir() / name) == entries[name]["sha256"], name


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_the_shipped_gmms_have_the_walkthrough_defaults(dataset):
    defaults = {name: ast.literal_eval(p["default"]) for name, p in papermill.inspect_notebook(
        str(ROOT / "notebooks" / "walkthrough.ipynb")).items()
        if name in ("n_components", "post_n_components", "reg_covar", "covariance_type",
                    "em_tol", "seed")}
    folder = models_dir() / dataset / "walkthrough"
    for name, components in GMMS.items():
        _, model = read_entry(folder / f"{name}.npz", GMMClassifier())
        assert (model.n_components, model.reg_covar, model.covariance_type, model.tol,
                model.random_state) \
            == (defaults[components], defaults["reg_covar"], defaults["covariance_type"],
                defaults["em_tol"], defaults["seed"]), name
        assert list(model.classes_) == list(range(10))
    _, single = read_entry(folder / "single_gmm.npz", GaussianMixture())
    assert (single.n_components, single.reg_covar, single.tol) == (
        defaults["n_components"] * 10, defaults["reg_covar"], defaults["em_tol"])


def test_a_shipped_run_trains_and_fits_nothing(tmp_path):
    """`-p pretrained_dir shipped` on MNIST: every model and GMM comes from models/, so the
    model cache stays empty (a GMM refitted would be cached there)."""
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

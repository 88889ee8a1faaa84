import os
import tempfile
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]

# Notebook kernels (papermill's and nbval's) inherit these: they run in other folders, must
# not touch the user's model cache, and print no progress bars.
if os.environ.get("GAE_DATA_DIR"):
    os.environ["GAE_DATA_DIR"] = str(Path(os.environ["GAE_DATA_DIR"]).resolve())
os.environ["GAE_CACHE_DIR"] = tempfile.mkdtemp(prefix="gae-test-cache-")
# A matplotlib font cache of its own: a shared ~/.cache/matplotlib written by another environment
# (since deleted) makes every kernel print "findfont" warnings, which nbval reads as output.
os.environ["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="gae-test-matplotlib-")
os.environ["TQDM_DISABLE"] = "1"

from references import data_dir_with, missing_data  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """nbval's reference notebooks that read MNIST or Fashion-MNIST need GAE_DATA_DIR."""
    for item in items:
        path = Path(str(item.fspath))
        if path.suffix == ".ipynb" and path.parent.name == "reference":
            missing = missing_data(path.stem)
            if missing:
                item.add_marker(pytest.mark.skip(
                    reason=f"GAE_DATA_DIR does not hold {', '.join(missing)} (set it to a folder "
                           f"with the torchvision datasets, e.g. ../shared/data)"))


def requires_data(folder):
    return pytest.mark.skipif(
        data_dir_with(folder) is None,
        reason=f"set GAE_DATA_DIR to a folder holding {folder}/raw/ (e.g. ../shared/data) "
               f"to run this test")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Every test trains into a cache of its own, never the user's ~/.cache/gae."""
    monkeypatch.setenv("GAE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TQDM_DISABLE", "1")


@pytest.fixture(scope="session")
def digits():
    from gae_helpers.data.datasets import load_dataset

    return load_dataset("digits", n_train=400, n_test=100, seed=0)

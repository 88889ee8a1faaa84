"""Headless papermill runs of every notebook with small parameters, and the checks that keep
the nbval references in tests/reference/ honest (nbval itself re-executes those references:
see pyproject.toml's pytest options)."""

import ast
import re
import sys
import time

import nbformat
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_notebooks  # noqa: E402
import make_references  # noqa: E402
from gae_helpers.report import load_metrics, without_timings  # noqa: E402

CONFIGS = make_references.CONFIGS
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REQUIRED_METRICS = ["dataset", "accuracy_train", "accuracy_test", "reject_rate_test",
                    "seconds_total", "parameters"]


def skip_without_data(name):
    missing = make_references.missing_data(name)
    if missing:
        pytest.skip(f"GAE_DATA_DIR does not hold {', '.join(missing)} (set GAE_DATA_DIR to a "
                    f"folder with the torchvision datasets, e.g. ../shared/data)")


def parameter_names(nb):
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return [node.target.id if isinstance(node, ast.AnnAssign) else node.targets[0].id
            for node in ast.parse(cell.source).body]


@pytest.mark.parametrize("name", CONFIGS)
def test_notebook_runs_headless(name, tmp_path):
    skip_without_data(name)
    started = time.perf_counter()
    make_references.execute(name, tmp_path / "executed.ipynb", output_dir=tmp_path / "run",
                            cwd=tmp_path, cache_dir=tmp_path / "cache")
    seconds = time.perf_counter() - started
    metrics = load_metrics(tmp_path / "run" / "metrics.json")
    assert all(key in metrics for key in REQUIRED_METRICS)
    assert metrics["dataset"] == CONFIGS[name]["parameters"].get(
        "dataset", {"01_mnist.ipynb": "mnist"}.get(CONFIGS[name]["notebook"], "fashion-mnist"))
    assert 0.5 < metrics["accuracy_test"] <= 1 and 0 <= metrics["reject_rate_test"] < 0.5
    nb = nbformat.read(ROOT / "notebooks" / CONFIGS[name]["notebook"], as_version=4)
    assert sorted(metrics["parameters"]) == sorted(parameter_names(nb))
    figures = list((tmp_path / "run").glob("*.png"))
    assert len(figures) >= 12
    print(f"{name}: {seconds:.0f} s")


@pytest.mark.parametrize("name", CONFIGS)
def test_reference_matches_the_notebook_code(name):
    reference = ROOT / "tests" / "reference" / f"{name}.ipynb"
    assert reference.is_file(), f"{reference} is missing: regenerate it with `make references`"
    notebook = ROOT / "notebooks" / CONFIGS[name]["notebook"]
    ours = build_notebooks.code_sources(nbformat.read(notebook, as_version=4))
    theirs = build_notebooks.code_sources(nbformat.read(reference, as_version=4))
    assert ours == theirs, (f"{reference.name} was made from other code than {notebook.name}: "
                            f"regenerate it with `make references`")


def test_reference_parameters_match_configs():
    for name, config in CONFIGS.items():
        nb = nbformat.read(ROOT / "tests" / "reference" / f"{name}.ipynb", as_version=4)
        injected = next(c for c in nb.cells
                        if "injected-parameters" in c.metadata.get("tags", []))
        values = {node.targets[0].id: ast.literal_eval(node.value)
                  for node in ast.parse(injected.source).body}
        values.pop("output_dir")
        assert values == config["parameters"], (
            f"{name}: reference made with other parameters: run `make references`")


def test_same_seed_same_metrics(tmp_path):
    runs = []
    for attempt in ("a", "b"):
        make_references.execute("01_mnist-digits", tmp_path / f"{attempt}.ipynb",
                                output_dir=tmp_path / attempt, cwd=tmp_path,
                                cache_dir=tmp_path / f"cache-{attempt}")
        metrics = load_metrics(tmp_path / attempt / "metrics.json")
        assert metrics["autoencoder_from_cache"] is False
        runs.append(without_timings({**metrics, "parameters": None}))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin_and_parameterised(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [c.source for c in code if re.search(r"^\s*(def|class)\s", c.source, re.M)]
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for line in tagged[0].source.splitlines():
        assert re.match(r"^\w+(: [^=]+)? = .+  # \S", line), f"parameter without comment: {line}"
    assert path.stat().st_size < 4 * 2**20


def test_notebooks_match_their_template():
    assert build_notebooks.main(["--check"]) == 0, (
        "notebooks/ differs from scripts/build_notebooks.py: run `make notebooks`")


def test_the_autoencoder_never_sees_labels():
    nb = nbformat.read(ROOT / "notebooks" / "01_mnist.ipynb", as_version=4)
    training = next(c.source for c in nb.cells if "train_or_load(" in c.source)
    assert "data.x_train" in training and "y_train" not in training and "y_test" not in training

"""Headless papermill runs of every notebook with small parameters (training from scratch,
checked with tolerances), and the checks that keep the notebooks, their paired scripts and the
nbval references in tests/reference/ honest. nbval itself re-executes those references: see
pyproject.toml's pytest options."""

import ast
import re

import jupytext
import nbformat
import pytest
from conftest import ROOT
from references import CONFIGS, code_sources, execute, missing_data

from gae_helpers.run.report import load_metrics, without_timings

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# Sources are edited (jupytext pairs); runs are what papermill made of a source, for readers.
SOURCES = [ROOT / "notebooks" / name for name in ("walkthrough.ipynb", "03_gae_vs_vae.ipynb")]
RUNS = {"01_mnist.ipynb": ("walkthrough.ipynb", "mnist"),
        "02_fashion_mnist.ipynb": ("walkthrough.ipynb", "fashion-mnist")}
REQUIRED_METRICS = {
    "01": ["dataset", "accuracy_train", "accuracy_test", "reject_rate_test", "judge_accuracy_test",
           "samples", "ece_test", "ece_test_calibrated", "ood_auroc", "reject_rate_noise",
           "stack", "seconds_total", "parameters"],
    "03": ["dataset", "models", "samples", "judge_accuracy_test", "stack", "seconds_total",
           "parameters"],
}


def skip_without_data(name):
    missing = missing_data(name)
    if missing:
        pytest.skip(f"GAE_DATA_DIR does not hold {', '.join(missing)} (set GAE_DATA_DIR to a "
                    f"folder with the torchvision datasets, e.g. ../shared/data)")


def parameter_names(nb):
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return [node.target.id for node in ast.parse(cell.source).body]


@pytest.mark.parametrize("name", CONFIGS)
def test_notebook_runs_headless(name, tmp_path):
    skip_without_data(name)
    execute(name, tmp_path / "executed.ipynb", output_dir=tmp_path / "run", cwd=tmp_path,
            cache_dir=tmp_path / "cache")
    metrics = load_metrics(tmp_path / "run" / "metrics.json")
    notebook = CONFIGS[name]["notebook"]
    required = REQUIRED_METRICS["03" if notebook.startswith("03") else "01"]
    assert [key for key in required if key not in metrics] == []
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    assert sorted(metrics["parameters"]) == sorted(parameter_names(nb))
    assert len(list((tmp_path / "run").glob("*.png"))) >= (4 if notebook.startswith("03") else 10)
    # Training differs between torch releases, CPUs and arithmetic: floors measured on both
    # training paths and several CPU kinds, minus a margin (configs.json's "floors").
    floors = CONFIGS[name]["floors"]
    for model in metrics.get("models", {"ae": metrics}).values():
        assert model["accuracy_test"] >= floors["accuracy_test"]
    assert metrics["judge_accuracy_test"] >= floors["judge_accuracy_test"]
    samples = metrics["samples"]
    class_gmms = "class_gmms" if "class_gmms" in samples else "ae_class_gmms"
    assert samples[class_gmms]["judge_agreement"] >= floors["judge_agreement"]
    assert samples[class_gmms]["frechet_distance"] <= floors["frechet_distance_max"]
    for scores in samples.values():
        assert scores["frechet_distance"] >= 0 and scores["frechet_sd"] >= 0
    assert samples["real images"]["frechet_distance"] < samples[class_gmms]["frechet_distance"]
    if "reject_rate_test" in metrics:
        low, high = floors["reject_rate_test"]
        assert low <= metrics["reject_rate_test"] <= high
        assert metrics["ece_test_calibrated"] <= floors["ece_test_calibrated_max"]


@pytest.mark.parametrize("name", CONFIGS)
def test_reference_matches_the_notebook_code(name):
    reference = ROOT / "tests" / "reference" / f"{name}.ipynb"
    assert reference.is_file(), f"{reference} is missing: regenerate it with `make references`"
    notebook = ROOT / "notebooks" / CONFIGS[name]["notebook"]
    ours = code_sources(nbformat.read(notebook, as_version=4))
    theirs = code_sources(nbformat.read(reference, as_version=4))
    assert ours == theirs, (f"{reference.name} was made from other code than {notebook.name}: "
                            f"regenerate it with `make references`")


@pytest.mark.parametrize("name", CONFIGS)
def test_reference_runs_on_committed_models(name):
    nb = nbformat.read(ROOT / "tests" / "reference" / f"{name}.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    values = {node.targets[0].id: ast.literal_eval(node.value)
              for node in ast.parse(injected.source).body}
    assert values.pop("pretrained_dir") == f"models/{name}"
    values.pop("output_dir")
    assert values == CONFIGS[name]["parameters"], (
        f"{name}: reference made with other parameters: run `make references`")
    models = ROOT / "tests" / "reference" / "models" / name
    # the judge is the config's own (digits) or the shipped instrument (models/<dataset>/judge.pt)
    assert (models / "autoencoder.pt").is_file()


def test_same_seed_same_metrics(tmp_path):
    runs = []
    for attempt in ("a", "b"):
        execute("walkthrough-digits", tmp_path / f"{attempt}.ipynb", output_dir=tmp_path / attempt,
                cwd=tmp_path, cache_dir=tmp_path / f"cache-{attempt}")
        metrics = load_metrics(tmp_path / attempt / "metrics.json")
        assert metrics["autoencoder_source"] == "trained"
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
        assert re.match(r"^\w+: [^=]+ = .+  # \S", line), f"parameter without comment: {line}"
    assert path.stat().st_size < 4 * 2**20
    assert nb.metadata["kernelspec"] == {"display_name": "Python 3 (ipykernel)",
                                         "language": "python", "name": "python3"}


def test_every_notebook_is_a_source_or_a_run_of_one():
    assert sorted(p.name for p in NOTEBOOKS) == sorted([p.name for p in SOURCES] + list(RUNS))


@pytest.mark.parametrize("run_name", RUNS)
def test_committed_run_follows_its_source(run_name):
    source, dataset = RUNS[run_name]
    run = nbformat.read(ROOT / "notebooks" / run_name, as_version=4)
    src = nbformat.read(ROOT / "notebooks" / source, as_version=4)

    def split(nb):
        cells = [c for c in nb.cells if c.cell_type == "code"]
        params = [c.source for c in cells if "parameters" in c.metadata.get("tags", [])]
        return params, [c.source for c in cells if "parameters" not in c.metadata.get("tags", [])]

    (run_params,), run_code = split(run)
    (src_params,), src_code = split(src)
    assert run_code == src_code, (
        f"{run_name} was run from other code than {source}: regenerate it with `make notebooks`")
    # The run's values are folded into its parameters cell (no injected cell overrides what a
    # reader edits there): the same parameters, comments and order, the run's dataset.
    assert not [c for c in run.cells if "injected-parameters" in c.metadata.get("tags", [])]
    names = [[line.split("=")[0], line.split("  # ")[-1]] for line in src_params.splitlines()]
    assert [[line.split("=")[0], line.split("  # ")[-1]] for line in run_params.splitlines()] \
        == names
    assert f'dataset: str = "{dataset}"' in [line.split("  # ")[0] for line in
                                              run_params.splitlines()]
    assert "jupytext" not in run.metadata, f"{run_name} is a run, not a jupytext pair"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_notebook_and_its_paired_script_agree(path):
    script = path.with_suffix(".py")
    assert script.is_file(), f"{script.name} is missing: run `make sync`"
    ours, theirs = jupytext.read(path), jupytext.read(script)
    assert [(c.cell_type, c.source) for c in ours.cells] == \
        [(c.cell_type, c.source) for c in theirs.cells], (
        f"{path.name} and {script.name} differ: run `make sync` (the newer one wins)")


def test_the_autoencoder_never_sees_labels():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for call in re.findall(r"train_or_load_(?:autoencoder|vae)\(([^)]*)\)", cell.source):
                assert "x_train" in call and "y_" not in call, f"{path.name}: {call}"

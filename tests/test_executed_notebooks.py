"""scripts/executed_notebooks.py: what make notebooks does to a run before readers open it."""

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from executed_notebooks import clean_executed_notebook, fold_parameters  # noqa: E402


def test_fold_parameters_writes_the_injected_values_into_their_lines():
    cell = 'dataset: str = "mnist"  # which\nseed: int = 0  # seeds all'
    folded = fold_parameters(cell, '# Parameters\ndataset = "fashion-mnist"\n')
    assert folded == 'dataset: str = "fashion-mnist"  # which\nseed: int = 0  # seeds all'
    with pytest.raises(ValueError, match=r"\['other'\] have no line"):
        fold_parameters(cell, "other = 1\n")


def test_clean_unpairs_and_folds(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"widgets": {}, "papermill": {}, "jupytext": {}})
    nb.cells = [nbformat.v4.new_code_cell("seed: int = 0  # s", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("seed = 3", metadata={"tags": ["injected-parameters"]}),
                nbformat.v4.new_code_cell("print(seed)", metadata={"tags": []})]
    path = tmp_path / "run.ipynb"
    nbformat.write(nb, str(path))
    clean_executed_notebook(path, unpair=True)
    cleaned = nbformat.read(str(path), as_version=4)
    assert not {"widgets", "papermill", "jupytext"} & set(cleaned.metadata)
    assert [c.source for c in cleaned.cells] == ["seed: int = 3  # s", "print(seed)"]
    assert "tags" not in cleaned.cells[1].metadata

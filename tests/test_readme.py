"""The README's figures come from committed results (issue: traceable claims).

* Every generated block of README.md is what scripts/summarise_runs.py writes from results/.
* Changing one figure in a committed result changes a block, so the check fails.
* Every decimal figure outside the blocks is found in a committed result, a committed
  notebook's output, docs/search.md or models/manifest.json, or is one of the figures quoted
  from elsewhere (the post's), listed here.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESULTS = ROOT / "results"
# Quoted, not measured here: the post's test accuracies and the accuracy targets of the search.
QUOTED = {"0.9766", "0.8538", "0.990", "0.900", "0.9816", "0.8776"}

pytestmark = pytest.mark.skipif(not (RESULTS / "mnist" / "metrics.json").is_file(),
                                reason="no committed results (results/mnist/metrics.json)")


def summarise():
    spec = importlib.util.spec_from_file_location("summarise_runs",
                                                  ROOT / "scripts" / "summarise_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_blocks_are_what_the_results_give():
    s = summarise()
    text = README.read_text()
    assert s.fill(text, s.render(RESULTS)) == text, (
        "README.md's generated blocks differ from results/: run "
        "`python scripts/summarise_runs.py readme` (or `make results` to remake the runs)")


def test_a_changed_result_fails_the_check(tmp_path):
    s = summarise()
    copy = tmp_path / "results"
    shutil.copytree(RESULTS, copy)
    path = copy / "mnist" / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["accuracy_test"] = round(metrics["accuracy_test"] - 0.0123, 4)
    path.write_text(json.dumps(metrics))
    text = README.read_text()
    assert s.fill(text, s.render(copy)) != text


NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?!\w|\.\d)")


def _sources() -> tuple:
    """(the number tokens printed in committed text, the numbers stored in committed JSON)."""
    texts, values = [], []

    def walk(obj):
        if isinstance(obj, float):
            values.append(obj)
        elif isinstance(obj, dict):
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)
        elif isinstance(obj, str):
            texts.append(obj)

    for path in list(RESULTS.rglob("*.json")) + [ROOT / "models" / "manifest.json"]:
        walk(json.loads(path.read_text()))
    texts += [p.read_text() for p in RESULTS.rglob("*.txt")]
    texts += [(ROOT / "docs" / "search.md").read_text(), (ROOT / "pyproject.toml").read_text()]
    for nb in list((ROOT / "notebooks").glob("*.ipynb")) + list(RESULTS.rglob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            for out in cell.get("outputs", []):
                texts.append("".join(out.get("text", "")))
                texts.append("".join(out.get("data", {}).get("text/plain", "")))
    tokens = {t.lstrip("-") for text in texts for t in NUMBER.findall(text)}
    tokens |= {t for text in texts for t in re.findall(r"\d+\.\d+", text)}  # in versions
    return tokens, values


def _found(figure: str, tokens: set, values: list) -> bool:
    """Printed as such somewhere, or a stored number that rounds to it."""
    if figure in tokens:
        return True
    digits = len(figure.split(".")[1])
    return any(f"{abs(v):.{digits}f}" == figure for v in values)


def test_every_decimal_figure_outside_the_blocks_has_a_committed_source():
    text = re.sub(r"<!-- BEGIN ([a-z-]+) -->.*?<!-- END \1 -->", "", README.read_text(),
                  flags=re.S)
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # commands, not figures
    tokens, values = _sources()
    # a figure ends at a space or a full stop, not inside a version such as 2.14.1
    missing = sorted({f for f in re.findall(r"(?<![\w.])\d+\.\d+(?!\w|\.\d)", text)
                      if f not in QUOTED and not _found(f, tokens, values)})
    assert not missing, f"README figures found in no committed result: {missing}"

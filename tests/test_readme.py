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


def _sources() -> str:
    parts = [p.read_text() for p in RESULTS.rglob("*") if p.is_file()
             and p.suffix in (".json", ".txt")]
    parts += [(ROOT / "docs" / "search.md").read_text(),
              (ROOT / "models" / "manifest.json").read_text(),
              (ROOT / "pyproject.toml").read_text()]
    for nb in list((ROOT / "notebooks").glob("*.ipynb")) + list(RESULTS.rglob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            for out in cell.get("outputs", []):
                parts.append("".join(out.get("text", "")))
                parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_every_decimal_figure_outside_the_blocks_has_a_committed_source():
    text = re.sub(r"<!-- BEGIN ([a-z-]+) -->.*?<!-- END \1 -->", "", README.read_text(),
                  flags=re.S)
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # commands, not figures
    sources = _sources()
    missing = sorted({f for f in re.findall(r"(?<![\w.])\d+\.\d+(?![\w.])", text)
                      if f not in QUOTED and f not in sources})
    assert not missing, f"README figures found in no committed result: {missing}"

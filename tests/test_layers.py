"""The package's layers and import rules (pyproject.toml's [tool.importlinter] contracts).

* import-linter's contracts hold: each layer imports only the layers below it, and the
  mixtures, their calibration and the file helpers never import torch.
* No module imports a private name of another, and no gae_helpers module is imported inside a
  function (where such an import would hide a cycle from the contracts' reader).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gae_helpers"


def test_the_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) \
        or shutil.which("lint-imports")
    if lint is None:
        pytest.fail("lint-imports (import-linter) is not installed: `make install` installs it")
    done = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def _imports(path: Path):
    """(node, inside a function?) for every import in ``path``."""
    tree = ast.parse(path.read_text())
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, id(node) in inside


def _package_import(node) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").startswith("gae_helpers")
    return any(alias.name.startswith("gae_helpers") for alias in node.names)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_private_names_across_modules_and_no_imports_inside_functions(path):
    for node, in_function in _imports(path):
        if not _package_import(node):
            continue
        assert not in_function, f"{path.name}:{node.lineno} imports gae_helpers in a function"
        names = [alias.name for alias in node.names]
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        assert not private, f"{path.name}:{node.lineno} imports private names {private}"

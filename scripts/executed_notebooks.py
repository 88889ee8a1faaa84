"""Post-processing of executed notebooks for readers and for the test references (used by
``make notebooks``, ``scripts/summarise_runs.py`` and ``tests/references.py``; never by a
notebook run).

    python scripts/executed_notebooks.py clean [--unpair | --source] NOTEBOOK...
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from gae_helpers.data.storage import atomic_path  # noqa: E402


def fold_parameters(cell: str, injected: str) -> str:
    r"""The parameters cell ``cell`` with each value that papermill's injected cell set
    written into its line (the type annotation and the comment kept).

    Examples
    --------
    >>> cell = 'dataset: str = "mnist"  # which\nseed: int = 0  # seeds all'
    >>> print(fold_parameters(cell, '# Parameters\ndataset = "fashion-mnist"\n'))
    dataset: str = "fashion-mnist"  # which
    seed: int = 0  # seeds all
    """
    values = {}
    for node in ast.parse(injected).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = ast.get_source_segment(injected, node.value)
    lines = cell.splitlines()
    seen = set()
    for i, line in enumerate(lines):
        match = re.match(r"^(?P<name>\w+)(?P<annotation>\s*:[^=]*)?=\s*", line)
        if match and match["name"] in values:
            rest = line[match.end():]
            tree = None
            for cut in [m.start() for m in re.finditer("#", rest)] + [len(rest)]:
                try:
                    tree = ast.parse(rest[:cut].strip())
                    break
                except SyntaxError:
                    continue
            comment = rest[cut:].strip() if tree is not None else ""
            lines[i] = f"{line[:match.end()]}{values[match['name']]}" + \
                (f"  {comment}" if comment else "")
            seen.add(match["name"])
    unknown = set(values) - seen
    if unknown:
        raise ValueError(f"The injected parameters {sorted(unknown)} have no line in the "
                         f"parameters cell.")
    return "\n".join(lines)


def clean_executed_notebook(path, unpair: bool = False, source: bool = False) -> Path:
    """Drop what a headless run saves that readers do not need, in place (atomically): the
    widget state papermill keeps in the notebook's metadata (static viewers would try to
    render widgets from it instead of showing each explorer's still image), papermill's
    timing metadata and the empty tag lists it adds to every cell. ``unpair`` also drops the
    jupytext pairing, for a run of the walkthrough source that is not a source itself, and
    folds papermill's injected-parameters cell into the parameters cell (the run's values
    written there). ``source`` drops the injected cell: a run kept as the source
    (03_gae_vs_vae, run with its defaults) keeps its parameters cell as written. Otherwise
    (the test references) the injected cell stays: it records what the reference ran with.
    """
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    if unpair:
        nb.metadata.pop("jupytext", None)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    if injected and unpair:
        # A run for readers: fold the run's values into the parameters cell, so that a reader
        # who edits that cell and runs all gets what they edited (no later cell overrides it).
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        cell.source = fold_parameters(cell.source, injected[0].source)
    if unpair or source:
        nb.cells = [c for c in nb.cells
                    if "injected-parameters" not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if not cell.metadata.get("tags", True):  # papermill adds empty tag lists
            cell.metadata.pop("tags")
    with atomic_path(path) as tmp:
        nbformat.write(nb, str(tmp))
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["clean"])
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--unpair", action="store_true", help="a run for readers")
    how.add_argument("--source", action="store_true", help="a run kept as the source")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        clean_executed_notebook(path, unpair=args.unpair, source=args.source)


if __name__ == "__main__":
    main()

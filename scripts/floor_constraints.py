"""Print a pip constraints file that pins every direct dependency of pyproject.toml to its floor.

`make test-floors` installs the project with it (``pip install -c floors.txt -e '.[dev]'``),
so the suite runs on the oldest versions the project says it supports: the same choice as
uv's ``--resolution lowest-direct``, made by pip (which takes torch and torchvision from the
machine's disk where they lie there). Transitive dependencies are left to pip.

Every runtime requirement and every optional one (the ``notebooks`` and ``dev`` extras) needs
a floor (``>=``); the project's own extras (``gae-helpers[notebooks]``) are skipped.

    python scripts/floor_constraints.py [pyproject.toml] > floors.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*(;.*)?$")


def floors(pyproject) -> dict:
    """``{name: floor}`` of every direct requirement, in the order pyproject.toml lists them."""
    project = tomllib.loads(Path(pyproject).read_text())["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    self_name = re.sub(r"[-_.]+", "-", project["name"]).lower()
    out = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        if not match:
            raise ValueError(f"cannot read the requirement {requirement!r}")
        name, _, spec, _ = match.groups()
        if re.sub(r"[-_.]+", "-", name).lower() == self_name:
            continue
        floor = re.search(r">=\s*([0-9][0-9A-Za-z.]*)", spec or "")
        if floor is None:
            raise ValueError(f"{requirement!r} has no floor (>=): give it one")
        out.setdefault(name, floor.group(1))
    return out


def main(argv) -> int:
    pyproject = argv[1] if len(argv) > 1 else ROOT / "pyproject.toml"
    print(f"# The floors of {Path(pyproject).name}'s direct dependencies "
          f"(scripts/floor_constraints.py).")
    for name, version in floors(pyproject).items():
        print(f"{name}=={version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

import re
import tomllib

import yaml

from conftest import ROOT


def test_environment_yml_installs_what_pyproject_asks_for():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert '-e ".[dev]"' in pip_section or "-e .[dev]" in pip_section
    dev = " ".join(project["project"]["optional-dependencies"]["dev"])
    assert "gae-helpers[notebooks]" in dev
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    minimum = re.search(r">=(\d+\.\d+)", project["project"]["requires-python"]).group(1)
    assert tuple(map(int, python.split("=")[1].split("."))) >= tuple(map(int, minimum.split(".")))


def test_every_pin_in_environment_yml_says_why():
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if re.match(r"\s*- [a-z].*[=<>]", line):
            assert "#" in line, f"pin without a reason: {line.strip()}"


def test_required_dependencies_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = " ".join(project["project"]["dependencies"]
                        + sum(project["project"]["optional-dependencies"].values(), []))
    for name in ["torch", "torchvision", "scikit-learn", "matplotlib", "tqdm", "jupyterlab",
                 "ipykernel", "papermill", "nbval", "pytest"]:
        assert re.search(rf"(^|\s|\"){re.escape(name)}[><=\[ ]", declared + " "), name

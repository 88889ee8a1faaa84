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


def _floor(requirement):
    return tuple(int(p) for p in re.search(r">=\s*([\d.]+)", requirement).group(1).split("."))


def test_declared_floors_cover_the_features_the_code_uses():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    sklearn = next(d for d in project["dependencies"] if d.startswith("scikit-learn"))
    package = " ".join(p.read_text() for p in (ROOT / "gae_helpers").rglob("*.py"))
    assert "validate_data" in package  # the package is read, subpackages included
    tests = " ".join(p.read_text() for p in (ROOT / "tests").glob("*.py"))
    if "validate_data" in package or "ensure_all_finite" in package:
        assert _floor(sklearn) >= (1, 6), "validate_data and ensure_all_finite need 1.6"
    if 'method="temperature"' in package:
        assert _floor(sklearn) >= (1, 8), "CalibratedClassifierCV's temperature needs 1.8"
    deps = {re.split(r"[><=]", d)[0].strip(): d for d in project["dependencies"]}
    if _floor(sklearn) >= (1, 8):  # scikit-learn 1.8's own requirements
        assert _floor(deps["joblib"]) >= (1, 3) and _floor(deps["threadpoolctl"]) >= (3, 2)
    if "import tomllib" in tests:
        assert _floor(project["requires-python"]) >= (3, 11), "tomllib needs Python 3.11"


def test_the_license_pyproject_names_is_there():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_the_only_private_scikit_learn_names_are_its_parameter_constraints():
    """#34: no private scikit-learn hook, function or attribute is used for the maths. The
    parameter-constraint objects (sklearn.utils._param_validation), which scikit-learn-compatible
    libraries use widely, are the one exception; if scikit-learn moves them, this says so."""
    import ast
    import importlib

    used = {}
    for path in (ROOT / "gae_helpers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklearn"):
                private = node.module.split(".")[-1].startswith("_") or any(
                    a.name.startswith("_") for a in node.names)
                if private:
                    used.setdefault(node.module, set()).update(a.name for a in node.names)
    assert set(used) <= {"sklearn.utils._param_validation"}, used
    module = "sklearn.utils._param_validation"
    try:
        constraints = importlib.import_module(module)
        missing = [name for name in used.get(module, ()) if not hasattr(constraints, name)]
    except ImportError:
        missing = ["the module"]
    assert not missing, (f"scikit-learn moved its parameter-constraint objects ({missing} of "
                         f"{module}): find where they went (Interval, StrOptions, "
                         f"validate_params, ...) and update the imports in gae_helpers, or pin "
                         f"scikit-learn below this release in pyproject.toml.")

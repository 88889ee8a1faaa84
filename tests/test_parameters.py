"""The parameter check every notebook runs first, the dataset stories, and the documented
"Try this" commands."""

import ast
import re
import shlex

import nbformat
import pytest
from conftest import ROOT
from papermill.cli import _resolve_type  # how `papermill -p name value` reads a value

from gae_helpers.run.parameters import CHECKS, check_parameters, parse_pairs
from gae_helpers.run.stories import STORIES, story

SOURCES = {"walkthrough": ROOT / "notebooks" / "walkthrough.ipynb",
           "gae_vs_vae": ROOT / "notebooks" / "03_gae_vs_vae.ipynb"}


def defaults(path):
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {node.target.id: ast.literal_eval(node.value) for node in ast.parse(cell.source).body}


@pytest.mark.parametrize("notebook", SOURCES)
def test_every_parameter_of_every_notebook_has_a_check(notebook):
    assert set(defaults(SOURCES[notebook])) <= set(CHECKS)
    checked = check_parameters(defaults(SOURCES[notebook]), notebook=notebook)
    assert checked["latent_dim"] == 32 and checked["dataset"] == "mnist"


def test_dataset_defaults_fill_what_is_left_at_none():
    mnist = check_parameters(defaults(SOURCES["walkthrough"]))
    fashion = check_parameters({**defaults(SOURCES["walkthrough"]), "dataset": "fashion-mnist"})
    assert (mnist["other_dataset"], fashion["other_dataset"]) == ("fashion-mnist", "mnist")
    assert fashion["latent_dim"] == 48 and fashion["output_dir"] == "../runs/fashion-mnist"
    assert mnist["interpolation_pairs"] == [(1, 7), (3, 8), (4, 9)]
    ours = check_parameters({**defaults(SOURCES["walkthrough"]), "latent_dim": 2})
    assert ours["latent_dim"] == 2


@pytest.mark.parametrize("name, value, words", [
    ("samples_per_class", 0, "an int in the range [2, inf). Got 0"),
    ("n_generated", 1, "an int in the range [20, inf). Got 1"),
    ("dataset", "cifar", "'mnist'"),
    ("reject_quantile", 1.5, "a float in the range (0.0, 0.5). Got 1.5"),
    ("latent_dim", 2.5, "an int in the range [1, inf) or None"),
    ("epochs", True, "must be a number, got True"),
    ("n_components", 0, "-p n_components VALUE"),
    ("covariance_type", "ful", "'full'"),
    ("interpolation_pairs", "[[0, 12]]", "from 0 to 9"),
    ("interpolation_pairs", "1, 7", "pairs"),
    ("precision", "float16", "bfloat16"),
    ("pretrained_dir", "/no/such/folder", "shipped"),
    ("device", "tpu", "cuda"),
])
def test_a_bad_value_names_its_parameter_and_the_fix(name, value, words):
    with pytest.raises(ValueError, match=re.escape(name)) as caught:
        check_parameters({**defaults(SOURCES["walkthrough"]), name: value})
    assert words in str(caught.value)


def test_a_parameter_without_a_check_is_refused():
    with pytest.raises(ValueError, match="no_such_knob"):
        check_parameters({"no_such_knob": 1})


def test_pairs_come_as_lists_or_as_the_text_papermill_passes():
    assert parse_pairs("p", [(1, 7)]) == parse_pairs("p", "[[1, 7]]") == [(1, 7)]
    assert parse_pairs("p", _resolve_type("[[0, 6], [5, 3]]")) == [(0, 6), (5, 3)]


def documented_commands():
    """Every `-p name value ...` of a "Try this" line, in the notebook sources and stories."""
    texts = [c.source for path in SOURCES.values()
             for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
    texts += [line for tale in STORIES.values() for line in tale.tries.values()]
    commands = []
    for text in texts:
        for snippet in re.findall(r"`(-p [^`]+)`", text):
            words = shlex.split(snippet)
            assert len(words) % 3 == 0 and words[::3] == ["-p"] * (len(words) // 3), snippet
            commands.append({name: _resolve_type(value)
                             for name, value in zip(words[1::3], words[2::3])})
    return commands


def test_every_documented_command_passes_the_check():
    commands = documented_commands()
    assert len(commands) >= 10 and any("interpolation_pairs" in c for c in commands)
    for notebook, path in SOURCES.items():
        for command in commands:
            if set(command) <= set(defaults(path)):
                check_parameters({**defaults(path), **command}, notebook=notebook)


def test_every_dataset_has_its_story():
    assert set(STORIES) == {"digits", "mnist", "fashion-mnist"}
    for name, tale in STORIES.items():
        assert set(tale.tries) == set(STORIES["mnist"].tries)
        assert "Try this" in story(name).show("autoencoder").data
    with pytest.raises(KeyError, match="no_section"):
        story("mnist").show("no_section")


def test_a_preset_fills_only_what_is_left_at_none():
    base = defaults(SOURCES["walkthrough"])
    assert check_parameters(base)["deform"] == 0.0
    assert check_parameters({**base, "preset": "accurate"})["deform"] == 1.0
    assert check_parameters({**base, "preset": "accurate", "deform": 0.5})["deform"] == 0.5
    fashion = {**base, "dataset": "fashion-mnist", "preset": "accurate"}
    assert check_parameters(fashion)["deform"] == 0.0
    with pytest.raises(ValueError, match="preset"):
        check_parameters({**base, "preset": "fastest"})

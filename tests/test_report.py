import json

import numpy as np
import pytest

from gae_helpers.run.report import (Run, collect_parameters, load_metrics, pretrained_file,
                                show_table, software_stack, without_timings)


def test_run_writes_metrics_with_parameters_and_time(tmp_path):
    run = Run(tmp_path / "out", {"dataset": "digits", "seed": 0, "pairs": [(1, 7)]})
    run.metrics["accuracy_test"] = np.float64(0.5)
    run.metrics["entropy"] = {"0": np.float32(1.5)}
    run.metrics["missing"] = float("nan")
    path = run.save()
    metrics = json.loads(path.read_text())
    assert metrics["dataset"] == "digits" and metrics["accuracy_test"] == 0.5
    assert metrics["missing"] is None
    assert metrics["parameters"] == {"dataset": "digits", "seed": 0, "pairs": [[1, 7]]}
    assert metrics["seconds_total"] >= 0
    assert "seconds_total" not in without_timings(load_metrics(path))
    assert run.figure_path("kl") == tmp_path / "out" / "kl.png"


def test_the_stack_names_versions_device_and_precision(tmp_path, monkeypatch):
    monkeypatch.setenv("GAE_PRECISION", "float32")
    stack = software_stack("cpu")
    assert {"python", "torch", "torchvision", "scikit-learn", "numpy", "device", "device_name",
            "precision", "threads"} <= set(stack)
    assert stack["device"] == "cpu" and stack["precision"] == "float32"
    run = Run(tmp_path, {})
    assert "float32" in run.describe_stack("cpu") and run.metrics["stack"] == stack


def test_parameters_are_collected_from_the_annotations_or_the_history():
    assert collect_parameters({"__annotations__": {"a": int}, "a": 2, "b": 3}) == {"a": 2}
    history = ["import x", "a: int = 1  # one\nb: str = 'x'  # two", "print(a)"]
    assert collect_parameters({"In": history, "a": 5, "b": "y"}) == {"a": 5, "b": "y"}
    with pytest.raises(ValueError, match="run the cell tagged 'parameters'"):
        collect_parameters({"In": ["print(1)"]})


def test_pretrained_file_names_a_missing_checkpoint(tmp_path):
    assert pretrained_file(None, "judge") is None
    with pytest.raises(FileNotFoundError, match="holds no judge.pt"):
        pretrained_file(tmp_path, "judge")
    (tmp_path / "judge.pt").write_bytes(b"x")
    assert pretrained_file(tmp_path, "judge") == tmp_path / "judge.pt"


def test_tables_round_and_show_missing_values(capsys):
    show_table({"a": {"x": 0.123456, "y": None}, "bb": {"x": 1.0, "y": 2.5}}, "row", digits=3)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["x", "y"] and lines[1].split() == ["row"]
    assert lines[2].split() == ["a", "0.123", "n/a"]
    assert lines[3].split() == ["bb", "1.000", "2.500"]


def test_tables_keep_the_row_order_given(capsys):
    # pandas 2.1 sorted the rows of a dict of one-field rows.
    show_table({"vae": {"x": 1.0}, "ae": {"x": 2.0}}, "model", digits=1)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[2:]] == ["vae", "ae"]

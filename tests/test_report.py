import json

import numpy as np

from gae_helpers.report import Run, accuracy_table, format_table, load_metrics, without_timings


def test_run_writes_metrics_with_parameters_and_time(tmp_path):
    run = Run(tmp_path / "out", {"dataset": "digits", "seed": 0, "pairs": [(1, 7)]})
    run.metrics["accuracy_test"] = np.float64(0.5)
    run.metrics["entropy"] = {"0": np.float32(1.5)}
    path = run.save()
    metrics = json.loads(path.read_text())
    assert metrics["dataset"] == "digits" and metrics["accuracy_test"] == 0.5
    assert metrics["parameters"] == {"dataset": "digits", "seed": 0, "pairs": [[1, 7]]}
    assert metrics["seconds_total"] >= 0
    assert "seconds_total" not in without_timings(load_metrics(path))
    assert run.figure_path("kl") == tmp_path / "out" / "kl.png"


def test_tables_round_and_align():
    text = format_table([["a", 0.123456], ["bbb", 1.0]], ["name", "value"])
    assert text.splitlines()[2] == "a     0.1235"
    table = accuracy_table("mnist", {"train": 0.99, "test": 0.98},
                           {"train": 0.985, "test": 0.975}, 12, 6)
    assert "0.9766" in table and "0.9800" in table and "0.9750" in table
    assert "n/a" in accuracy_table("digits", {"train": 1.0, "test": 1.0},
                                   {"train": 1.0, "test": 1.0}, 6, 6)

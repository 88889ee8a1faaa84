"""scripts/batch_runs.py, the runner of `make results` and `make seeds`, on a LocalCluster of two
worker processes listening on 127.0.0.1: `make demo`'s walkthrough on digits (about 15 s a run).

* three runs, one with a bad parameter: two finished folders and one error naming the parameter;
* the same batch again (through the CLI, on the cluster's address): nothing new runs, exit 1 for
  the run that still fails;
* a worker killed during a run: the run is retried on a worker and the batch finishes;
* and, without a cluster: seeds ranges, grids, the batch `make results` runs against the folders
  scripts/summarise_runs.py collects.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WALKTHROUGH = ROOT / "notebooks" / "walkthrough.ipynb"
DEMO = {"dataset": "digits"}  # make demo's parameters (n_components 3) come from the grids


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # the runner sends its functions to the workers by value
    spec.loader.exec_module(module)
    return module


batch_runs = _load("batch_runs")
needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="dask[distributed] is not installed "
                                       "(pip install -e '.[cluster]')")


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each, on the loopback interface; closed after."""
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def first_batch(client, tmp_path_factory):
    """n_components 3 and 4 (two runs) and 0 (refused by the notebook's parameter check)."""
    root = tmp_path_factory.mktemp("batch")
    template = str(root / "nc{n_components}")
    runs = batch_runs.grid_batch(WALKTHROUGH, template, DEMO, {"n_components": [3, 4, 0]})
    return root, template, batch_runs.run_batch(runs, client=client, progress=False)


@needs_dask
def test_a_bad_parameter_fails_alone(first_batch):
    root, _, results = first_batch
    assert [r.status for r in results] == ["ok", "ok", "failed"], batch_runs.summary(results)
    assert "n_components" in results[2].error and "Got 0" in results[2].error
    for r in results[:2]:
        metrics = json.loads((r.run.folder / "metrics.json").read_text())
        assert metrics["parameters"]["n_components"] == r.run.parameters["n_components"]
        # the files name the folder they were moved into, not the worker's temporary one
        assert metrics["parameters"]["output_dir"] == os.path.relpath(r.run.folder,
                                                                       WALKTHROUGH.parent)
        assert r.run.output.is_file() and (r.run.folder / batch_runs.STAMP).is_file()
    assert sorted(p.name for p in root.iterdir()) == ["nc3", "nc4"]  # nothing half, no nc0


@needs_dask
def test_a_rerun_runs_nothing_new(first_batch, client, capsys):
    root, template, results = first_batch
    before = {r.run.name: (r.run.folder / "metrics.json").stat().st_mtime_ns for r in results[:2]}
    status = batch_runs.main(["grid", str(WALKTHROUGH), template, "-p", "dataset", "digits",
                              "--grid", "n_components=3,4,0",
                              "--scheduler", client.scheduler.address])
    table = capsys.readouterr().out
    assert status == 1, table  # the bad run is tried again (a failure never counts as done)
    assert "2 ok" not in table and "2 skipped, 1 failed" in table and "n_components" in table
    after = {r.run.name: (r.run.folder / "metrics.json").stat().st_mtime_ns for r in results[:2]}
    assert after == before
    # a changed parameter is a new run: its key differs from the stamp's
    changed = batch_runs.Run(results[0].run.notebook, results[0].run.output,
                             {**results[0].run.parameters, "seed": 1})
    assert not batch_runs.finished(changed, batch_runs.run_key(changed, batch_runs.code_hash()))


@needs_dask
def test_a_killed_worker_is_retried(client, tmp_path):
    runs = batch_runs.grid_batch(WALKTHROUGH, str(tmp_path / "seed{seed}"),
                                 {**DEMO, "n_components": 3}, {"seed": [5]})
    done = []
    batch = threading.Thread(target=lambda: done.append(
        batch_runs.run_batch(runs, client=client, progress=False)))
    batch.start()
    deadline = time.monotonic() + 60
    while not any(client.processing().values()):
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.2)
    time.sleep(3)  # its kernel is running the notebook now
    worker = next(w for w, tasks in client.processing().items() if tasks)
    os.kill(client.run(os.getpid, workers=[worker])[worker], signal.SIGKILL)
    batch.join(timeout=240)
    assert done, "the batch did not finish"
    [result] = done[0]
    assert result.status == "ok", result.error
    assert (tmp_path / "seed5" / "metrics.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed5"]


@needs_dask
def test_own_cluster_listens_on_loopback_and_is_closed(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with batch_runs._client(None, None, 1) as (client, threads):
        cluster = client.cluster
        addresses = [client.scheduler.address, *client.scheduler_info()["workers"]]
    assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
    assert threads is None  # a lone worker's kernel takes the machine as a plain run does
    assert client.status == "closed" and cluster.status.name == "closed"


def test_seeds_are_ranges_and_lists():
    assert batch_runs.parse_seeds("0-4") == [0, 1, 2, 3, 4]
    assert batch_runs.parse_seeds("1 2") == batch_runs.parse_seeds("2,1") == [1, 2]
    assert batch_runs.parse_seeds("0-2 7") == [0, 1, 2, 7]
    for bad in ("0-x", "3-1", "-1", "one"):
        with pytest.raises(ValueError, match="SEEDS"):
            batch_runs.parse_seeds(bad)


def test_bad_input_names_the_parameter(tmp_path, capsys):
    with pytest.raises(SystemExit):
        batch_runs.main(["seeds", "0-x"])
    assert "SEEDS" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        batch_runs.main(["grid", "notebooks/no_such.ipynb", str(tmp_path)])
    assert "notebook" in capsys.readouterr().err
    with pytest.raises(ValueError, match="output folder"):
        batch_runs.grid_batch(WALKTHROUGH, str(tmp_path / "{latent_dim}"), DEMO, {"seed": [1]})


def test_results_batch_writes_what_summarise_collects(tmp_path):
    """`make results` runs, in runs/, every folder scripts/summarise_runs.py collects; seed 0
    of `make seeds` is the default run."""
    summarise = _load("summarise_runs")
    runs = batch_runs.results_batch(tmp_path, seeds=[0, 1, 2])
    folders = {str(r.folder.relative_to(tmp_path)) for r in runs}
    collected = {folder for folder, _ in summarise.SOURCES.values()}
    collected |= {f"seeds/{ds}-{s}" for ds in summarise.DATASETS for s in (1, 2)}
    assert folders == collected
    seeds = batch_runs.seeds_batch([0, 3], tmp_path)
    assert [str(r.output.relative_to(tmp_path)) for r in seeds] == [
        "mnist/01_mnist.ipynb", "fashion-mnist/02_fashion_mnist.ipynb",
        "seeds/mnist-3/01_mnist.ipynb", "seeds/fashion-mnist-3/02_fashion_mnist.ipynb"]


@needs_dask
def test_the_kernel_gets_the_users_environment_not_the_nannys(monkeypatch):
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 and *_NUM_THREADS=1 in its workers; a
    kernel that inherited them ran a shipped MNIST walkthrough in 79.7 s instead of 44.8 s."""
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    env = batch_runs._kernel_environ(None)
    assert env["MALLOC_TRIM_THRESHOLD_"] is None and env["OMP_NUM_THREADS"] is None
    shared = batch_runs._kernel_environ(1)
    assert shared["MALLOC_TRIM_THRESHOLD_"] is None and shared["OMP_NUM_THREADS"] == 1
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")  # the user's own: kept
    assert "MALLOC_TRIM_THRESHOLD_" not in batch_runs._kernel_environ(None)

"""Batches of notebook runs as tasks on Dask distributed (`make results`, `make seeds`, grids).

    python scripts/batch_runs.py seeds 0-4                  # seed 0 is the default run (runs/mnist)
    python scripts/batch_runs.py results --seeds 0-2        # every run `make results` collects
    python scripts/batch_runs.py grid notebooks/walkthrough.ipynb 'runs/grid/ld{latent_dim}' \\
        -p dataset digits --grid latent_dim=2,8,32          # one run per value (or per combination)
    ... --scheduler tcp://HOST:8786                        # an existing cluster (else
                                                            # $DASK_SCHEDULER_ADDRESS, else a
                                                            # LocalCluster on 127.0.0.1)

Each run is one task: papermill executes its notebook (cwd: the notebook's folder) into a
temporary folder on its worker, whose files come back to this process; they are written beside
the run's output folder, a stamp last (a key over the notebook's bytes, its parameters, env and
the gae_helpers source), and renamed into place, so an output folder is a finished run or absent.
A rerun skips every run whose stamp matches its key. A failed run (its notebook's error, a
crash) is reported and the others go on; a worker that dies mid-run has its run retried on
another one (the scheduler's ``distributed.scheduler.allowed-failures``). The exit status is 1
when any run failed, after a table of every run. Neither the notebooks nor gae_helpers import
dask: only this script does.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WALKTHROUGH = ROOT / "notebooks" / "walkthrough.ipynb"
COMPARISON = ROOT / "notebooks" / "03_gae_vs_vae.ipynb"
STAMP = ".batch-run.json"  # in each finished output folder, written last
# Runs of the walkthrough: (dataset, the executed notebook's name, as `make reproduce` names it)
DATASETS = {"mnist": "01_mnist.ipynb", "fashion-mnist": "02_fashion_mnist.ipynb"}
# A LocalCluster runs one notebook per core, each kernel on cores / workers threads: on 2 cores,
# 4 digits runs took 69 s so, against 91 s one at a time on both cores and 93 s for the serial
# papermill loop (README, "Batches of runs"). A kernel of a full MNIST run holds about 1.3 GB,
# hence at most one worker per 3 GiB of memory.
GIB_PER_WORKER = 3


@dataclass(frozen=True)
class Run:
    """One notebook run: ``notebook`` executed into ``output`` (the executed notebook's path; its
    folder holds what the notebook writes), with papermill ``parameters`` and ``env`` set for its
    kernel; ``fresh_cache`` gives it an empty model cache (GAE_CACHE_DIR), deleted afterwards."""

    notebook: Path
    output: Path
    parameters: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)
    fresh_cache: bool = False

    @property
    def folder(self) -> Path:
        return self.output.parent

    @property
    def name(self) -> str:
        return os.path.relpath(self.folder)


@dataclass
class Result:
    run: Run
    status: str  # "ok", "failed" or "skipped" (finished before, unchanged)
    seconds: float = 0.0
    error: str = ""
    worker: str = ""  # the worker's address
    files: dict = field(default_factory=dict, repr=False)  # {path in the folder: bytes}


def parse_seeds(text: str) -> list:
    """``"0-9"``, ``"1 2"``, ``"1,2,5"`` or ``"0-4 7"`` -> sorted seeds; a clear error otherwise."""
    seeds = set()
    for part in re.split(r"[\s,]+", str(text).strip()):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match or (match[2] and int(match[2]) < int(match[1])):
            raise ValueError(f"SEEDS: {part!r} in {text!r} is not a seed or a range; give "
                             f"non-negative integers and ranges, e.g. SEEDS=0-9 or SEEDS='1 2 5'")
        seeds.update(range(int(match[1]), int(match[2] or match[1]) + 1))
    return sorted(seeds)


def code_hash() -> str:
    """A hash of the gae_helpers source the kernels import (found without importing it)."""
    package = Path(next(iter(importlib.util.find_spec("gae_helpers").submodule_search_locations)))
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def run_key(run: Run, code: str) -> str:
    """What a finished run depends on: the notebook's bytes, the executed notebook's name, the
    parameters, env and cache choice, and ``code`` (a hash of the package source)."""
    record = {"notebook": hashlib.sha256(run.notebook.read_bytes()).hexdigest(),
              "output": run.output.name, "parameters": run.parameters, "env": run.env,
              "fresh_cache": run.fresh_cache, "code": code}
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def finished(run: Run, key: str) -> bool:
    stamp = run.folder / STAMP
    try:
        return json.loads(stamp.read_text())["key"] == key and run.output.is_file()
    except (OSError, ValueError, KeyError):
        return False


def execute(run: Run, threads: int | None = None) -> Result:
    """The task: papermill runs the notebook into a temporary folder of the worker's; the
    Result carries that folder's files back, so the worker needs no shared filesystem. A failure
    comes back as a failed Result with the notebook's error, so a bad run is one line. The
    kernel's torch and BLAS get ``threads`` threads (None: as many as the machine has)."""
    import papermill
    from distributed import get_worker

    # os.environ is what the kernel inherits: one run at a time per worker process.
    worker = get_worker()
    lock = vars(worker).setdefault("_batch_runs_lock", threading.Lock())
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gae-run-") as tmp, lock:
        out = Path(tmp) / "out"
        out.mkdir()
        env = {"TQDM_DISABLE": "1", **_kernel_environ(threads), **run.env}
        if run.fresh_cache:
            env["GAE_CACHE_DIR"] = str(Path(tmp) / "cache")
        try:
            with _environ(env):
                papermill.execute_notebook(
                    str(run.notebook), str(out / run.output.name),
                    parameters={**run.parameters, "output_dir": str(out)},
                    cwd=str(run.notebook.parent), progress_bar=False, log_output=False)
        except Exception as error:  # noqa: BLE001 - every failure is this run's, reported
            return Result(run, "failed", time.perf_counter() - start, error_line(error),
                          worker.address)
        # The files name the folder they end in, as `make reproduce` gives it (from the cwd).
        final = os.path.relpath(run.folder, run.notebook.parent).encode()
        files = {}
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if path.suffix in (".ipynb", ".json"):
                data = data.replace(str(out).encode(), final)
            files[str(path.relative_to(out))] = data
    return Result(run, "ok", time.perf_counter() - start, worker=worker.address, files=files)


def place(result: Result, key: str) -> None:
    """Write a finished run's files into a temporary folder beside its output folder, its stamp
    last, then rename it into place: the output folder is a whole run or absent, never half."""
    folder = result.run.folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in [*folder.parent.glob(f".{folder.name}.partial-*"),  # an interrupted place()'s
                  *folder.parent.glob(f".{folder.name}.old-*")]:
        shutil.rmtree(stale, ignore_errors=True)
    tmp = folder.with_name(f".{folder.name}.partial-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    for name, data in result.files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(data)
    run = result.run
    (tmp / STAMP).write_text(json.dumps({"key": key, "notebook": str(run.notebook),
                                         "parameters": run.parameters, "env": run.env,
                                         "seconds": round(result.seconds, 1),
                                         "worker": result.worker}, indent=1) + "\n")
    old = tmp.with_name(tmp.name.replace(".partial-", ".old-"))
    if folder.exists():
        os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)
    result.files = {}


def _kernel_environ(threads: int | None) -> dict:
    """The kernel's environment: the user's, not the worker's. Dask's nanny presets its workers'
    environment (the config's ``distributed.nanny.pre-spawn-environ``): OMP_NUM_THREADS=1 & co.,
    right for tasks that share a process, not for a kernel of its own (a lone run's torch and
    BLAS used one core of two), and MALLOC_TRIM_THRESHOLD_=65536, which hands freed memory back
    at once and made a shipped MNIST run take 70.6 s instead of 38.7 s (41 s in the kernel, most
    of it in system calls). So the variables the nanny set are unset, and the thread counts are
    ``threads`` where given (kernels sharing a machine's cores)."""
    import dask
    import distributed  # noqa: F401 (its configuration's defaults)

    preset = dask.config.get("distributed.nanny.pre-spawn-environ", {})
    env = {name: None for name in preset if os.environ.get(name) == str(preset[name])}
    if threads is not None:
        env.update({name: threads for name in preset if name.endswith("_NUM_THREADS")})
    return env


@contextlib.contextmanager
def _environ(env: dict):
    """``env`` set in os.environ (which the kernel inherits; None: unset) for a block."""
    def put(values):
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = str(value)

    saved = {name: os.environ.get(name) for name in env}
    put(env)
    try:
        yield
    finally:
        put(saved)


def error_line(error: BaseException) -> str:
    """One line: papermill's ``ename: evalue`` (the notebook's own error), else the exception."""
    if hasattr(error, "ename"):
        return f"{error.ename}: {error.evalue}".splitlines()[0]
    text = f"{type(error).__name__}: {error}"
    return text.splitlines()[0] if text.strip() else type(error).__name__


def default_workers() -> int:
    """One per core, at most one per GIB_PER_WORKER of memory."""
    import psutil  # a dependency of distributed

    memory = psutil.virtual_memory().total // (GIB_PER_WORKER * 2**30)
    return max(1, min(os.cpu_count() or 1, memory))


def run_batch(runs, client=None, scheduler=None, workers=None, force=False,
              progress=True) -> list:
    """Run ``runs`` (skipping finished ones unless ``force``) on ``client``, else on the cluster
    at ``scheduler`` (or $DASK_SCHEDULER_ADDRESS), else on a LocalCluster of ``workers``
    processes (default: one per core, kernels on cores / workers threads each) listening on
    127.0.0.1, closed after.
    Returns a Result per run, in the order given."""
    runs = [replace(r, notebook=r.notebook.resolve(), output=r.output.resolve()) for r in runs]
    folders = [r.folder for r in runs]
    if len(set(folders)) < len(folders):
        twice = sorted({str(f) for f in folders if folders.count(f) > 1})
        raise ValueError(f"runs: two runs write into one output folder: {twice}")
    for run in runs:
        if not run.notebook.is_file():
            raise ValueError(f"notebook: {run.notebook} does not exist")
    code = code_hash()
    keys = [run_key(run, code) for run in runs]
    results = {i: Result(run, "skipped") for i, (run, key) in enumerate(zip(runs, keys))
               if not force and finished(run, key)}
    todo = {i: (run, key) for i, (run, key) in enumerate(zip(runs, keys)) if i not in results}
    if todo:
        with _client(client, scheduler, workers) as (dask_client, threads):
            results.update(_submit(dask_client, todo, threads, progress))
    return [results[i] for i in range(len(runs))]


def _submit(client, todo: dict, threads, progress: bool) -> dict:
    """Submit ``todo`` ({index: (run, key)}) and place each run's files as it finishes."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    # Workers cannot import this script (scripts/ is no package): run as a script, its functions
    # travel by value (cloudpickle, as __main__'s); imported (tests), the file is uploaded.
    if __name__ != "__main__":
        client.upload_file(__file__, load=False)
    futures = {client.submit(execute, run, threads, key=f"{run.name}-{key[:12]}", pure=False): i
               for i, (run, key) in todo.items()}
    results = {}
    with tqdm(total=len(futures), desc="notebook runs", unit="run", disable=not progress) as bar:
        for future in as_completed(futures):
            i = futures[future]
            run, key = todo[i]
            if future.status == "finished":
                result = future.result()
                if result.status == "ok":
                    place(result, key)
            else:  # the task raised: its worker died more often than allowed-failures
                result = Result(run, "failed", 0.0, error_line(future.exception()))
            future.release()
            results[i] = result
            bar.write(f"{result.status:6} {result.seconds:5.0f} s  {run.name}  "
                      f"{result.error}".rstrip())
            bar.update()
    return results


@contextlib.contextmanager
def _client(client, scheduler, workers):
    """(client, kernel threads): the given client, else one on the scheduler's address (kernels
    use their machine's cores), else one on a LocalCluster on 127.0.0.1 (kernels share the
    cores among the workers); whatever this opened is closed on exit, whatever happened."""
    if client is not None:
        yield client, None
        return
    import dask
    from distributed import Client, LocalCluster

    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        with Client(address) as client:
            yield client, None
        return
    # A run whose worker died is retried on another (its third death fails it); with no worker
    # left (none restarted), the waiting runs fail after 5 minutes instead of hanging.
    workers = workers or default_workers()
    with dask.config.set({"distributed.scheduler.allowed-failures": 3,
                          "distributed.scheduler.no-workers-timeout": "300s"}), \
            LocalCluster(n_workers=workers, threads_per_worker=1,
                         processes=True, host="127.0.0.1",
                         dashboard_address="127.0.0.1:0") as cluster, \
            Client(cluster) as client:
        # one worker: its kernel takes the machine as a plain papermill run does
        threads = (os.cpu_count() or 1) // workers
        yield client, None if threads == (os.cpu_count() or 1) else max(1, threads)


def summary(results) -> str:
    """A table: run, status, seconds, error line."""
    rows = [(r.run.name, r.status, f"{r.seconds:.0f}" if r.status != "skipped" else "",
             r.error) for r in results]
    widths = [max(len(row[c]) for row in [("run", "status", "seconds", "error"), *rows])
              for c in range(3)]
    lines = [f"{'run':{widths[0]}}  {'status':{widths[1]}}  {'seconds':>{widths[2]}}  error"]
    lines += [f"{a:{widths[0]}}  {b:{widths[1]}}  {c:>{widths[2]}}  {d}".rstrip()
              for a, b, c, d in rows]
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "skipped", "failed")}
    return "\n".join(lines + [", ".join(f"{n} {s}" for s, n in counts.items())])


# ---- the batches ---------------------------------------------------------------------------

def seeds_batch(seeds, runs: Path) -> list:
    """The walkthrough on MNIST and Fashion-MNIST per seed; seed 0 is the default run
    (``runs/<dataset>/``, `make reproduce`'s), the others ``runs/seeds/<dataset>-<seed>/``."""
    out = []
    for seed in seeds:
        for ds, name in DATASETS.items():
            if seed == 0:
                out.append(Run(WALKTHROUGH, runs / ds / name, {"dataset": ds}))
            else:
                out.append(Run(WALKTHROUGH, runs / "seeds" / f"{ds}-{seed}" / name,
                               {"dataset": ds, "seed": seed}))
    return out


def results_batch(runs: Path, seeds=(0, 1, 2)) -> list:
    """Every notebook run `make results` collects (scripts/summarise_runs.py's sources): the
    default runs and seeds, both comparisons, the shipped-model runs (each with an empty model
    cache), the float32 path and the accurate preset."""
    out = seeds_batch(sorted({0, *seeds}), runs)
    for ds in DATASETS:
        out.append(Run(COMPARISON, runs / f"gae-vs-vae-{ds}" / COMPARISON.name, {"dataset": ds}))
        out.append(Run(WALKTHROUGH, runs / "shipped" / ds / "run.ipynb",
                       {"dataset": ds, "pretrained_dir": "shipped"}, fresh_cache=True))
        out.append(Run(WALKTHROUGH, runs / "float32" / ds / "run.ipynb", {"dataset": ds},
                       env={"GAE_PRECISION": "float32"}))
    out.append(Run(WALKTHROUGH, runs / "accurate" / "mnist" / "run.ipynb",
                   {"dataset": "mnist", "preset": "accurate"}))
    return out


def grid_batch(notebook: Path, template: str, parameters: dict, grid: dict, env=None) -> list:
    """One run per combination of ``grid``'s values, each with ``parameters``; its output
    folder is ``template`` formatted with that run's parameters."""
    out = []
    for values in itertools.product(*grid.values()):
        params = {**parameters, **dict(zip(grid, values))}
        try:
            folder = Path(template.format(**params))
        except KeyError as missing:
            raise ValueError(f"output folder: {template!r} names {missing}, which is no "
                             f"parameter of the run") from None
        out.append(Run(notebook, folder / notebook.name, params, dict(env or {})))
    return out


def _value(text: str):
    """A -p value as papermill's CLI reads it: YAML (numbers, null, lists), else the text."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--scheduler", help="address of a running Dask scheduler "
                        "(default: $DASK_SCHEDULER_ADDRESS, else a LocalCluster)")
    common.add_argument("--workers", type=int, help="LocalCluster worker processes "
                        f"(default: one per core, {default_workers()} here; `make results`: 1)")
    common.add_argument("--force", action="store_true", help="rerun finished runs too")
    sub = parser.add_subparsers(dest="batch", required=True)
    s = sub.add_parser("seeds", parents=[common], help="the walkthroughs over seeds")
    s.add_argument("seeds", help="e.g. 0-9, '1 2', 1,2,5 (seed 0: the default run)")
    s.add_argument("--runs", type=Path, default=Path("runs"), help="output root (runs/)")
    r = sub.add_parser("results", parents=[common], help="every run `make results` collects")
    r.add_argument("--seeds", default="0-2")
    r.add_argument("--runs", type=Path, default=Path("runs"), help="output root (runs/)")
    g = sub.add_parser("grid", parents=[common], help="one notebook over a grid of parameters")
    g.add_argument("notebook", type=Path)
    g.add_argument("output", help="output folder, formatted with the run's parameters")
    g.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="a parameter of every run")
    g.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                   help="a parameter's values, one run each (several: every combination)")
    g.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                   help="an environment variable of every run's kernel (e.g. GAE_PRECISION)")
    args = parser.parse_args(argv)
    try:
        if args.batch == "seeds":
            runs = seeds_batch(parse_seeds(args.seeds), args.runs)
        elif args.batch == "results":
            runs = results_batch(args.runs, parse_seeds(args.seeds))
        else:
            if not args.notebook.is_file():
                raise ValueError(f"notebook: {args.notebook} does not exist")
            grid = {}
            for item in args.grid:
                name, sep, values = item.partition("=")
                if not (sep and name and values):
                    raise ValueError(f"--grid: {item!r} is not NAME=V1,V2,...")
                grid[name] = [_value(v) for v in values.split(",")]
            env = dict(item.partition("=")[::2] for item in args.env)
            runs = grid_batch(args.notebook.resolve(), args.output,
                              {k: _value(v) for k, v in args.p}, grid, env)
        results = run_batch(runs, scheduler=args.scheduler, workers=args.workers,
                            force=args.force)
    except ValueError as error:
        parser.error(str(error))
    print(summary(results))
    return 1 if any(r.status == "failed" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

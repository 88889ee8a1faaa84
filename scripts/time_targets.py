"""Time the README's make targets on a fresh clone, and what each stores: results/make-targets.json.

    python scripts/time_targets.py            # make install, make demo, make test
    python scripts/time_targets.py --dry-run  # print the plan

Clones the committed HEAD into a temporary folder (nothing of this checkout's environment or
cache is reused), runs each target there in turn with a fresh model cache and the environment's
GAE_DATA_DIR, and records its wall time, its exit status and the size of what it left behind
(the virtual environment, runs/, the model cache). The README's newcomer table is written from
the file (scripts/summarise_runs.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("install", "demo", "test")
STORES = {"install": ".venv", "demo": "runs", "test": None}


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) \
        if path.exists() else 0


def human(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path(
            "/proc/cpuinfo").is_file() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "make-targets.json")
    args = parser.parse_args(argv)
    if args.dry_run:
        print("would clone", ROOT, "and run:", ", ".join(f"make {t}" for t in TARGETS))
        return 0
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            check=True, capture_output=True, text=True).stdout.strip()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        clone, cache = Path(tmp) / "clone", Path(tmp) / "cache"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
        env["GAE_CACHE_DIR"] = str(cache)
        for target in TARGETS:
            started = time.perf_counter()
            done = subprocess.run(["make", target], cwd=clone, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds = time.perf_counter() - started
            stored = STORES[target]
            rows.append({"target": f"make {target}", "seconds": round(seconds),
                         "duration": (f"{seconds / 60:.1f} min" if seconds >= 90
                                      else f"{seconds:.0f} s"),
                         "exit_status": done.returncode,
                         "stores": (f"{human(size(clone / stored))} ({stored}/)" if stored else
                                    f"{human(size(cache))} (model cache)")})
            print(rows[-1], flush=True)
    record = {"command": "python scripts/time_targets.py", "commit": commit, "cpu": cpu_model(),
              "cpu_count": os.cpu_count(), "data_dir_set": "GAE_DATA_DIR" in os.environ,
              "targets": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1) + "\n")
    print("wrote", args.out)
    return 0 if all(r["exit_status"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

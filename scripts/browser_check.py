"""Run a notebook in a real JupyterLab (headless system Chromium) and check its explorers.

    .venv/bin/python scripts/browser_check.py        # notebooks/walkthrough.ipynb on digits
    .venv/bin/python scripts/browser_check.py /tmp/explore-scratch/explore_digits.ipynb
    .venv/bin/python scripts/browser_check.py NOTEBOOK -p dataset digits -p latent_dim 8

Prints what it found as JSON and exits 1 when a check fails. Needs /usr/bin/chromium
(apt-get install chromium); the same checks run as a test with
GAE_BROWSER_TESTS=1 .venv/bin/python -m pytest tests/browser -p no:nbval.
See tests/browser/README.md.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from jupyterlab_harness import check_notebook, failures  # noqa: E402


def _value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", default=None)
    parser.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                        help="inject a parameter as papermill -p does (repeatable)")
    parser.add_argument("--screenshots", default=None, help="folder for the screenshots")
    parser.add_argument("--timeout", type=float, default=900, help="seconds for Run All")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    parameters = {k: _value(v) for k, v in args.parameter} if args.parameter else None
    report = check_notebook(args.notebook, parameters, args.screenshots, args.timeout,
                            keep_dir=args.keep)
    problems = failures(report)
    report["failures"] = problems
    print(json.dumps(report, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

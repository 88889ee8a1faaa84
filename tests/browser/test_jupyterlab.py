"""The explorers in a real JupyterLab, in headless Chromium (see tests/browser/README.md).

Skipped unless GAE_BROWSER_TESTS=1 and /usr/bin/chromium exists:

    GAE_BROWSER_TESTS=1 .venv/bin/python -m pytest tests/browser -s

Environment: GAE_BROWSER_NOTEBOOK (default notebooks/walkthrough.ipynb, run with the parameters
of `make demo`: the digits dataset), GAE_BROWSER_PARAMS (a JSON object of parameters to
inject instead), GAE_SCREENSHOT_DIR (default tests/browser/screenshots/),
GAE_BROWSER_TIMEOUT (seconds for Run All, default 900).
"""

import json
import os
from pathlib import Path

import pytest

from jupyterlab_harness import CHROMIUM, check_notebook, failures


def _skip_reason():
    if os.environ.get("GAE_BROWSER_TESTS") != "1":
        return ("real-browser test: set GAE_BROWSER_TESTS=1 to run it (it starts JupyterLab "
                "and headless Chromium, minutes)")
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver"
    return None


pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")]


def test_explorers_render_and_respond_in_jupyterlab():
    notebook = os.environ.get("GAE_BROWSER_NOTEBOOK") or None
    params = os.environ.get("GAE_BROWSER_PARAMS")
    report = check_notebook(
        Path(notebook) if notebook else None,
        parameters=json.loads(params) if params else None,
        screenshot_dir=os.environ.get("GAE_SCREENSHOT_DIR") or None,
        notebook_timeout=float(os.environ.get("GAE_BROWSER_TIMEOUT", 900)))
    print(json.dumps(report, indent=2))
    assert failures(report) == [], json.dumps(report, indent=2)


def test_saved_outputs_reopen_as_still_images(tmp_path):
    """A notebook executed headless (papermill, as `make demo`), opened in JupyterLab without
    running it: each explorer shows its PNG, never "Error displaying widget"."""
    from jupyterlab_harness import execute_headless, inspect_saved_outputs

    notebook = os.environ.get("GAE_BROWSER_NOTEBOOK") or None
    params = os.environ.get("GAE_BROWSER_PARAMS")
    executed = execute_headless(Path(notebook) if notebook else None,
                                json.loads(params) if params else None, tmp_path)
    report = inspect_saved_outputs(executed, os.environ.get("GAE_SCREENSHOT_DIR") or None)
    print(json.dumps(report, indent=2))
    assert report["explorer_outputs"] >= 4, report
    assert report["explorer_outputs_png"] == report["explorer_outputs"], report
    assert report["explorer_outputs_error"] == 0, report
    assert not report["error_displaying_widget"], report

"""Run a notebook in a real JupyterLab in headless Chromium and check its explorer widgets.

Used by ``tests/browser/test_jupyterlab.py`` and ``scripts/browser_check.py``. Everything it
starts lives in a temporary folder and dies with it: a copy of the notebook (parameters
injected like papermill does), JupyterLab's config, settings, runtime and workspace folders,
the model cache, and Chromium's profile. Only Chromium from the system (``/usr/bin/chromium``,
installed with ``apt-get install chromium``) is used, never a browser Playwright downloads.

What :func:`check_notebook` does, in the browser:

1. opens the notebook in JupyterLab (served from this Python environment on 127.0.0.1, a free
   port, no token) and waits for its kernel;
2. runs every cell from the Run menu ("Run All Cells"), waits until each code cell has run
   and the kernel is idle (failing early on an error output);
3. counts the rendered widget views (an explorer is a ``.widget-vbox`` with a class
   ``gae-explore-*``) and looks for "Error displaying widget" in every output;
4. moves the morph explorer's position slider with the arrow keys and waits for its image to
   change; draws a stroke on the sketch explorer's pad and waits for its result image to change;
5. saves screenshots of the page and of each explorer.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run", "--disable-component-update", "--disable-sync",
                 "--disable-quic", "--disable-dev-shm-usage"]
DEFAULT_NOTEBOOK = ROOT / "notebooks" / "walkthrough.ipynb"
# What `make demo` runs the walkthrough with: the built-in digits, no download.
DEMO_PARAMETERS = {"dataset": "digits", "n_components": 3}
EXPLORERS = ("sampler", "morph", "styles", "sketch")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_root(notebook: Path, root: Path, parameters: dict | None,
                 keep_outputs: bool = False) -> Path:
    """Copy the notebook into ``root`` (with injected parameters when given; its outputs and
    widget state dropped unless ``keep_outputs``)."""
    import nbformat

    if parameters:
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        nb = parameterize_notebook(load_notebook_node(str(notebook)), parameters)
    else:
        nb = nbformat.read(notebook, as_version=4)
    if not keep_outputs:  # a notebook run before: start from a clean one
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata.pop("widgets", None)
    # The notebook's relative paths (e.g. output_dir "../runs/x") stay inside root.
    target = root / "work" / "notebooks" / notebook.name
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


def _write_settings(settings_dir: Path):
    """No news or update toasts, and every cell kept in the page (no windowing), so that
    outputs far down the notebook are in the DOM to be counted."""
    files = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
            {"windowingMode": "none"},
    }
    for name, content in files.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


@contextmanager
def jupyterlab(root: Path, log_path: Path, timeout: float = 120):
    """A JupyterLab server from this environment, serving ``root / "work"``; yields its URL."""
    port = free_port()
    state = root / "jupyter"
    for sub in ("config", "data", "runtime", "settings", "workspaces", "ipython"):
        (state / sub).mkdir(parents=True, exist_ok=True)
    _write_settings(state / "settings")
    env = dict(os.environ,
               JUPYTER_CONFIG_DIR=str(state / "config"), JUPYTER_DATA_DIR=str(state / "data"),
               JUPYTER_RUNTIME_DIR=str(state / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
               IPYTHONDIR=str(state / "ipython"), GAE_CACHE_DIR=str(root / "cache"),
               TQDM_DISABLE="1", JUPYTER_PLATFORM_DIRS="1")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", "--IdentityProvider.token=",
               "--ServerApp.password=", "--ServerApp.open_browser=False",
               f"--ServerApp.root_dir={root / 'work'}",
               "--ServerApp.allow_root=True", "--LabApp.expose_app_in_browser=True",
               "--LabApp.extension_manager=readonly",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = open(log_path, "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                               cwd=root, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {process.returncode}; see "
                                   f"{log_path}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"JupyterLab did not answer on {url} in {timeout} s; see "
                                   f"{log_path}")
            time.sleep(0.5)
        yield url
    finally:
        _stop(process)
        log.close()


def _stop(process):
    """SIGTERM to the server's own process group (it shuts its kernels down), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


@contextmanager
def chromium(profile_dir: Path):
    """A Playwright browser context in headless system Chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile_dir), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            context.close()


_NOTEBOOK_STATE = """() => {
  const app = window.jupyterapp;
  if (!app) return {ready: false, why: 'no window.jupyterapp'};
  const panel = app.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) return {ready: false, why: 'no notebook'};
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const errors = [];
  for (const cell of cells) {
    const outputs = cell.model.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs.get(i).toJSON();
      if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue);
    }
  }
  return {ready: true, kernel: kernel ? kernel.status : null,
          executed: cells.filter(c => c.model.executionCount !== null).length,
          cells: cells.length, errors: errors};
}"""


def _run_all(page, notebook_timeout):
    """Run all cells from the Run menu (the command itself if the menu misbehaves)."""
    page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
    try:
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click(timeout=10_000)
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click(timeout=10_000)
        how = "Run menu > Run All Cells"
    except Exception:  # noqa: BLE001 - a menu that did not open: use the command
        page.keyboard.press("Escape")
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        how = "command notebook:run-all-cells"
    deadline = time.monotonic() + notebook_timeout
    state = None
    started = False
    while time.monotonic() < deadline:
        state = page.evaluate(_NOTEBOOK_STATE)
        if state.get("errors"):
            raise AssertionError(f"A cell failed: {state['errors']}")
        started = started or state.get("kernel") == "busy" or state.get("executed", 0) > 0
        if started and state.get("kernel") == "idle" and state["executed"] == state["cells"]:
            return how, state
        time.sleep(1.0)
    raise TimeoutError(f"Run All did not finish in {notebook_timeout} s: {state}")


def _src(locator):
    return locator.get_attribute("src")


def _wait_src_change(page, locator, before, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = _src(locator)
        if now and now != before:
            return now
        page.wait_for_timeout(250)
    return None


def check_notebook(notebook: Path | str | None = None, parameters: dict | None = None,
                   screenshot_dir: Path | str | None = None, notebook_timeout: float = 900,
                   keep_dir: bool = False) -> dict:
    """Open, run and poke a notebook in JupyterLab; return what was found (see module doc).

    ``parameters`` are injected after the notebook's ``parameters`` cell as papermill does
    (default: ``DEMO_PARAMETERS`` for ``notebooks/01_mnist.ipynb``, none otherwise).
    """
    notebook = Path(notebook or DEFAULT_NOTEBOOK).resolve()
    if parameters is None:
        parameters = DEMO_PARAMETERS if notebook == DEFAULT_NOTEBOOK.resolve() else {}
    screenshots = Path(screenshot_dir or ROOT / "tests" / "browser" / "screenshots")
    screenshots.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="gae-browser-"))
    report = {"notebook": str(notebook), "parameters": parameters,
              "screenshots": str(screenshots), "temp_dir": str(root)}
    try:
        target = prepare_root(notebook, root, parameters)
        relative = target.relative_to(root / "work").as_posix()
        with jupyterlab(root, root / "jupyterlab.log") as url, \
                chromium(root / "chromium-profile") as context:
            page = context.pages[0] if context.pages else context.new_page()
            console = []
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            start = time.monotonic()
            page.goto(f"{url}/lab/tree/{relative}", wait_until="domcontentloaded")
            page.wait_for_function(
                "() => { const a = window.jupyterapp; const p = a && a.shell.currentWidget;"
                " const k = p && p.sessionContext && p.sessionContext.session &&"
                " p.sessionContext.session.kernel; return k && k.status === 'idle'; }",
                timeout=180_000, polling=500)
            report["seconds_to_kernel"] = round(time.monotonic() - start, 1)
            start = time.monotonic()
            report["run_all_via"], state = _run_all(page, notebook_timeout)
            report["seconds_run_all"] = round(time.monotonic() - start, 1)
            report["cells_executed"] = state["executed"]
            # Widget views render asynchronously after the outputs arrive.
            explorers = ", ".join(f".jp-OutputArea-output .gae-explore-{k}" for k in EXPLORERS)
            try:
                page.wait_for_function(
                    f"() => document.querySelectorAll('{explorers}').length >= 4",
                    timeout=60_000, polling=500)
            except Exception:  # noqa: BLE001 - counted and reported below
                pass
            page.wait_for_timeout(1000)
            report.update(_count_widgets(page))
            page.screenshot(path=str(screenshots / "01_after_run_all.png"))
            for kind in EXPLORERS:
                view = page.locator(f".jp-OutputArea-output .gae-explore-{kind}").first
                if view.count():
                    view.scroll_into_view_if_needed()
                    view.screenshot(path=str(screenshots / f"explorer_{kind}.png"))
            report.update(_move_morph_slider(page, screenshots))
            report.update(_draw_on_pad(page, screenshots))
            report["console_errors"] = [c for c in console if c.startswith("error")][:20]
            page.screenshot(path=str(screenshots / "99_final.png"))
        report["screenshot_files"] = sorted(p.name for p in screenshots.glob("*.png"))
        return report
    finally:
        if not keep_dir:
            shutil.rmtree(root, ignore_errors=True)


def execute_headless(notebook: Path | str | None, parameters: dict | None, out_dir: Path
                     ) -> Path:
    """Run a notebook with papermill (as `make demo` does) into ``out_dir``; returns the
    executed copy, with its outputs and the widget state papermill saves."""
    import papermill

    notebook = Path(notebook or DEFAULT_NOTEBOOK).resolve()
    if parameters is None:
        parameters = DEMO_PARAMETERS if notebook == DEFAULT_NOTEBOOK.resolve() else {}
    work = Path(out_dir) / "notebooks"
    work.mkdir(parents=True, exist_ok=True)
    source = prepare_root(notebook, Path(out_dir) / "source", None)
    target = work / notebook.name
    saved = {k: os.environ.get(k) for k in ("GAE_CACHE_DIR", "TQDM_DISABLE")}
    os.environ.update(GAE_CACHE_DIR=str(Path(out_dir) / "cache"), TQDM_DISABLE="1")
    try:
        papermill.execute_notebook(str(source), str(target), parameters=parameters,
                                   cwd=str(work), progress_bar=False, log_output=False)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return target


def inspect_saved_outputs(notebook: Path | str, screenshot_dir: Path | str | None = None,
                          settle_s: float = 8) -> dict:
    """Open an already executed notebook without running it and report what its saved
    outputs show: restored widgets, static PNGs, or "Error displaying widget"."""
    notebook = Path(notebook).resolve()
    screenshots = Path(screenshot_dir or ROOT / "tests" / "browser" / "screenshots")
    screenshots.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="gae-browser-"))
    try:
        target = prepare_root(notebook, root, None, keep_outputs=True)
        relative = target.relative_to(root / "work").as_posix()
        with jupyterlab(root, root / "jupyterlab.log") as url, \
                chromium(root / "chromium-profile") as context:
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(f"{url}/lab/tree/{relative}", wait_until="domcontentloaded")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            page.wait_for_timeout(settle_s * 1000)
            report = {"notebook": str(notebook), "has_widget_state":
                      bool(page.evaluate("() => { const p = window.jupyterapp.shell"
                                         ".currentWidget; return !!(p && p.model &&"
                                         " p.model.getMetadata('widgets')); }"))}
            report.update(_count_widgets(page))
            page.screenshot(path=str(screenshots / f"saved_{notebook.stem}.png"))
        return report
    finally:
        shutil.rmtree(root, ignore_errors=True)


_EXPLORER_OUTPUTS = """() => {
  // Outputs whose bundle holds a widget view and an explorer's text: how each is shown.
  const panel = window.jupyterapp.shell.currentWidget;
  const r = {explorer_outputs: 0, explorer_outputs_widget: 0, explorer_outputs_png: 0,
             explorer_outputs_error: 0};
  for (const cell of panel.content.widgets) {
    if (cell.model.type !== 'code') continue;
    const outputs = cell.model.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const data = outputs.get(i).data || {};
      if (!data['application/vnd.jupyter.widget-view+json']) continue;
      if (!String(data['text/plain'] || '').includes('explorer:')) continue;
      r.explorer_outputs++;
      const child = cell.outputArea.widgets[i];
      if (!child) continue;
      const node = child.node;
      if (node.querySelector('[class*="gae-explore-"]')) r.explorer_outputs_widget++;
      if (node.querySelector('.jp-RenderedImage img')) r.explorer_outputs_png++;
      if (node.innerText.includes('Error displaying widget')) r.explorer_outputs_error++;
    }
  }
  return r;
}"""


def _count_widgets(page) -> dict:
    counts = page.evaluate(_EXPLORER_OUTPUTS)
    counts.update(_count_views(page))
    return counts


def _count_views(page) -> dict:
    return page.evaluate("""() => {
      const outputs = Array.from(document.querySelectorAll('.jp-OutputArea-output'));
      const views = outputs.filter(o => o.querySelector('.jupyter-widgets'));
      const explorers = {};
      for (const k of ['sampler', 'morph', 'styles', 'sketch'])
        explorers[k] = document.querySelectorAll('.jp-OutputArea-output .gae-explore-' + k).length;
      const text = outputs.map(o => o.innerText).join('\\n');
      return {
        widget_outputs: views.length,
        widget_elements: document.querySelectorAll(
          '.jp-OutputArea-output .lm-Widget.jupyter-widgets').length,
        explorers: explorers,
        images_shown: outputs.filter(o => o.classList.contains('jp-RenderedImage')).length,
        error_displaying_widget: text.includes('Error displaying widget'),
        loading_widget_left: text.includes('Loading widget'),
      };
    }""")


def _move_morph_slider(page, screenshots) -> dict:
    morph = page.locator(".jp-OutputArea-output .gae-explore-morph").first
    if not morph.count():
        return {"morph_image_changed": None, "morph_why": "no morph explorer on the page"}
    image = morph.locator("img").first
    before = _src(image)
    morph.scroll_into_view_if_needed()
    morph.screenshot(path=str(screenshots / "morph_before.png"))
    handle = morph.locator(".gae-explore-position .noUi-handle").first
    readout = morph.locator(".gae-explore-position .widget-readout").first
    value_before = readout.inner_text() if readout.count() else None
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
        page.wait_for_timeout(150)
    after = _wait_src_change(page, image, before)
    if after is None:  # keyboard did nothing: drag the handle instead
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + 80, box["y"] + box["height"] / 2, steps=8)
        page.mouse.up()
        after = _wait_src_change(page, image, before)
        how = "drag"
    else:
        how = "ArrowRight x3"
    page.wait_for_timeout(500)
    morph.screenshot(path=str(screenshots / "morph_after.png"))
    return {"morph_image_changed": after is not None, "morph_moved_by": how,
            "morph_readout": [value_before,
                              readout.inner_text() if readout.count() else None]}


def _draw_on_pad(page, screenshots) -> dict:
    draw = page.locator(".jp-OutputArea-output .gae-explore-sketch").first
    if not draw.count():
        return {"draw_image_changed": None}
    image = draw.locator("img").first
    canvas = draw.locator("canvas").first
    draw.scroll_into_view_if_needed()
    before = _src(image)
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 2, box["y"] + box["height"] * 0.85, steps=12)  # a "1"
    page.mouse.up()
    after = _wait_src_change(page, image, before)
    page.wait_for_timeout(1000)
    status = draw.locator(".widget-html").first
    text = status.inner_text() if status.count() else ""
    draw.screenshot(path=str(screenshots / "draw_after.png"))
    return {"draw_image_changed": after is not None, "draw_status": text.strip()}


def failures(report: dict, min_widgets: int = 4) -> list:
    """What a report says went wrong (an empty list when every check passed)."""
    problems = []
    if report.get("widget_outputs", 0) < min_widgets:
        problems.append(f"{report.get('widget_outputs')} outputs render a widget, expected at "
                        f"least {min_widgets}")
    missing = [k for k, n in report.get("explorers", {}).items() if n < 1]
    if missing:
        problems.append(f"explorers not rendered: {', '.join(missing)}")
    shown = report.get("explorer_outputs", 0)
    if report.get("explorer_outputs_widget", 0) != shown:
        problems.append(f"{shown - report.get('explorer_outputs_widget', 0)} of {shown} explorer "
                        f"outputs are not shown as live widgets")
    if report.get("error_displaying_widget"):
        problems.append('an output says "Error displaying widget"')
    if report.get("morph_image_changed") is not True:
        problems.append("moving the morph slider did not change its image")
    if report.get("draw_image_changed") is None:
        problems.append("the sketch explorer's pad was not found")
    elif report.get("draw_image_changed") is False:
        problems.append("drawing on the pad did not change its result image")
    return problems

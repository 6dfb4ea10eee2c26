"""Helpers for the browser tests: a throw-away JupyterLab (or Voila) server and headless Chromium.

Used by ``tests/test_browser.py``; kept apart so the test file reads like what a student does
(open the notebook, run all cells, move a slider, read the numbers).

Everything is isolated: the server runs on 127.0.0.1 on a free port with a random token, with
its own config, runtime, data, settings and workspace folders in a temporary directory, and
serves a *copy* of the notebooks, so the committed notebooks are never touched. Chromium is
Debian's ``/usr/bin/chromium`` (never ``playwright install``) with a fresh profile.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
#: Where every screenshot lands (gitignored).
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
SERVER_START_TIMEOUT_S = 90.0
#: Generous: the first import of torch/librosa in a fresh CI venv is slow on 2 shared cores.
RUN_ALL_TIMEOUT_MS = 240_000
UPDATE_TIMEOUT_MS = 30_000

# JupyterLab user settings for the test server: render every cell (no windowing, so cells below
# the fold are in the DOM), and switch off everything that would try to reach the internet
# (news, update checks, the extension manager's PyPI look-ups).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False, "fetchNews": "false"},
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def missing_browser_reason() -> Optional[str]:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (Debian: apt-get install chromium; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r tests/requirements.txt)"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A Jupyter-family server process started by the tests (JupyterLab or Voila)."""

    proc: subprocess.Popen
    port: int
    token: str
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """``path`` on this server with the token, e.g. ``url('lab/tree/a.ipynb')``."""
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no log)"

    def wait_ready(self, probe: str, timeout_s: float = SERVER_START_TIMEOUT_S) -> None:
        """Poll ``probe`` (a path) until it answers 200; fail with the server log otherwise."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with code {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url(probe), timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"server not ready after {timeout_s:.0f} s:\n{self.log_tail()}")

    def shutdown_kernels(self) -> None:
        """Shut down every kernel of this server (frees the CPU between notebooks)."""
        try:
            with urllib.request.urlopen(self.url("api/kernels"), timeout=10) as r:
                kernels = json.loads(r.read())
            for k in kernels:
                req = urllib.request.Request(self.url(f"api/kernels/{k['id']}"), method="DELETE")
                urllib.request.urlopen(req, timeout=30).close()
        except (urllib.error.URLError, OSError, ValueError):
            pass  # best effort; stop() ends everything anyway

    def stop(self) -> None:
        """Stop the server and its kernels (it runs in its own process group)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        # Kernels are in the same process group: make sure nothing is left behind.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)


def _isolated_env(tmp: Path) -> dict:
    env = dict(os.environ)
    for name in ("config", "runtime", "data", "ipython"):
        (tmp / name).mkdir(parents=True, exist_ok=True)
    env.update(JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTER_DATA_DIR=str(tmp / "data"), IPYTHONDIR=str(tmp / "ipython"),
               JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1")
    env.pop("MPLBACKEND", None)  # the kernel chooses the inline backend itself
    return env


def _spawn(cmd: List[str], cwd: Path, tmp: Path, port: int, token: str, name: str) -> Server:
    tmp.mkdir(parents=True, exist_ok=True)
    log_path = tmp / f"{name}.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=str(cwd), env=_isolated_env(tmp), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    return Server(proc=proc, port=port, token=token, log_path=log_path)


def start_jupyterlab(root_dir: Path, tmp: Path) -> Server:
    """Start JupyterLab serving ``root_dir`` on 127.0.0.1; return once it answers. Caller stops it."""
    settings = tmp / "lab-settings"
    for rel, value in LAB_SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
           f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
           "--LabApp.news_url=",  # no news feed fetched from the internet
           # safety net: a server that somehow outlives the tests stops itself after 15 idle minutes
           "--ServerApp.shutdown_no_activity_timeout=900"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    server = _spawn(cmd, root_dir, tmp, port, token, "jupyterlab")
    try:
        server.wait_ready("api/status")
    except BaseException:
        server.stop()
        raise
    return server


def start_voila(notebook: Path, tmp: Path, extra_args: Sequence[str] = ()) -> Server:
    """Start Voila on one notebook on 127.0.0.1; return once it answers. Caller stops it."""
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "voila", str(notebook), "--no-browser", "--Voila.ip=127.0.0.1",
           f"--port={port}", f"--token={token}", *extra_args]
    server = _spawn(cmd, notebook.parent, tmp, port, token, "voila")
    try:
        _wait_voila(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_voila(server: Server) -> None:
    # Voila executes the notebook per page request, so probe a static path instead of "/".
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"voila exited with code {server.proc.returncode}:\n{server.log_tail()}")
        if re.search(r"Voil[aà] is running at", server.log_tail(20000)):
            return
        time.sleep(0.5)
    raise RuntimeError(f"voila not ready after {SERVER_START_TIMEOUT_S:.0f} s:\n{server.log_tail()}")


# --------------------------------------------------------------------------------------------
# Chromium
# --------------------------------------------------------------------------------------------

def launch_chromium(playwright, profile_dir: Path):
    """Debian's Chromium, headless, with a fresh profile in ``profile_dir``: a BrowserContext."""
    return playwright.chromium.launch_persistent_context(
        str(profile_dir), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
        viewport={"width": 1400, "height": 1000}, device_scale_factor=1)


# Console messages of type "error" that are NOT a problem of the course. Every entry says why.
BENIGN_CONSOLE_ERRORS = [
    # Chromium asks every site for /favicon.ico; Voila and Jupyter Server answer 404 for a
    # missing one on some routes. Nothing of the course is involved.
    re.compile(r"Failed to load resource: the server responded with a status of 404 .*favicon"),
]


@dataclass
class ConsoleErrors:
    """Collects browser console errors and uncaught page errors of one page."""

    errors: List[str] = field(default_factory=list)

    def attach(self, page) -> "ConsoleErrors":
        page.on("console", self._on_console)
        page.on("pageerror", lambda err: self.errors.append(f"pageerror: {err}"))
        return self

    def _on_console(self, msg) -> None:
        if msg.type != "error":
            return
        text = msg.text
        loc = msg.location or {}
        full = f"{text} (at {loc.get('url', '?')})"
        if any(p.search(full) for p in BENIGN_CONSOLE_ERRORS):
            return
        self.errors.append(f"console.error: {full}")


# Requests that leave 127.0.0.1 and are known. Everything else off the machine is a failure:
# the course must work offline (classrooms, CI without internet).
KNOWN_EXTERNAL_REQUESTS = [
    # Voila's "lab" template links the Font Awesome icon CSS from a CDN (voila/templates/lab,
    # fontawesome-free ^5). The explorers use no icons, so offline it changes nothing visible.
    re.compile(r"^https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@[^/]+/css/[\w.-]+\.css$"),
]


@dataclass
class ExternalRequests:
    """Answers every request that leaves 127.0.0.1 with an empty 204 (no network is used), and
    records the unknown ones (see ``KNOWN_EXTERNAL_REQUESTS``)."""

    unknown: List[str] = field(default_factory=list)

    def attach(self, page) -> "ExternalRequests":
        page.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/])[a-z]+://"), self._handle)
        return self

    def _handle(self, route) -> None:
        url = route.request.url
        if not any(p.search(url) for p in KNOWN_EXTERNAL_REQUESTS):
            self.unknown.append(url)
        route.fulfill(status=204, body="")


# --------------------------------------------------------------------------------------------
# JupyterLab: open a notebook, run all cells, find errors
# --------------------------------------------------------------------------------------------

_PROMPTS_JS = "() => Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')).map(e => e.textContent.trim())"


def open_notebook(page, server: Server, rel_path: str) -> None:
    """Open ``rel_path`` (relative to the server root) in JupyterLab; wait until its kernel is idle."""
    page.goto(server.url(f"lab/tree/{rel_path}?reset"))  # reset: only this notebook, no restored tabs
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    # The toolbar indicator says "idle" before the kernel is even connected; the status bar's
    # "Python 3 (ipykernel) | Idle" appears only once the session's kernel answered.
    page.locator(".jp-StatusBar-Item", has_text="| Idle").first.wait_for(timeout=120_000)


def run_all_cells(page, timeout_ms: int = RUN_ALL_TIMEOUT_MS) -> List[str]:
    """Run > Run All Cells, as a student does; wait until no cell is queued or running.

    Returns the code cells' prompts (``['[1]:', '[2]:', ...]``). Run-all stops at the first
    error, so callers check :func:`notebook_errors` afterwards.
    """
    for attempt in range(3):
        page.locator("li.lm-MenuBar-item", has_text="Run").first.click()
        page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
        try:  # the first cell is queued or done within seconds, unless the click was lost
            page.wait_for_function(
                f"() => ({_PROMPTS_JS})().some(t => /\\[(\\*|\\d+)\\]/.test(t))", timeout=15_000)
            break
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    page.wait_for_function(
        f"() => {{ const p = ({_PROMPTS_JS})(); return p.length > 0 && !p.some(t => t.includes('*')); }}",
        timeout=timeout_ms)
    wait_kernel_idle(page)
    return page.evaluate(_PROMPTS_JS)


def wait_kernel_idle(page, timeout_ms: int = UPDATE_TIMEOUT_MS) -> None:
    """Wait until the notebook's kernel is idle (toolbar execution indicator)."""
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").locator("visible=true").first.wait_for(
        timeout=timeout_ms)


ERRORS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")) {
    const t = el.textContent;
    if (/Traceback|Error|Warning|Exception/.test(t)) out.push(t.slice(0, 2000));
  }
  return out;
}"""


def notebook_errors(page) -> List[str]:
    """Tracebacks, errors and warnings shown in the notebook, plus kernel messages in the log console.

    Exceptions raised in widget callbacks do not land in a cell: JupyterLab routes them to the
    log console, whose status-bar item then shows a message count. Any count is reported, with
    the log console's text.
    """
    errors = list(page.evaluate(ERRORS_JS))
    count = log_console_count(page)
    if count:
        page.locator(".jp-LogConsoleStatusItem").first.click()
        page.wait_for_selector(".jp-LogConsole .jp-OutputArea-output", timeout=10_000)
        text = page.locator(".jp-LogConsole").first.inner_text()
        errors.append(f"log console ({count} messages): {text[:3000]}")
    return errors


def log_console_count(page) -> int:
    """The number of kernel messages waiting in JupyterLab's log console (0 when none)."""
    item = page.locator(".jp-LogConsoleStatusItem")
    if not item.count() or not item.first.is_visible():
        return 0
    text = item.first.inner_text().strip()
    return int(text) if text.isdigit() else 0


# --------------------------------------------------------------------------------------------
# Widgets (ipywidgets 8 DOM)
# --------------------------------------------------------------------------------------------

def control(root, description: str, kind: str = ""):
    """The ipywidgets control inside ``root`` whose description label is ``description``.

    ``kind``: extra class, e.g. ``"widget-slider"``, ``"widget-dropdown"``, ``"widget-text"``.
    Matches the label text exactly (after trimming), so "layers" does not match "convs per layer".
    """
    sel = f".widget-inline-hbox{'.' + kind if kind else ''}"
    label = root.page.locator(".widget-label").filter(has_text=re.compile(rf"^\s*{re.escape(description)}\s*$"))
    loc = root.locator(sel).filter(has=label)
    if loc.count() != 1:
        found = root.locator(".widget-label").all_inner_texts()
        raise AssertionError(f"expected one control {description!r} ({kind or 'any'}), found {loc.count()}; "
                             f"labels present: {found}")
    return loc


def slider_value(root, description: str) -> int:
    """The integer value a slider shows (its handle's aria-valuenow)."""
    handle = control(root, description, "widget-slider").locator(".noUi-handle")
    return int(float(handle.get_attribute("aria-valuenow")))


def press_slider(root, description: str, key: str = "ArrowRight", times: int = 1) -> None:
    """Focus the slider handle and press ``key`` ``times`` times (as a keyboard user does)."""
    handle = control(root, description, "widget-slider").locator(".noUi-handle")
    handle.focus()
    for _ in range(times):
        handle.press(key)


def type_slider(root, description: str, value: int) -> None:
    """Type ``value`` into the slider's editable readout and press Enter (the slider clamps it)."""
    readout = control(root, description, "widget-slider").locator(".widget-readout")
    readout.click()
    readout.press("Control+a")
    readout.type(str(value))
    readout.press("Enter")


def drag_slider(root, description: str, fraction: float, steps: int = 40) -> None:
    """Drag the slider handle with the mouse to ``fraction`` (0..1) of the track, in ``steps`` moves."""
    ctl = control(root, description, "widget-slider")
    handle = ctl.locator(".noUi-handle")
    track = ctl.locator(".noUi-base").bounding_box()
    hb = handle.bounding_box()
    page = root.page
    page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], hb["y"] + hb["height"] / 2, steps=steps)
    page.mouse.up()


def checkbox(root, description: str):
    """The <input type=checkbox> of the Checkbox described ``description`` (its text is in a span)."""
    box = root.locator(".widget-checkbox").filter(
        has=root.page.locator(".widget-label-basic span").filter(has_text=re.compile(rf"^\s*{re.escape(description)}\s*$")))
    assert box.count() == 1, f"expected one checkbox {description!r}, found {box.count()}"
    return box.locator("input[type=checkbox]")


def select_option(root, description: str, label: str) -> None:
    """Choose ``label`` in a Dropdown (a <select>)."""
    control(root, description, "widget-dropdown").locator("select").select_option(label=label)


def fill_text(root, description: str, text: str) -> None:
    """Replace a Text widget's content with ``text`` and press Enter."""
    box = control(root, description).locator("input")
    box.fill(text)
    box.press("Enter")


def readout_text(root) -> str:
    """The text of the explorer's readouts (the ``tcn-readout`` HTML widgets), whitespace collapsed."""
    texts = root.locator(".tcn-readout").all_inner_texts()
    return re.sub(r"\s+", " ", " ".join(texts)).strip()


def image_sources(root) -> List[str]:
    """The ``src`` of every image inside ``root`` (the drawn figures)."""
    return root.locator("img").evaluate_all("els => els.map(e => e.getAttribute('src') || '')")


def wait_until(predicate: Callable[[], bool], what: str, timeout_s: float = UPDATE_TIMEOUT_MS / 1000,
               describe: Callable[[], str] = lambda: "") -> None:
    """Poll ``predicate`` every 50 ms until true; fail naming ``what`` and the current state."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}. {describe()}")


_COUNTER_JS = """(el) => {
  if (el.__tcnRedraws !== undefined) { el.__tcnRedraws = 0; return; }
  el.__tcnRedraws = 0;
  new MutationObserver(ms => {
    for (const m of ms) {
      if (m.type === 'attributes' && m.target.tagName === 'IMG') { el.__tcnRedraws++; el.__tcnLast = performance.now(); }
      for (const n of m.addedNodes) {
        if (n.nodeType === 1 && (n.tagName === 'IMG' || n.querySelector('img'))) { el.__tcnRedraws++; el.__tcnLast = performance.now(); }
      }
    }
  }).observe(el, {childList: true, subtree: true, attributes: true, attributeFilter: ['src']});
}"""


def start_redraw_counter(root) -> None:
    """Count, from now on, the figures drawn inside ``root`` (new <img> elements or new ``src``)."""
    root.evaluate(_COUNTER_JS)


def redraw_count(root) -> int:
    """Figures drawn inside ``root`` since :func:`start_redraw_counter`."""
    return int(root.evaluate("el => el.__tcnRedraws"))


def last_redraw_ms(root) -> float:
    """``performance.now()`` of the last figure drawn inside ``root`` (needs the redraw counter)."""
    return float(root.evaluate("el => el.__tcnLast || 0"))


def screenshot(target, name: str) -> Path:
    """Save a PNG of ``target`` (a page or a locator) as ``test-artifacts/browser/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    target.screenshot(path=str(path))
    return path

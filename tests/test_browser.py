"""The classroom widgets, tested the way a student uses them: in a real browser.

A throw-away JupyterLab serves a *copy* of the notebooks (the committed ones are never touched);
headless Debian Chromium, driven by Playwright, opens each widget notebook, runs all cells from
the Run menu, moves the controls the lesson asks students to move, and checks that

* the readouts show the right numbers (computed here with ``tcnlib.receptive_field``),
* the figure is redrawn (its image changes) and old figures do not stack up,
* a fast mouse drag over many values does not queue a redraw per value,
* extreme settings are clamped and explained, never a traceback,
* no kernel error and no browser console error appears.

Every widget state is saved as a screenshot under ``test-artifacts/browser/`` (gitignored).
Run only these tests with ``python -m pytest -m browser tests/test_browser.py``. Outside CI they
skip when ``/usr/bin/chromium`` or playwright is missing; in CI they fail instead.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Iterator, Tuple

import pytest

import browser_utils as bu
from conftest import skip_or_fail

pytestmark = pytest.mark.browser

ROOT = bu.ROOT


def _selftest_notebook(path: Path, error_cell: bool) -> None:
    """A tiny widget notebook for checking the harness itself (not a lesson)."""
    import nbformat

    code = [
        "%matplotlib inline\n"
        "import ipywidgets as W\n"
        "import matplotlib.pyplot as plt\n"
        "from IPython.display import display\n"
        "k = W.IntSlider(3, 1, 40, description='k', continuous_update=False)\n"
        "readout = W.HTML().add_class('tcn-readout')\n"
        "def draw(k):\n"
        "    readout.value = f'<b>twice k plus one: {2 * k + 1}</b>'\n"
        "    fig, ax = plt.subplots(figsize=(3, 2))\n"
        "    ax.plot(range(k + 1))\n"
        "    ax.set_title(f'k = {k}')\n"
        "    plt.show()\n"
        "box = W.VBox([k, readout, W.interactive_output(draw, {'k': k})]).add_class('tcn-selftest')\n"
        "display(box)",
    ]
    if error_cell:
        code += [
            "bad = W.IntSlider(1, 0, 10, description='bad')\n"
            "def fail(change):\n"
            "    raise ValueError('boom in a widget callback')\n"
            "bad.observe(fail, 'value')\n"
            "display(W.VBox([bad]).add_class('tcn-selftest-bad'))",
            "1 / 0",
        ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Browser harness self-test")] + [nbformat.v4.new_code_cell(c) for c in code]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A scratch copy of notebooks/ (the presenter view included, plus the harness's self-test notebooks)."""
    reason = bu.missing_browser_reason()
    if reason:
        skip_or_fail(reason)
    tmp = tmp_path_factory.mktemp("browser")
    work = tmp / "work"
    shutil.copytree(ROOT / "notebooks", work / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if (ROOT / "assets").exists():  # notebooks may read ../assets; read-only use
        (work / "assets").symlink_to(ROOT / "assets", target_is_directory=True)
    selftest = work / "selftest"
    selftest.mkdir()
    _selftest_notebook(selftest / "selftest.ipynb", error_cell=False)
    _selftest_notebook(selftest / "selftest_errors.ipynb", error_cell=True)
    for old in bu.ARTIFACTS.glob("*.png"):  # screenshots of this run only
        old.unlink()
    print(f"\nbrowser tests: screenshots go to {bu.ARTIFACTS}")
    return work


@pytest.fixture(scope="module")
def lab(workdir: Path) -> Iterator[bu.Server]:
    """JupyterLab on 127.0.0.1 serving the scratch copy; always stopped afterwards."""
    server = bu.start_jupyterlab(workdir, workdir.parent / "jupyter")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def chromium(workdir: Path):
    """Headless Debian Chromium with a fresh profile (one per test module)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = bu.launch_chromium(pw, workdir.parent / "chromium-profile")
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(chromium, lab) -> Iterator[Tuple[object, bu.ConsoleErrors]]:
    """A fresh tab on the JupyterLab server and the console errors it collects.

    The kernels it started are shut down afterwards (2 CPU cores: no idle kernels left behind).
    """
    tab = chromium.new_page()
    tab.set_default_timeout(bu.UPDATE_TIMEOUT_MS)
    console = bu.ConsoleErrors().attach(tab)
    external = bu.ExternalRequests().attach(tab)
    try:
        yield tab, console
        assert external.unknown == [], f"requests that left the machine: {external.unknown}"
    finally:
        tab.close()
        lab.shutdown_kernels()


def _shot(target, name: str) -> None:
    path = bu.screenshot(target, name)
    print(f"screenshot: {path}")


# ------------------------------------------------------------------------------------------------
# The harness itself: it sees changes, counts redraws, and catches errors (so the tests can fail)
# ------------------------------------------------------------------------------------------------

def test_harness_drives_a_widget_and_counts_redraws(lab, page):
    tab, console = page
    bu.open_notebook(tab, lab, "selftest/selftest.ipynb")
    prompts = bu.run_all_cells(tab)
    assert prompts == ["[1]:"], prompts
    box = tab.locator(".tcn-selftest")
    box.wait_for()
    bu.wait_until(lambda: bu.readout_text(box) == "twice k plus one: 7", "the first readout")
    before = bu.image_sources(box)
    assert len(before) == 1

    bu.start_redraw_counter(box)
    bu.press_slider(box, "k", "ArrowRight", 2)
    bu.wait_until(lambda: bu.readout_text(box) == "twice k plus one: 11", "the readout after k -> 5",
                  describe=lambda: bu.readout_text(box))
    bu.wait_until(lambda: bu.image_sources(box) != before and len(bu.image_sources(box)) == 1,
                  "the redrawn figure")
    assert bu.slider_value(box, "k") == 5
    assert bu.redraw_count(box) >= 1

    bu.start_redraw_counter(box)
    bu.drag_slider(box, "k", 0.9, steps=40)  # passes over ~30 values
    final = bu.slider_value(box, "k")
    assert final > 30
    bu.wait_until(lambda: bu.readout_text(box) == f"twice k plus one: {2 * final + 1}", "the readout after the drag")
    bu.wait_kernel_idle(tab)
    # continuous_update=False: one value is sent on release, so one redraw, not one per value.
    assert bu.redraw_count(box) <= 3
    assert len(bu.image_sources(box)) == 1
    assert bu.notebook_errors(tab) == []
    assert console.errors == []


def test_harness_catches_kernel_and_console_errors(lab, page):
    tab, console = page
    bu.open_notebook(tab, lab, "selftest/selftest_errors.ipynb")
    bu.run_all_cells(tab)
    bad = tab.locator(".tcn-selftest-bad")
    bad.wait_for()
    bu.press_slider(bad, "bad")
    bu.wait_kernel_idle(tab)
    # The traceback arrives a moment after the kernel's reply: wait for the log console's count.
    bu.wait_until(lambda: bu.log_console_count(tab) > 0, "the callback error in the log console")
    errors = "\n".join(bu.notebook_errors(tab))
    assert "ZeroDivisionError" in errors  # an error in a cell
    assert "boom in a widget callback" in errors  # an error in a widget callback (log console)
    tab.evaluate("console.error('deliberate console error')")
    tab.wait_for_timeout(200)
    assert any("deliberate console error" in e for e in console.errors)


# ------------------------------------------------------------------------------------------------
# The receptive-field explorers (tcnlib.widgets.receptive_field_explorer)
# ------------------------------------------------------------------------------------------------

def _code(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


#: Every lesson that shows widgets (found by reading the notebooks, so a new one is covered).
WIDGET_NOTEBOOKS = [f"notebooks/{p.name}" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
                    if re.search(r"\bwidgets\b|ipywidgets|_explorer\(", _code(p))]


def _rate_hz(label: str) -> float:
    """'16 kHz (speech audio)' -> 16000.0; '100 Hz (spectrogram frames)' -> 100.0."""
    m = re.match(r"\s*([\d.]+)\s*(k?)Hz", label)
    assert m, f"rate option {label!r} does not start with a rate in Hz or kHz"
    return float(m.group(1)) * (1000.0 if m.group(2) else 1.0)


def _state(root) -> dict:
    """The explorer's control values, read from the page as a student sees them."""
    def select_text(name):
        return bu.control(root, name, "widget-dropdown").locator("select").evaluate(
            "s => s.options[s.selectedIndex].text")

    return {
        "kernel_size": bu.slider_value(root, "kernel size"),
        "n_layers": bu.slider_value(root, "layers"),
        "schedule": select_text("dilations"),
        "base": bu.slider_value(root, "base"),
        "custom": bu.control(root, "custom", "widget-text").locator("input").input_value(),
        "n_stacks": bu.slider_value(root, "stacks"),
        "convs_per_block": bu.slider_value(root, "convs/block"),
        "rate": _rate_hz(select_text("rate")),
        "channels": int(bu.control(root, "channels").locator("input").input_value()),
    }


def _expected(st: dict, custom_dilations=None) -> dict:
    """What the readouts must say for control values ``st``, computed here with tcnlib.receptive."""
    from tcnlib.receptive import exponential_dilations, receptive_field, stack_parameters, to_seconds

    if st["schedule"] == "none":
        dils = [1] * st["n_layers"]
    elif st["schedule"] == "exponential":  # the explorer caps dilations at its documented limit
        from tcnlib.widgets import LIMITS

        dils = [min(d, LIMITS["dilation"][1]) for d in exponential_dilations(st["n_layers"], st["base"])]
    else:
        dils = custom_dilations if custom_dilations is not None else [int(t) for t in re.findall(r"\d+", st["custom"])]
    dils = dils * st["n_stacks"]
    rf = receptive_field(st["kernel_size"], dils, st["convs_per_block"])
    return {"rf": rf, "seconds": to_seconds(rf, st["rate"]), "dilations": dils,
            "params": stack_parameters(st["kernel_size"], len(dils), st["channels"],
                                       convs_per_block=st["convs_per_block"])}


def _shown(root) -> dict:
    """The numbers the readouts show."""
    def span(cls):
        loc = root.locator(f".tcn-readout .{cls}")
        return loc.first.inner_text().strip() if loc.count() else ""

    seconds = re.match(r"[\d.eE+-]+", span("tcn-rf-seconds"))
    steps = span("tcn-rf-steps")
    return {"rf": int(steps) if steps.isdigit() else None,
            "seconds": float(seconds.group(0)) if seconds else None,
            "params": int(span("tcn-params").replace(",", "") or -1),
            "dilations": span("tcn-dilations")}


def _matches(shown: dict, exp: dict) -> bool:
    if shown["rf"] != exp["rf"] or shown["params"] != exp["params"] or shown["seconds"] is None:
        return False
    if abs(shown["seconds"] - exp["seconds"]) > 1e-3 * exp["seconds"]:  # 4 significant digits shown
        return False
    return len(exp["dilations"]) > 16 or shown["dilations"] == str(exp["dilations"])


def _message(root) -> str:
    return " ".join(root.locator(".tcn-message").all_inner_texts())


class ExplorerDriver:
    """Moves one explorer's controls and checks each resulting state; a screenshot per state."""

    def __init__(self, tab, root, name: str) -> None:
        self.tab, self.root, self.name = tab, root, name
        self.step = 0
        self.src = bu.image_sources(root)
        assert len(self.src) == 1, f"{name}: expected one figure, found {len(self.src)}"
        self.latencies: list = []  # ms from the action to the new figure in the page (printed only)
        bu.start_redraw_counter(root)

    def check(self, label: str, act=lambda: None, expect_redraw: bool = True, message: str = "",
              custom_dilations=None) -> dict:
        """Do ``act``, wait for the readouts to show tcnlib's numbers, check figure and message."""
        t0 = self.tab.evaluate("performance.now()")
        act()
        exp: dict = {}

        def settled() -> bool:
            exp.clear()
            exp.update(_expected(_state(self.root), custom_dilations))
            return _matches(_shown(self.root), exp)

        bu.wait_until(settled, f"{self.name} [{label}]: readouts to show {exp}",
                      describe=lambda: f"state {_state(self.root)}, readouts {_shown(self.root)}, "
                                       f"message {_message(self.root)!r}")
        if expect_redraw:
            bu.wait_until(lambda: bu.image_sources(self.root) != self.src,
                          f"{self.name} [{label}]: the figure to be redrawn")
            self.latencies.append(bu.last_redraw_ms(self.root) - t0)
            # Several actions in one step may redraw more than once: wait for the last figure.
            bu.wait_until(lambda: self._stable(0.4), f"{self.name} [{label}]: the figure to settle")
        else:
            self.tab.wait_for_timeout(300)
            assert bu.image_sources(self.root) == self.src, f"{self.name} [{label}]: redrawn although the stack did not change"
        self.src = bu.image_sources(self.root)
        assert len(self.src) == 1, f"{self.name} [{label}]: {len(self.src)} figures: old figures stack up"
        if message:
            assert re.search(message, _message(self.root), re.I), (
                f"{self.name} [{label}]: the widget should explain /{message}/, it says {_message(self.root)!r}")
        assert "Traceback" not in self.root.inner_text()
        assert "could not update" not in _message(self.root), _message(self.root)
        _shot(self.root, f"{self.name}-{self.step:02d}-{label}")
        self.step += 1
        return exp

    def _stable(self, seconds: float) -> bool:
        """True when the figure did not change for ``seconds``."""
        before = bu.image_sources(self.root)
        self.tab.wait_for_timeout(seconds * 1000)
        return bu.image_sources(self.root) == before

    # One student session: every control the lessons ask to move, then the extreme settings.
    def full_tour(self) -> None:
        r = self.root
        k = bu.slider_value(r, "kernel size")
        self.check("initial", expect_redraw=False)
        self.check("kernel-size", lambda: bu.press_slider(r, "kernel size", "ArrowRight" if k < 9 else "ArrowLeft"))
        sched = _state(r)["schedule"]
        first = "none" if sched != "none" else "custom"
        self.check(f"schedule-{first}", lambda: bu.select_option(r, "dilations", first))
        self.check("schedule-exponential", lambda: bu.select_option(r, "dilations", "exponential"))
        self.check("layers-6", lambda: bu.type_slider(r, "layers", 6) if _state(r)["n_layers"] != 6
                   else bu.type_slider(r, "layers", 5))
        self.check("base-3", lambda: bu.type_slider(r, "base", 3 if _state(r)["base"] != 3 else 2))
        self.check("stacks", lambda: bu.press_slider(r, "stacks", "ArrowRight" if _state(r)["n_stacks"] < 2 else "ArrowLeft"))
        self.check("convs-per-block", lambda: bu.press_slider(
            r, "convs/block", "ArrowRight" if _state(r)["convs_per_block"] < 2 else "ArrowLeft"))
        self.check("rate-16kHz", lambda: bu.select_option(r, "rate", "16 kHz (speech audio)"), expect_redraw=False)
        self.check("channels-64", lambda: bu.fill_text(r, "channels", "64" if _state(r)["channels"] != 64 else "48"),
                   expect_redraw=False)

        def toggle_causal():
            bu.checkbox(r, "causal").click()

        self.check("causal-toggled", toggle_causal)
        causal_now = bu.checkbox(r, "causal").is_checked()
        assert ("non-causal" in bu.readout_text(r)) != causal_now, bu.readout_text(r)
        self.check("causal-toggled-back", toggle_causal)

        def custom(text):
            def act():
                if _state(r)["schedule"] != "custom":
                    bu.select_option(r, "dilations", "custom")
                bu.fill_text(r, "custom", text)
            return act

        self.check("custom-gridding", custom("1, 4, 16"))
        # Extreme settings: clamped and explained, never a traceback.
        from tcnlib.widgets import LIMITS

        cap = LIMITS["dilation"][1]
        self.check("edge-huge-dilation", custom("1, 2, 1000000"), message=str(cap), custom_dilations=[1, 2, cap])
        self.check("edge-kernel-size-1", lambda: bu.press_slider(r, "kernel size", "Home"), message=r"kernel size 1",
                   custom_dilations=[1, 2, cap])

        def single_layer():
            bu.select_option(r, "dilations", "exponential")
            bu.press_slider(r, "stacks", "Home")
            bu.press_slider(r, "convs/block", "Home")
            bu.press_slider(r, "layers", "Home")
            bu.type_slider(r, "kernel size", 3)

        self.check("edge-single-layer", single_layer, message=r"single layer")
        # A fast mouse drag over every layer count: one redraw on release, not one per value.
        bu.start_redraw_counter(r)
        src_before = self.src
        exp = self.check("edge-drag-to-max-layers-rf-wider-than-drawn", lambda: bu.drag_slider(r, "layers", 1.0),
                         message=r"wider than")
        n_layers = _state(r)["n_layers"]
        assert n_layers == LIMITS["n_layers"][1] and exp["rf"] > 64
        redraws = bu.redraw_count(r)
        # The figure changed (checked above); at most a few redraws, never one per value passed.
        assert redraws <= 3, (f"{self.name}: {redraws} redraws for one drag over {n_layers - 1} values "
                                   f"(figure {src_before} -> {self.src})")

    # Another explorer on the same page: two states and an extreme setting.
    def short_tour(self) -> None:
        r = self.root
        self.check("initial", expect_redraw=False)
        k = bu.slider_value(r, "kernel size")
        self.check("kernel-size", lambda: bu.press_slider(r, "kernel size", "ArrowRight" if k < 9 else "ArrowLeft"))
        self.check("edge-kernel-size-1", lambda: bu.press_slider(r, "kernel size", "Home"), message=r"kernel size 1")


def _print_latency(driver: ExplorerDriver) -> None:
    """Print (never assert: speed lives in benchmarks/) the action-to-new-figure times seen."""
    lat = sorted(driver.latencies)
    if lat:
        print(f"{driver.name}: browser update latency (action to new figure): median {lat[len(lat) // 2]:.0f} ms, "
              f"max {lat[-1]:.0f} ms over {len(lat)} redraws")


def _explorers(tab, where: str):
    roots = tab.locator(".tcn-rf-explorer")
    bu.wait_until(lambda: roots.count() > 0 and bu.readout_text(roots.first) != "",
                  f"an explorer with readouts in {where}")
    return [roots.nth(i) for i in range(roots.count())]


@pytest.mark.parametrize("notebook", WIDGET_NOTEBOOKS)
def test_explorers_in_jupyterlab(lab, page, notebook):
    tab, console = page
    bu.open_notebook(tab, lab, notebook)
    bu.run_all_cells(tab)
    errors = bu.notebook_errors(tab)
    assert errors == [], f"{notebook}: errors after Run All:\n" + "\n".join(errors)
    stem = Path(notebook).stem
    _shot(tab, f"{stem}-after-run-all")
    # Lessons that build an explorer must show it; other widget lessons get the error checks only.
    roots = _explorers(tab, notebook) if "_explorer(" in _code(ROOT / notebook) else []
    for i, root in enumerate(roots):
        root.scroll_into_view_if_needed()
        driver = ExplorerDriver(tab, root, f"{stem}-explorer{i + 1}")
        driver.full_tour() if i == 0 else driver.short_tour()
        _print_latency(driver)
    bu.wait_kernel_idle(tab)
    errors = bu.notebook_errors(tab)
    assert errors == [], f"{notebook}: kernel errors while moving the controls:\n" + "\n".join(errors)
    assert console.errors == [], f"{notebook}: browser console errors:\n" + "\n".join(console.errors)


# ------------------------------------------------------------------------------------------------
# The presenter view: notebooks/presenter/explorers.ipynb in Voila (only the explorers, no code)
# ------------------------------------------------------------------------------------------------

PRESENTER = "notebooks/presenter/explorers.ipynb"


@pytest.fixture(scope="module")
def voila(workdir: Path) -> Iterator[bu.Server]:
    """Voila on 127.0.0.1 serving the presenter notebook (scratch copy); always stopped afterwards."""
    try:
        import voila as _voila  # noqa: F401
    except ImportError:
        skip_or_fail("voila is not installed (pip install -r requirements.txt)")
    server = bu.start_voila(workdir / PRESENTER, workdir.parent / "voila")
    try:
        yield server
    finally:
        server.stop()


def test_presenter_view_in_voila(voila, chromium):
    tab = chromium.new_page()
    tab.set_default_timeout(bu.UPDATE_TIMEOUT_MS)
    console = bu.ConsoleErrors().attach(tab)
    external = bu.ExternalRequests().attach(tab)
    try:
        tab.goto(voila.url(""), timeout=120_000)
        roots = _explorers(tab, "the presenter view")
        bu.wait_until(lambda: tab.locator(".tcn-rf-explorer").count() == 3, "the three explorers")
        roots = _explorers(tab, "the presenter view")
        assert "receptive_field_explorer(" not in tab.inner_text("body"), "the presenter view shows code"
        _shot(tab, "presenter-voila-page")
        for i, root in enumerate(roots):
            root.scroll_into_view_if_needed()
            driver = ExplorerDriver(tab, root, f"presenter-explorer{i + 1}")
            driver.short_tour()
            _print_latency(driver)
        errors = tab.evaluate(bu.ERRORS_JS)
        assert errors == [], "errors in the presenter view:\n" + "\n".join(errors)
        assert console.errors == [], "browser console errors in the presenter view:\n" + "\n".join(console.errors)
        assert external.unknown == [], f"requests that left the machine: {external.unknown}"
    finally:
        tab.close()

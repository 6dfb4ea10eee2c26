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
    """A scratch copy of notebooks/ (plus the harness's self-test notebooks) for the server."""
    reason = bu.missing_browser_reason()
    if reason:
        skip_or_fail(reason)
    tmp = tmp_path_factory.mktemp("browser")
    work = tmp / "work"
    shutil.copytree(ROOT / "notebooks", work / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if (ROOT / "assets").exists():  # notebooks may read ../assets; read-only use
        (work / "assets").symlink_to(ROOT / "assets", target_is_directory=True)
    if (ROOT / "presenter").exists():
        shutil.copytree(ROOT / "presenter", work / "presenter")
    selftest = work / "selftest"
    selftest.mkdir()
    _selftest_notebook(selftest / "selftest.ipynb", error_cell=False)
    _selftest_notebook(selftest / "selftest_errors.ipynb", error_cell=True)
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
    """A fresh tab and the console errors it collects; the kernels it started are shut down after."""
    tab = chromium.new_page()
    tab.set_default_timeout(bu.UPDATE_TIMEOUT_MS)
    console = bu.ConsoleErrors().attach(tab)
    try:
        yield tab, console
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

"""Widget responsiveness: from a control's new value to the redrawn receptive-field explorer.

The explorer (``tcnlib.widgets.receptive_field_explorer``, notebooks 02 and 03) redraws inside the
control's callback, so in Python "update to redraw done" is the time of ``control.value = v``:
clamped settings, readouts, stack diagram rendered to PNG and put in the ``Image`` widget. No
browser is involved (the browser adds the message round trip and decoding the PNG; the browser
tests check behaviour, not time). Target: <= 200 ms per update on the course CPU.

Settings, each on a fresh explorer so its diagram cache is cold:

* ``new diagram``: kernel size stepped through values not drawn before (each update draws);
  reported as the median and the worst of the steps;
* ``largest diagram``: the most the explorer draws (48 convolutions, kernel 9, 64 inputs: a cone
  of ~15,600 connections, drawn aggregated: the top rows' connections, the rest shaded);
* ``moved back``: a control returned to a value drawn before (cached PNG, no drawing);
* ``readouts only``: the rate changed (numbers change, the diagram does not).

Wall-clock time is reported (what a student waits); the note adds the CPU time of this process,
which a busy shared machine inflates less. Also checked (in the note): no pyplot figure is left
open after all updates, and each new diagram is drawn exactly once.
"""
from __future__ import annotations

import statistics
import time
from typing import Callable, List

from harness import Row

BENCH = "Widget update latency: receptive-field explorer, control change to redraw done (Python side)"
TARGET_MS = 200.0


_CPU_MS: List[float] = []


def _timed(fn: Callable[[], object]) -> float:
    """Wall-clock ms of ``fn()``; its CPU ms (this process) goes to ``_CPU_MS`` for the notes."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    wall = (time.perf_counter() - t0) * 1e3
    _CPU_MS.append((time.process_time() - c0) * 1e3)
    return wall


def _explorer(**kwargs):
    from tcnlib.widgets import receptive_field_explorer

    return receptive_field_explorer(**kwargs)


def _set(ctl, value) -> Callable[[], None]:
    def go() -> None:
        ctl.value = value
    return go


def run(quick: bool) -> List[Row]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs_before = len(plt.get_fignums())
    repeats = 1 if quick else 3
    kernels = [4, 5] if quick else [4, 5, 6, 7, 8, 9, 2]
    _explorer()  # import matplotlib, fonts, widgets once, outside the timings

    new: List[float] = []
    new_cpu: List[float] = []
    back: List[float] = []
    rate: List[float] = []
    largest: List[float] = []
    largest_cpu: List[float] = []
    redraws_ok = True
    for _ in range(repeats):
        e = _explorer(kernel_size=3, n_layers=4, schedule="exponential")
        c = e.controls
        for k in kernels:
            n0 = e.redraws
            new.append(_timed(_set(c["kernel_size"], k)))
            new_cpu.append(_CPU_MS[-1])
            redraws_ok &= e.redraws == n0 + 1
        back.append(_timed(_set(c["kernel_size"], 3)))
        rate.append(_timed(_set(c["rate"], 16000.0)))
        big = _explorer(kernel_size=8, n_layers=12, schedule="exponential", base=2, n_stacks=2, convs_per_block=2)
        largest.append(_timed(_set(big.controls["kernel_size"], 9)))
        largest_cpu.append(_CPU_MS[-1])
    open_figs = len(plt.get_fignums()) - figs_before
    runs = f"{repeats} fresh explorer(s), {len(kernels)} new diagrams each"
    check = (f"pyplot figures left open: {open_figs}; one redraw per new diagram: {'yes' if redraws_ok else 'NO'}")
    rows = [
        Row(BENCH, "new diagram, median", "tcnlib receptive_field_explorer", statistics.median(new), "ms",
            target=TARGET_MS, note=f"{runs}; CPU time median {statistics.median(new_cpu):.0f} ms; {check}"),
        Row(BENCH, "new diagram, worst", "tcnlib receptive_field_explorer", max(new), "ms",
            target=TARGET_MS, note=runs),
        Row(BENCH, "largest diagram (48 convs, k=9)", "tcnlib receptive_field_explorer", min(largest), "ms",
            target=TARGET_MS, note=f"12 layers x 2 stacks x 2 convs/block, best of repeats; CPU time median {statistics.median(largest_cpu):.0f} ms"),
        Row(BENCH, "moved back (cached diagram)", "tcnlib receptive_field_explorer", min(back), "ms",
            target=TARGET_MS, note="best of repeats"),
        Row(BENCH, "readouts only (rate)", "tcnlib receptive_field_explorer", min(rate), "ms",
            target=TARGET_MS, note="best of repeats; the diagram is not redrawn"),
    ]
    return rows


if __name__ == "__main__":
    for r in run(quick=False):
        print(f"{r.setting:<34} {r.value:8.1f} {r.unit}  {r.note}")

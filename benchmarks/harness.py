"""The benchmark harness's shared pieces: the Row record, timing helpers, machine description,
markdown rendering. Benchmarks live in ``benchmarks/bench_*.py``; see ``benchmarks/README.md``.

Not part of tcnlib: nothing in tcnlib imports this.
"""
from __future__ import annotations

import math
import os
import platform
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union


@dataclass
class Row:
    """One measured number.

    Rows with the same ``benchmark`` and ``setting`` are peers: they are compared with each other
    (the ``vs best`` column) and must have been measured in the same run.

    Attributes:
        benchmark: what is measured, e.g. ``"streaming latency, TCN 11x20ch k5 d1..1024"``.
        setting: the case, e.g. ``"batch 1"``.
        implementation: who is measured, e.g. ``"tcnlib TCNStream"``, ``"pytorch-tcn 1.2.3"``.
        value: the measurement (``nan`` when it could not be measured; say why in ``note``).
        unit: e.g. ``"ms/frame"``; lower is better unless ``higher_is_better``.
        target: the goal for tcnlib rows, same unit (None: no target).
        note: anything a reader needs (threads, repeats, why a peer is missing).
        higher_is_better: for throughputs.
    """

    benchmark: str
    setting: str
    implementation: str
    value: float
    unit: str
    target: Optional[float] = None
    note: str = ""
    higher_is_better: bool = False


def time_per_call(fn: Callable[[], object], n: int, repeats: int = 3, warmup: int = 2,
                  max_seconds: Optional[float] = None) -> float:
    """Seconds per call of ``fn``: best (minimum) over ``repeats`` runs of ``n`` calls each.

    The minimum is the least disturbed estimate on a shared machine (as ``timeit`` recommends).
    With ``max_seconds``, a run stops early once it has taken that long (at least one call), so
    a slow peer on a busy machine cannot stall the whole benchmark.
    """
    for _ in range(warmup):
        fn()
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        calls = 0
        while calls < n:
            fn()
            calls += 1
            if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
                break
        best = min(best, (time.perf_counter() - t0) / calls)
    return best


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Temporarily set torch's intra-op thread count."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def best_over_threads(measure: Callable[[], float]) -> Tuple[float, int]:
    """Run ``measure()`` with 1 torch thread and with the default count; return (best, threads).

    Per-frame streaming does tiny ops for which intra-op threads cost more than they give on a
    busy machine, while big convolutions gain from them: each implementation gets its best.
    """
    import torch

    default = torch.get_num_threads()
    results = []
    for n in sorted({1, default}):
        with torch_threads(n):
            results.append((measure(), n))
    return min(results)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> Dict[str, str]:
    """Describe where the numbers were measured: CPU model and cores, GPU, library versions, load."""
    import numpy as np
    import torch

    info = {
        "CPU": _cpu_model(),
        "CPU cores (os.cpu_count)": str(os.cpu_count()),
        "torch threads (default)": str(torch.get_num_threads()),
        "GPU": (torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (CPU only)"),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }
    if hasattr(os, "getloadavg"):
        info["load average at start (1/5/15 min)"] = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    return info


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if v == 0:
        return "0"
    digits = max(0, 3 - int(math.floor(math.log10(abs(v)))) - 1)
    return f"{v:.{digits}f}"


def _cell(v: object) -> str:
    if isinstance(v, float):
        return _fmt(v)
    return str(v).replace("|", "/")


def _dict_tables(rows: Sequence[dict]) -> List[str]:
    """Free-form rows (dicts): one table per ``benchmark`` key, columns = the dicts' keys."""
    out: List[str] = []
    groups: Dict[str, List[dict]] = {}
    for r in rows:
        groups.setdefault(str(r.get("benchmark", "other")), []).append(r)
    for bench, rs in groups.items():
        cols: List[str] = []
        for r in rs:
            cols += [k for k in r if k != "benchmark" and k not in cols]
        out += ["", f"## {bench}", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        out += ["| " + " | ".join(_cell(r.get(c, "")) for c in cols) + " |" for r in rs]
    return out


def render_markdown(rows: Sequence[Union[Row, dict]], info: Dict[str, str], title: str, command: str,
                    quick: bool, seconds: float) -> str:
    """The RESULTS.md text: machine table, then one results table per benchmark.

    ``Row`` objects get the comparison layout (``vs best``, target); plain dicts (free-form rows)
    get a table whose columns are their keys.
    """
    dict_rows = [r for r in rows if isinstance(r, dict)]
    rows = [r for r in rows if not isinstance(r, dict)]
    out: List[str] = [f"# {title}", "",
                      f"Generated by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
                      f"in {seconds:.0f} s" + (" (**quick smoke run: few repeats, numbers are rough**)" if quick else "")
                      + ".", "",
                      "Times are the best (minimum) of several repeats. Peers in one table were measured "
                      "in the same run on the same machine; `vs best` is the ratio to the best of the table.", "",
                      "## Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in info.items()]
    groups: Dict[str, List[Row]] = {}
    for r in rows:
        groups.setdefault(r.benchmark, []).append(r)
    for bench, rs in groups.items():
        out += ["", f"## {bench}", "",
                "| setting | implementation | value | unit | vs best | target | meets target | note |",
                "|---|---|---:|---|---:|---:|---|---|"]
        best: Dict[str, float] = {}
        for r in rs:
            if not math.isnan(r.value):
                b = best.get(r.setting)
                better = (b is None or (r.value > b if r.higher_is_better else r.value < b))
                if better:
                    best[r.setting] = r.value
        for r in rs:
            b = best.get(r.setting)
            if math.isnan(r.value) or b is None or b == 0:
                ratio = "n/a"
            else:
                ratio = f"{(b / r.value if r.higher_is_better else r.value / b):.1f}x"
            if r.target is None or math.isnan(r.value):
                meets = ""
            else:
                ok = r.value >= r.target if r.higher_is_better else r.value <= r.target
                meets = "yes" if ok else "**no**"
            target = "" if r.target is None else ("<= " if not r.higher_is_better else ">= ") + _fmt(r.target)
            out.append(f"| {r.setting} | {r.implementation} | {_fmt(r.value)} | {r.unit} | {ratio} | {target} "
                       f"| {meets} | {r.note} |")
    out += _dict_tables(dict_rows)
    return "\n".join(out) + "\n"


def cpu_rows_wanted() -> bool:
    """False when ``TCN_BENCH_SKIP_CPU=1``: a GPU session (``.ci/gpu/run``) times the CUDA rows only,
    since the CPU rows belong to the course's reference machine."""
    return os.environ.get("TCN_BENCH_SKIP_CPU", "") != "1"


def print_rows(rows: Sequence[Row]) -> None:
    """Print rows one per line (``setting | implementation | value unit | target | note``)."""
    for r in rows:
        target = "" if r.target is None else f" | target {_fmt(r.target)}"
        print(f"{r.setting} | {r.implementation} | {r.value:.3f} {r.unit}{target} | {r.note}")


def bench_main(run: Callable[[bool], List[Row]], description: str, quick_help: str) -> None:
    """Command line of a single benchmark module: ``python benchmarks/bench_x.py [--quick]``."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    args = parser.parse_args()
    print_rows(run(args.quick))

"""Run every benchmark of the course and write ``benchmarks/RESULTS.md``.

Usage (from the repository root)::

    python benchmarks/run.py            # full run, writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # smoke run: few repeats (CI, tests)
    python benchmarks/run.py --only streaming --output /tmp/RESULTS.md

Every ``benchmarks/bench_*.py`` module is a benchmark: it exposes ``run(quick: bool) -> list[Row]``
(``Row`` from ``benchmarks/harness.py``: peers compared in one table with a target) or a list of
plain dicts (free-form rows, one table per ``"benchmark"`` key, columns = the keys). It is
discovered by its file name; nothing else needs to be registered. Peer libraries (``benchmarks/requirements.txt``) are optional: a missing one gives a
row with value ``n/a`` and a note, not a crash.
"""
from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import List, Optional, Sequence, Union

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from harness import Row, machine_info, render_markdown  # noqa: E402


def discover(only: Optional[str] = None) -> List[Path]:
    """The benchmark files ``bench_*.py`` next to this script, sorted; ``only`` filters by substring."""
    files = sorted(HERE.glob("bench_*.py"))
    if only:
        files = [f for f in files if only in f.stem]
    return files


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"benchmarks_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and pickling need the module registered
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise ValueError(f"{path.name} must define run(quick: bool) -> list[Row]")
    return module


def run_all(quick: bool, only: Optional[str] = None) -> List[Union[Row, dict]]:
    """Run the benchmarks; a benchmark that crashes gives one row saying so and the others go on."""
    rows: List[Union[Row, dict]] = []
    files = discover(only)
    if not files:
        raise SystemExit(f"no benchmark matches --only {only!r}; files: {[f.name for f in discover()]}")
    for path in files:
        print(f"== {path.name}", flush=True)
        t0 = time.perf_counter()
        try:
            got = list(_load(path).run(quick))
        except Exception as err:  # keep the other benchmarks' numbers
            traceback.print_exc()
            got = [Row(path.stem, "-", "(benchmark crashed)", math.nan, "-", note=f"{type(err).__name__}: {err}")]
        for r in got:
            if isinstance(r, Row):
                print(f"   {r.setting:<10} {r.implementation:<55} {r.value:>10.4g} {r.unit}  {r.note}", flush=True)
            elif isinstance(r, dict):
                print("   " + ", ".join(f"{k}={v}" for k, v in r.items() if k != "benchmark"), flush=True)
            else:
                raise TypeError(f"{path.name}: run() must return Row objects or dicts, got {type(r).__name__}")
        print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)
        rows += got
    return rows


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run with few repeats (numbers are rough)")
    parser.add_argument("--only", default=None, help="run only bench_*.py files whose name contains this")
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"), help="markdown file to write")
    args = parser.parse_args(argv)
    info = machine_info()
    t0 = time.perf_counter()
    rows = run_all(args.quick, args.only)
    cmd = "python benchmarks/run.py" + (" --quick" if args.quick else "") + (f" --only {args.only}" if args.only else "")
    text = render_markdown(rows, info, "Benchmark results", cmd, args.quick, time.perf_counter() - t0)
    Path(args.output).write_text(text)
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
import re
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import List, Optional, Sequence, Tuple, Union

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


def _sections(text: str) -> Tuple[str, List[Tuple[str, str]]]:
    """Split a RESULTS.md text into its head and its ``## title`` sections ``(title, body)``."""
    parts = re.split(r"(?m)^## ", text)
    out = []
    for part in parts[1:]:
        title, _, body = part.partition("\n")
        out.append((title.strip(), body))
    return parts[0], out


def merge_results(old: str, new: str, drop: Sequence[str], stamp: str) -> str:
    """``old`` with the sections of ``new`` put in (replacing those of the same title, and any old
    section whose title starts with one of ``drop``); each new section starts with ``stamp``."""
    head, old_secs = _sections(old)
    _, new_secs = _sections(new)
    fresh = [(t, b) for t, b in new_secs if t != "Machine"]
    titles = {t for t, _ in fresh}
    kept = [(t, b) for t, b in old_secs if t not in titles and not any(t.startswith(d) for d in drop)]
    text = head.rstrip("\n") + "\n\n" + "".join(f"## {t}\n{b.rstrip()}\n\n" for t, b in kept)
    text += "".join(f"## {t}\n\n{stamp}\n{b.rstrip()}\n\n" for t, b in fresh)
    return text.rstrip("\n") + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run with few repeats (numbers are rough)")
    parser.add_argument("--only", default=None, help="run only bench_*.py files whose name contains this")
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"), help="markdown file to write")
    parser.add_argument("--update", action="store_true",
                        help="replace only the sections of the benchmarks run now in --output, keep the others "
                             "(each replaced section then says when, and under which load, it was measured)")
    parser.add_argument("--drop", action="append", default=[], metavar="TITLE",
                        help="with --update: also remove old sections whose title starts with TITLE")
    args = parser.parse_args(argv)
    info = machine_info()
    t0 = time.perf_counter()
    rows = run_all(args.quick, args.only)
    cmd = "python benchmarks/run.py" + (" --quick" if args.quick else "") + (f" --only {args.only}" if args.only else "")
    seconds = time.perf_counter() - t0
    text = render_markdown(rows, info, "Benchmark results", cmd, args.quick, seconds)
    if args.update and Path(args.output).is_file():
        load = info.get("load average at start (1/5/15 min)", "n/a")
        stamp = (f"*Re-measured by `{cmd} --update` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} in "
                 f"{seconds:.0f} s, same machine table above except the load: load average at start {load} "
                 f"(1/5/15 min); torch threads (default) {info.get('torch threads (default)')}, torch "
                 f"{info.get('torch')}.*\n")
        text = merge_results(Path(args.output).read_text(), text, args.drop, stamp)
    Path(args.output).write_text(text)
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

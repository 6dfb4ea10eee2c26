"""Execute one notebook top to bottom on a fresh kernel and write it with its outputs.

Usage: python .ci/gpu/execute.py notebooks/05_tcn_vs_rnn.ipynb OUT.ipynb [--timeout S]

Used by .ci/gpu/run on the GPU machine (full mode); works anywhere nbclient and ipykernel are
installed. The kernel inherits this process's environment (PYTHONPATH, TCN_COURSE_QUICK).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebook")
    ap.add_argument("output")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = ap.parse_args(argv)
    src = Path(args.notebook)
    nb = nbformat.read(src, as_version=4)
    t0 = time.perf_counter()
    client = NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(src.parent)}})
    try:
        client.execute()
        ok = True
    except Exception as err:  # keep the partial notebook: it shows where it stopped
        print(f"{src.name}: execution failed: {type(err).__name__}: {str(err)[-2000:]}", file=sys.stderr)
        ok = False
    nbformat.write(nb, args.output)
    print(f"{src.name}: {'executed' if ok else 'FAILED'} in {time.perf_counter() - t0:.0f} s -> {args.output}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

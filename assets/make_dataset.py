#!/usr/bin/env python
"""Regenerate the course's example music set in assets/example_music/ (needs the fluidsynth program).

Usage (from the repository root):

    python assets/make_dataset.py                 # the whole set (about 2 minutes)
    python assets/make_dataset.py --only rock_00  # re-render single clips (index.csv untouched)
    python assets/make_dataset.py --out /tmp/x    # somewhere else

The set is deterministic: every clip is drawn from the seeded generator in assets/synth.py, and
the Ogg Vorbis files get a fixed stream serial number, so a second run reproduces the same
bytes on the same fluidsynth/libvorbis versions (see assets/example_music/README.md).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]  # tcnlib from the repository, synth.py from beside this script

import synth  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "assets" / "example_music"), help="output folder")
    ap.add_argument("--only", nargs="*", default=None, help="render only these clip names")
    ap.add_argument("--n-per-style", type=int, default=synth.N_PER_STYLE)
    ap.add_argument("--seed", type=int, default=synth.BASE_SEED)
    args = ap.parse_args()
    rows = synth.generate_example_set(args.out, n_per_style=args.n_per_style, seed=args.seed,
                                      only=args.only, progress=lambda n: print(n, flush=True))
    print(f"wrote {len(rows)} clips to {args.out}")


if __name__ == "__main__":
    main()

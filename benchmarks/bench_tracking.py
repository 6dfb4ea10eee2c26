"""Offline beat tracking time: ``tcnlib.track_beats`` with the shipped checkpoint vs the example-set one vs librosa.

``track_beats`` is the whole pipeline a student calls on a recording: log-mel features, the TCN
(one forward pass over the whole clip) and the beat-pointer HMM with the checkpoint's own decoder
settings. Timed on a held-out varied clip (30 s) and on the same clip repeated to 4 minutes (a
song's length), with one torch thread (a laptop in class) and with the default thread count. Peers
measured in the same run:

* ``beat_tcn_narrow.pt``: the same network with the decoder's defaults (55-215 BPM, no hold
  states), i.e. what ``track_beats`` cost before the shipped tracker was trained on varied music;
* ``librosa.beat.beat_track`` (onset strength + dynamic programming), the classic baseline.

The target of the shipped tracker's rows: at most 1.25 times the example-set tracker's time
("keeps its speed"). The split rows say where the time goes (features + network vs decoder).

``python benchmarks/bench_tracking.py`` prints the rows; ``benchmarks/run.py --only tracking``
puts them in RESULTS.md.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from harness import Row, bench_main, time_per_call, torch_threads  # noqa: E402

import tcnlib  # noqa: E402
from tcnlib import beats  # noqa: E402

BENCH = "Offline beat tracking (track_beats: features + TCN + HMM)"


def _clip() -> tuple:
    folder = tcnlib.data.assets_dir() / "varied_heldout"
    clip = tcnlib.load_beat_dataset(folder)[0]
    return clip.name, clip.y.astype(np.float32), clip.sr


def run(quick: bool) -> List[Row]:
    import torch

    name, y, sr = _clip()
    narrow = beats.PRETRAINED.parent / "beat_tcn_narrow.pt"
    lengths = (30,) if quick else (30, 240)
    repeats = 1 if quick else 5
    threads = sorted({1, torch.get_num_threads()})
    rows: List[Row] = []
    for seconds in lengths:
        audio = np.tile(y, int(np.ceil(seconds * sr / len(y))))[: seconds * sr]
        for n in threads:
            setting = f"{seconds} s of audio ({name}{' repeated' if seconds * sr > 1.1 * len(y) else ''}), {n} thread{'s' if n > 1 else ''}"
            with torch_threads(n):
                t = {}
                for label, ck in (("shipped", None), ("narrow", narrow)):
                    t[label] = time_per_call(lambda: tcnlib.track_beats(audio, sr, checkpoint=ck), n=1,
                                             repeats=repeats, warmup=1)
                t["librosa"] = time_per_call(lambda: beats.librosa_beats(audio, sr), n=1, repeats=repeats, warmup=1)
                model = beats.load_beat_model(beats.PRETRAINED)
                S = beats.beat_features(audio, sr)
                t_net = time_per_call(lambda: beats.beat_activations(model, S), n=1, repeats=repeats, warmup=1)
                act = beats.beat_activations(model, S)[0]
                settings = beats.decoder_settings(model)
                t_dec = time_per_call(lambda: beats.decode_beats(act, **settings), n=1, repeats=repeats, warmup=0)
            rows += [
                Row(BENCH, setting, "tcnlib track_beats, shipped beat_tcn.pt", t["shipped"], "s",
                    target=1.25 * t["narrow"],
                    note=f"decoder {settings}; of which network {t_net:.2f} s (features excluded), decoder {t_dec:.2f} s"),
                Row(BENCH, setting, "tcnlib track_beats, beat_tcn_narrow.pt (decoder defaults)", t["narrow"], "s",
                    note="the same network, decoder 55-215 BPM without hold states"),
                Row(BENCH, setting, "librosa.beat.beat_track", t["librosa"], "s", note="onset strength + dynamic programming"),
            ]
    return rows


if __name__ == "__main__":
    bench_main(run, __doc__.splitlines()[0], "one 30-s length, one repeat")

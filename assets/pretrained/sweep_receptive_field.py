"""Receptive-field sweep of the beat TCN: how much does the context of the network matter, with and
without the HMM decoder, on clean and on harder test clips? (precomputed for notebook 07)

Every model gets the same short training budget (the same steps, batches, crops and augmentation
for a given seed) and the same input features: the front end of the pretrained tracker, frozen
(2-D convolutions over 5 frames, so it only describes the sound around a frame: onset-like
features). Only the residual blocks and the output layer are trained, so the models differ only in
the dilations of their blocks:

* ``dilated-N``: the beat TCN with N residual blocks, dilations 1, 2, ..., 2**(N-1), kernel 5,
  16 channels (N = 11 is the architecture of the pretrained tracker);
* ``undilated-11``: the same 11 blocks, kernel and width, all dilations 1: the same depth and the
  same number of parameters as ``dilated-11``, only the receptive field differs (0.9 s vs 163 s).

Each model is scored on test clips under three conditions (the test clips were never used for
training or for a choice):

* ``clean``: the clip as it is;
* ``noise 10 dB``: white noise at 10 dB SNR added to the audio (features recomputed);
* ``tempo ramp``: the spectrogram time-warped so that the tempo glides from 0.75x to 1.33x of the
  original over the clip (outside the training augmentation's constant 0.8-1.25x).

and decoded twice: with the beat-pointer HMM (``tcnlib.beats.decode_beats``) and with peak
picking (its threshold chosen per model on validation clips), so the HMM's share of the result
shows. Everything is written per clip, so the notebook's error analysis can point at clips.

Usage (from the repository root, one CPU thread; 22 minutes on the course's 2-core CPU, shared with
other jobs at the time):

    python assets/pretrained/sweep_receptive_field.py

It writes ``assets/pretrained/sweep_receptive_field.json`` after every run (a partial sweep is
kept). Notebook 07 imports this file to recompute one of its runs live (``train``, ``score``).

Notebook: 07_tcn_beat_tracking.ipynb
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch

import tcnlib
import tcnlib.utils
from tcnlib import beats

HERE = Path(__file__).resolve().parent
OUT = HERE / "sweep_receptive_field.json"
DEPTHS = (2, 4, 8, 11)
SEEDS = (0, 1, 2)
CONDITIONS = ("clean", "noise 10 dB", "tempo ramp")
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)
RECIPE = dict(steps=150, batch=4, frames=600, lr=3e-3)
RAMP = (0.75, 1.33)


def configs(depths: Sequence[int] = DEPTHS) -> List[Tuple[str, Dict[str, object]]]:
    """The models of the sweep: (name, BeatNet keyword arguments)."""
    out = [(f"dilated-{n}", dict(kind="tcn", n_blocks=n, kernel_size=5, channels=16)) for n in depths]
    out.append(("undilated-11", dict(kind="cnn", n_blocks=11, kernel_size=5, channels=16)))
    return out


def test_names(every: int = 3) -> List[str]:
    """The test clips scored (every third one: 8 clips, one per style)."""
    return tcnlib.list_example_clips("test")[::every]


def tempo_ramp(S: np.ndarray, times: np.ndarray, r0: float = RAMP[0], r1: float = RAMP[1]
               ) -> Tuple[np.ndarray, np.ndarray]:
    """Time-warp a spectrogram so that the tempo glides from ``r0`` to ``r1`` times the original.

    Output frame ``n`` reads input position ``p(n)``, with ``p' = r0 * (r1 / r0) ** (n / N)``
    (a smooth, exponential tempo glide); the beat times move with the frames.

    Returns:
        ``(S_warped, times_warped)``: ``(F, N)`` float32 and the warped times in seconds.
    """
    T = S.shape[1]
    rate = beats.frame_rate()
    N = T / np.sqrt(r0 * r1)
    for _ in range(20):  # fixed point: the glide must end at r1 exactly where the input ends
        speed = r0 * (r1 / r0) ** (np.arange(int(np.ceil(T / min(r0, r1))) + 2) / N)
        pos = np.concatenate([[0.0], np.cumsum(speed)])
        N_new = int(np.searchsorted(pos, T - 1))
        if N_new == N:
            break
        N = N_new
    N = int(N)
    pos = pos[:N]
    i0 = np.clip(np.floor(pos).astype(int), 0, T - 1)
    i1 = np.clip(i0 + 1, 0, T - 1)
    w = (pos - i0).astype(np.float32)
    Sw = (S[:, i0] * (1 - w) + S[:, i1] * w).astype(np.float32)
    frames_in = np.asarray(times, dtype=float) * rate
    keep = frames_in <= pos[-1]
    return Sw, np.interp(frames_in[keep], pos, np.arange(N)) / rate


def condition_inputs(names: Sequence[str], seed: int = 0) -> Dict[str, List[Tuple[str, np.ndarray, np.ndarray]]]:
    """Spectrograms and reference beats of the test clips under every condition (deterministic)."""
    out: Dict[str, List[Tuple[str, np.ndarray, np.ndarray]]] = {c: [] for c in CONDITIONS}
    for i, name in enumerate(names):
        S, ref, _, _ = beats.example_features(name)
        out["clean"].append((name, np.array(S), np.array(ref)))
        clip = tcnlib.load_example_clip(name)
        rng = np.random.default_rng(1000 * seed + i)
        y = clip.y + rng.normal(size=len(clip.y)).astype(np.float32) * np.sqrt(np.mean(clip.y ** 2) / 10)
        out["noise 10 dB"].append((name, beats.beat_features(y, clip.sr), np.array(ref)))
        Sw, refw = tempo_ramp(np.array(S), np.array(ref))
        out["tempo ramp"].append((name, Sw, refw))
    return out


def pretrained_frontend() -> torch.nn.Module:
    """The front end of the tracker trained on the example set (``beat_tcn_narrow.pt``, the one the
    sweep was run with): 2-D convolutions over 5 frames."""
    return beats.load_beat_model(beats.PRETRAINED.parent / "beat_tcn_narrow.pt").frontend


def train(name: str, kwargs: Dict[str, object], seed: int, steps: int = RECIPE["steps"],
          batch: int = RECIPE["batch"], frames: int = RECIPE["frames"], lr: float = RECIPE["lr"]) -> beats.BeatNet:
    """Train the blocks and head of one model with the sweep's fixed budget (no early stopping: the same
    steps for all), on the frozen pretrained front end."""
    tcnlib.seed_everything(seed)
    model = beats.BeatNet(**kwargs)
    model.frontend.load_state_dict(pretrained_frontend().state_dict())
    for p in model.frontend.parameters():
        p.requires_grad_(False)
    train_names = tcnlib.list_example_clips("train")
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=lr / 20)
    model.train()
    model.frontend.eval()  # a fixed feature extractor: no dropout
    for step in range(steps):
        x, y = beats.make_beat_batch(train_names, seed * 1_000_003 + step, batch, frames)
        loss = beats.beat_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    return model.eval()


def choose_threshold(model: beats.BeatNet, val_names: Sequence[str]) -> float:
    """The peak-picking threshold with the best mean F on the validation clips."""
    acts = [(beats.beat_activations(model, beats.example_features(n)[0])[0], beats.example_features(n)[1])
            for n in val_names]
    scores = [np.mean([beats.evaluate_beats(ref, beats.pick_peaks(a, threshold=t))["F-measure"] for a, ref in acts])
              for t in THRESHOLDS]
    return float(THRESHOLDS[int(np.argmax(scores))])


def score(model: beats.BeatNet, inputs: Dict[str, List[Tuple[str, np.ndarray, np.ndarray]]],
          threshold: float) -> Dict[str, List[Dict[str, object]]]:
    """Per-clip scores under every condition: HMM F/CMLt/AMLt, peak-picking F, tempo ratio."""
    out: Dict[str, List[Dict[str, object]]] = {}
    for cond, items in inputs.items():
        rows = []
        for name, S, ref in items:
            act = beats.beat_activations(model, S)[0]
            est = beats.decode_beats(act)
            row: Dict[str, object] = {"clip": name}
            row.update({k: round(v, 4) for k, v in beats.evaluate_beats(ref, est).items()})
            row["F peaks"] = round(beats.evaluate_beats(ref, beats.pick_peaks(act, threshold=threshold))["F-measure"], 4)
            row["tempo ratio"] = round(float(np.median(np.diff(ref)) / np.median(np.diff(est))), 3) if len(est) > 1 else None
            rows.append(row)
        out[cond] = rows
    return out


def run_one(name: str, kwargs: Dict[str, object], seed: int, inputs, val_names: Sequence[str],
            **recipe) -> Dict[str, object]:
    """Train and score one (model, seed): the record the JSON holds for it."""
    t0 = time.perf_counter()
    model = train(name, kwargs, seed, **recipe)
    train_s = time.perf_counter() - t0
    thr = choose_threshold(model, val_names)
    return {"model": name, "seed": seed, "config": kwargs, "receptive_field_frames": model.receptive_field,
            "receptive_field_s": round(model.receptive_field / beats.frame_rate(), 3),
            "parameters": beats.count_parameters(model), "threshold": thr, "train_seconds": round(train_s, 1),
            "scores": score(model, inputs, thr)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--depths", type=int, nargs="+", default=list(DEPTHS))
    ap.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    ap.add_argument("--steps", type=int, default=RECIPE["steps"])
    ap.add_argument("--val-clips", type=int, default=8, help="validation clips for the peak-picking threshold")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    names = test_names()
    val_names = tcnlib.list_example_clips("validation")[::max(1, 24 // args.val_clips)][: args.val_clips]
    recipe = dict(RECIPE, steps=args.steps)
    inputs = condition_inputs(names)
    result = {"recipe": recipe, "ramp": list(RAMP), "conditions": list(CONDITIONS), "test_clips": names,
              "val_clips": val_names, "thresholds": list(THRESHOLDS), "threads": args.threads,
              "command": "python assets/pretrained/sweep_receptive_field.py " + " ".join(argv or sys.argv[1:]),
              "runs": []}
    t_all = time.perf_counter()
    for seed in args.seeds:  # seeds outermost: a sweep cut short still has every model for the first seeds
        for name, kwargs in configs(args.depths):
            rec = run_one(name, kwargs, seed, inputs, val_names, **recipe)
            result["runs"].append(rec)
            result["wall_seconds"] = round(time.perf_counter() - t_all, 1)
            with tcnlib.utils.atomic_write(args.out) as f:
                json.dump(result, f, indent=1)
            m = {c: np.mean([r["F-measure"] for r in rows]) for c, rows in rec["scores"].items()}
            p = {c: np.mean([r["F peaks"] for r in rows]) for c, rows in rec["scores"].items()}
            print(f"{name:13s} seed {seed}: " + "  ".join(f"{c}: HMM {m[c]:.3f} peaks {p[c]:.3f}" for c in m)
                  + f"  ({rec['train_seconds']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

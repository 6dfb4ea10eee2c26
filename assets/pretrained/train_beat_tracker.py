"""Train the beat/downbeat models of notebook 07 on the example set (CPU is enough).

Reproducible: the seed fixes the weights, every batch's crops and every augmentation, so the same
command on the same torch version gives the same checkpoint (up to floating-point differences
between CPUs / thread counts).

Usage (from the repository root):

    # the pretrained tracker used by tcnlib.track_beats (non-causal TCN)
    python assets/pretrained/train_beat_tracker.py --kind tcn --out assets/pretrained/beat_tcn.pt
    # the comparisons of notebook 07
    python assets/pretrained/train_beat_tracker.py --kind tcn --causal --out assets/pretrained/beat_tcn_causal.pt
    python assets/pretrained/train_beat_tracker.py --kind cnn --out assets/pretrained/beat_cnn_undilated.pt

The defaults are the recipe of the committed checkpoints (40 epochs of 100 steps at most, early stopping
on all 24 validation clips; 5-9 minutes per model on one CPU thread).

Each writes a compact checkpoint (weights + model config + an ``info`` dict with the command, the
training settings and the held-out test scores) loadable with ``torch.load(..., weights_only=True)``,
and prints the test scores.

Notebook: 07_tcn_beat_tracking.ipynb
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

import tcnlib
from tcnlib import beats

# The undilated CNN of the comparison: about the TCN's parameter count, receptive field ~0.2 s.
CNN_KWARGS = dict(channels=32, kernel_size=3, n_blocks=4)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kind", choices=beats.MODEL_KINDS, default="tcn")
    ap.add_argument("--causal", action="store_true", help="online model (left padding only)")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--steps", type=int, default=100, help="steps per epoch")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--frames", type=int, default=800, help="crop length in frames (100 per second)")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--patience", type=int, default=12)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--device", default=None,
                    help="cpu, cuda, cuda:1...; default: the GPU when there is one (bfloat16 autocast there)")
    ap.add_argument("--init", default=None, help="continue from this checkpoint's weights")
    ap.add_argument("--monitor", choices=("val_beat_f", "val_loss"), default="val_beat_f",
                    help="what early stopping watches")
    ap.add_argument("--val-clips", choices=("per-style", "all"), default="all",
                    help="validation clips for early stopping and selection: one per style (8, quick) or all 24")
    ap.add_argument("--varied", default=None, nargs="+",
                    help="folders of varied clips (assets/varied_music.py) trained on beside the example set's train split")
    ap.add_argument("--example-weight", type=int, default=1,
                    help="draw crops from the example set's train split this many times as often as from one varied clip")
    ap.add_argument("--varied-val", default=None, nargs="+",
                    help="folders of varied validation clips, judged beside the example set's validation split")
    ap.add_argument("--varied-test", default=None, help="a folder of varied held-out clips, scored at the end")
    ap.add_argument("--strong-augment", action="store_true",
                    help="also pitch shift (+-2 bands) and band limits (30 %% of the crops)")
    ap.add_argument("--max-minutes", type=float, default=None, help="stop after this many minutes of training")
    ap.add_argument("--tempo-range", type=float, nargs=2, default=None, metavar=("MIN_BPM", "MAX_BPM"),
                    help="the decoder's tempo range stored with the model (info['decoder']), used by "
                         "track_beats and the final scores; default: decode_beats' own (55-215 BPM)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    kwargs = CNN_KWARGS if args.kind == "cnn" else {}
    val_names = tcnlib.list_example_clips("validation")
    if args.val_clips == "per-style":
        val_names = val_names[::3]  # the split holds 3 clips per style: one per style, quicker epochs
    if args.example_weight < 1:
        ap.error(f"--example-weight must be a positive integer, got {args.example_weight}")
    train_clips = list(tcnlib.list_example_clips("train")) * args.example_weight
    val_clips = list(val_names)
    trained_on = f"example set, train split (96 clips); early stopping on {len(val_names)} validation clips"
    if args.varied:
        varied = [clip for folder in args.varied for clip in tcnlib.load_beat_dataset(folder)]
        train_clips += varied
        trained_on = (f"example set, train split (96 clips{f', weight {args.example_weight}' if args.example_weight > 1 else ''})"
                      f" + {len(varied)} varied clips ({', '.join(args.varied)})")
    if args.varied_val:
        vval = [clip for folder in args.varied_val for clip in tcnlib.load_beat_dataset(folder)]
        val_clips += vval
        trained_on += f"; early stopping on {len(val_names)} example + {len(vval)} varied validation clips"
    elif args.varied:
        trained_on += f"; early stopping on {len(val_names)} validation clips"
    aug = dict(shift_bands=2, band_limit=0.3) if args.strong_augment else None
    t0 = time.perf_counter()

    def time_limit(epoch, history, model) -> bool:
        return args.max_minutes is not None and time.perf_counter() - t0 > 60 * args.max_minutes

    model, history = beats.train_beat_model(
        kind=args.kind, causal=args.causal, epochs=args.epochs, steps_per_epoch=args.steps,
        batch_size=args.batch, frames=args.frames, lr=args.lr, seed=args.seed, patience=args.patience,
        init=args.init, monitor=args.monitor, train_clips=train_clips,
        val_clips=val_clips, device=args.device, augment_kwargs=aug, callbacks=[time_limit],
        checkpoint=args.out + ".resume" if args.varied else None,
        progress=not args.no_progress, **kwargs)
    train_s = time.perf_counter() - t0
    if tcnlib.training.distributed_world()[0] != 0:
        return 0  # under torchrun every process holds the same weights: rank 0 evaluates and saves
    decoder = {} if args.tempo_range is None else {"min_bpm": args.tempo_range[0], "max_bpm": args.tempo_range[1]}
    model.info = {"decoder": decoder}  # evaluate_beat_model decodes with these (beats.decoder_settings)
    rows = beats.evaluate_beat_model(model, tcnlib.list_example_clips("test"))
    test = beats.mean_scores(rows)
    best_epoch, best_f = history.best("val_beat_f", "max")
    info = {
        "command": "python " + " ".join(["assets/pretrained/train_beat_tracker.py"] + list(sys.argv[1:] if argv is None else argv)),
        "trained_on": trained_on,
        "epochs_run": int(len(history)), "best_epoch": int(best_epoch), "val_beat_f": float(best_f),
        "steps_per_epoch": args.steps, "batch": args.batch, "frames": args.frames, "lr": args.lr,
        "seed": args.seed,
        "augmentation": "gain, random EQ, noise floor, tempo 0.8-1.25 (feature stretch)"
                        + ("; pitch shift +-2 bands, band limit (30 %)" if aug else ""),
        "train_seconds_cpu": round(train_s, 1), "torch": str(torch.__version__),
        "device": str(tcnlib.get_device(args.device)),
        "test": {k: round(v, 4) for k, v in test.items()},
        "parameters": beats.count_parameters(model), "receptive_field_frames": model.receptive_field,
        "decoder": decoder,
    }
    if args.varied_test:
        vrows = beats.evaluate_beat_model(model, tcnlib.load_beat_dataset(args.varied_test))
        info["varied_test"] = {k: round(v, 4) for k, v in beats.mean_scores(vrows).items()}
    beats.save_beat_model(args.out, model, info)
    print(f"saved {args.out}: {info['parameters']} parameters, receptive field {model.receptive_field} frames")
    print(f"training took {train_s:.0f} s, {len(history)} epochs (best {best_epoch}, val F {best_f:.4f})")
    for k, v in test.items():
        print(f"test {k}: {v:.4f}")
    print("per-clip test F-measure:", np.round([r["F-measure"] for r in rows], 3).tolist())
    if args.varied_test:
        print("varied held-out clips:", info["varied_test"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

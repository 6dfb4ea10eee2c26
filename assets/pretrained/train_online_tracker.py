"""Train the online beat model: a causal TCN on causal mel frames, targets delayed by ``--lookahead`` frames.

Features: :func:`tcnlib.online.causal_beat_features` (the STFT window ends at each frame's time stamp),
computed once per clip and kept in memory (and in ``--cache``, an ``.npz`` file, when given).
Model: :class:`tcnlib.online.OnlineBeatModel`. Recipe (the same for every lookahead): random crops of
``--frames`` frames with the course's augmentation (tempo 0.8-1.25x, gain, EQ, noise floor), targets
widened (neighbours 0.5) and delayed by the lookahead, binary cross-entropy, Adam with cosine decay,
gradient clipping 1, ``tcnlib.fit`` with early stopping on the online beat F-measure of the 24
validation clips (:func:`tcnlib.online.decode_online`, threshold 0.3) and the best epoch restored.
Then the peak threshold is chosen on the validation clips, and the test clips are scored once.

Run from the repository root with one torch thread, e.g.::

    python assets/pretrained/train_online_tracker.py --lookahead 4 --out assets/pretrained/beat_tcn_online.pt

``--collect MAIN.pt OUT.json CURVE.pt ...`` writes the results JSON (the shipped model, the offline
tracker on the same test clips, F against lookahead from the curve checkpoints).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import tcnlib  # noqa: E402
from tcnlib.features import augment_features, stretch_features  # noqa: E402
from tcnlib.online import (HOP, OnlineBeatModel, causal_beat_features, decode_online, online_targets,  # noqa: E402
                           save_online_model)

THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def load_features(names, cache):
    feats = {}
    if cache is not None and Path(cache).exists():
        with np.load(cache) as z:
            feats = {k: z[k] for k in z.files}
    missing = [n for n in names if n not in feats]
    for n in missing:
        c = tcnlib.load_example_clip(n)
        feats[n] = causal_beat_features(c.y, c.sr)
    if cache is not None and missing:
        tmp = Path(str(cache) + f".tmp{id(feats)}.npz")
        np.savez(tmp, **feats)
        tmp.replace(cache)
    beats = {n: tcnlib.load_example_clip(n).beats for n in names}
    return feats, beats


def activation(model, S):
    with torch.no_grad():
        return torch.sigmoid(model.eval()(torch.from_numpy(np.array(S))[None]))[0, 0].numpy()


def scores(model, names, feats, beats, lookahead, threshold):
    fs = []
    for n in names:
        est = decode_online(activation(model, feats[n]), lookahead, threshold)
        fs.append(tcnlib.evaluate_beats(beats[n], est)["F-measure"])
    return fs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lookahead", type=int, default=4, help="frames the model may look past a beat")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--steps", type=int, default=60, help="steps per epoch")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--patience", type=int, default=8)
    ap.add_argument("--channels", type=int, default=16)
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="stop after the epoch that passes this wall time (the best epoch is still restored)")
    ap.add_argument("--init", default=None, help="continue from the weights of this online checkpoint")
    ap.add_argument("--cache", default=None, help=".npz file of causal features (reused across runs)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.time()
    train, val, test = (tcnlib.list_example_clips(s) for s in ("train", "validation", "test"))
    feats, beats = load_features(train + val + test, args.cache)
    print(f"features {time.time() - t0:.0f} s", flush=True)
    L = args.lookahead
    tcnlib.seed_everything(args.seed)
    model = OnlineBeatModel(channels=args.channels, n_blocks=args.blocks, kernel_size=5, dropout=0.1, lookahead=L)
    if args.init is not None:
        from tcnlib.online import load_online_model

        model.load_state_dict(load_online_model(args.init).state_dict())

    def batch_fn(step):
        rng = np.random.default_rng(args.seed * 1_000_003 + step)
        xs, ys = [], []
        for _ in range(args.batch):
            n = train[int(rng.integers(len(train)))]
            factor = float(np.exp(rng.uniform(np.log(0.8), np.log(1.25))))
            S = augment_features(stretch_features(feats[n], factor), rng)
            T = S.shape[1]
            y = online_targets(beats[n] * factor, T, L)
            if T >= args.frames:
                s = int(rng.integers(T - args.frames + 1))
                S, y = S[:, s:s + args.frames], y[s:s + args.frames]
            else:
                S, y = np.pad(S, ((0, 0), (0, args.frames - T))), np.pad(y, (0, args.frames - T))
            xs.append(S)
            ys.append(y[None])
        return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))

    def loss_fn(logits, targets):
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, targets)

    val_batches = [(torch.from_numpy(np.array(feats[n]))[None],
                    torch.from_numpy(online_targets(beats[n], feats[n].shape[1], L))[None, None]) for n in val]
    def online_f(logits, targets):  # whole validation clips; the reference = the target's 1s, moved back L frames
        fs = []
        for out, tgt in zip(torch.sigmoid(logits.float()), targets):
            ref = (np.flatnonzero(tgt[0].numpy() == 1.0) - L) * HOP / tcnlib.features.SR
            fs.append(tcnlib.evaluate_beats(ref[ref >= 0], decode_online(out[0].numpy(), L, 0.3))["F-measure"])
        return float(np.mean(fs))

    t_train = time.time()

    def log_and_budget(epoch, history, _model):
        print(f"epoch {epoch}: train_loss {history['train_loss'][-1]:.4f} val_online_f "
              f"{history['val_online_f'][-1]:.3f} ({time.time() - t_train:.0f} s)", flush=True)
        return args.max_minutes is not None and time.time() - t_train > 60 * args.max_minutes

    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * args.steps, eta_min=args.lr / 20)
    hist = tcnlib.fit(model, batch_fn, loss_fn, opt, epochs=args.epochs, steps_per_epoch=args.steps, val=val_batches,
                      metrics={"online_f": online_f}, device="cpu", grad_clip=1.0, scheduler=sched,
                      scheduler_interval="step", monitor="val_online_f", mode="max", patience=args.patience,
                      progress=False, restore_best=True,
                      callbacks=[log_and_budget])
    model.eval()
    val_f = {th: float(np.mean(scores(model, val, feats, beats, L, th))) for th in THRESHOLDS}
    th = max(THRESHOLDS, key=lambda t: (val_f[t], -abs(t - 0.3)))
    test_f = scores(model, test, feats, beats, L, th)
    vals = list(hist["val_online_f"])
    info = {
        "command": "python assets/pretrained/train_online_tracker.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "lookahead_frames": L, "lookahead_ms": 1000.0 * L * HOP / tcnlib.features.SR,
        "threshold": th, "val_online_f_by_threshold": {str(k): v for k, v in val_f.items()},
        "test_online_f": float(np.mean(test_f)), "test_online_f_per_clip": [float(f) for f in test_f],
        "max_minutes": args.max_minutes,
        "epochs_run": len(vals) if vals is not None else None,
        "best_epoch": int(np.argmax(vals)) + 1 if vals else None,
        "train_seconds_cpu": round(time.time() - t0, 1),
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "receptive_field_frames": model.receptive_field,
    }
    save_online_model(args.out, model, info)
    print(json.dumps({k: v for k, v in info.items() if k != "test_online_f_per_clip"}), flush=True)




def collect(main_path: str, curve_paths, out_json: str) -> None:
    """Write the results JSON: the shipped model's scores, the offline tracker beside it, and F
    against model lookahead from the curve checkpoints (each one's ``info``)."""
    from tcnlib.online import DECODER_DELAY, load_online_model

    test = tcnlib.list_example_clips("test")
    offline = []
    for n in test:
        c = tcnlib.load_example_clip(n)
        offline.append(tcnlib.evaluate_beats(c.beats, tcnlib.track_beats(c.y, c.sr))["F-measure"])
    main_info = load_online_model(main_path).info
    curve = []
    for p in curve_paths:
        info = load_online_model(p).info
        curve.append({"checkpoint": Path(p).name, "lookahead_frames": info["lookahead_frames"],
                      "lookahead_ms": info["lookahead_ms"],
                      "declared_latency_ms": info["lookahead_ms"] + 1000.0 * DECODER_DELAY * HOP / tcnlib.features.SR,
                      "threshold": info["threshold"], "test_online_f": info["test_online_f"],
                      "val_online_f": info["val_online_f_by_threshold"][str(info["threshold"])],
                      "epochs_run": info["epochs_run"], "best_epoch": info["best_epoch"],
                      "command": info["command"]})
    curve.sort(key=lambda r: r["lookahead_frames"])
    result = {
        "what": "online beat F-measure (mir_eval, first 5 s skipped) on the 24 test clips of the example set",
        "decoder_delay_ms": 1000.0 * DECODER_DELAY * HOP / tcnlib.features.SR,
        "shipped_online_model": {"checkpoint": Path(main_path).name, **{k: main_info[k] for k in (
            "lookahead_frames", "lookahead_ms", "threshold", "test_online_f", "epochs_run", "best_epoch", "command",
            "train_seconds_cpu")}},
        "offline_tracker": {"what": "tcnlib.track_beats (non-causal BeatNet, centred STFT, Viterbi HMM)",
                            "test_f": float(np.mean(offline)), "test_f_per_clip": [float(f) for f in offline]},
        "curve": curve,
    }
    from tcnlib.utils import atomic_write

    with atomic_write(out_json) as f:
        json.dump(result, f, indent=1)
    print(json.dumps({k: v for k, v in result.items() if k != "offline_tracker"}, indent=1))
    print("offline test F", result["offline_tracker"]["test_f"])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--collect":
        # --collect MAIN.pt OUT.json CURVE1.pt CURVE2.pt ...
        collect(sys.argv[2], sys.argv[4:], sys.argv[3])
    else:
        main()

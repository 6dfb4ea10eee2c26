"""Choose a beat checkpoint's decoder settings on validation clips and store them in it.

After training, the settings of :func:`tcnlib.beats.decode_beats` are searched on validation
clips only: tempo-change stiffness, hold states, tempo prior and tempo range (the evidence
threshold of the "no beat" gate is given, not searched). The winner is the best mean beat
F-measure on the varied validation clips among the settings that keep the example set's
validation clips at ``--example-floor`` or above. With ``--write`` it goes into the checkpoint's
``info["decoder"]`` (used by ``track_beats`` through ``tcnlib.beats.decoder_settings``) and the
checkpoint's test scores are recomputed with it.

Usage (from the repository root; how the shipped ``beat_tcn.pt`` got its settings)::

    python assets/pretrained/choose_decoder.py assets/pretrained/beat_tcn.pt \\
        --varied-val ~/.cache/tcn-course/varied_val ~/.cache/tcn-course/varied_val2 \\
        --varied-test assets/varied_heldout --write

Notebook: 07_tcn_beat_tracking.ipynb (section 12)
"""
from __future__ import annotations

import argparse
import itertools

import numpy as np

import tcnlib
from tcnlib import beats

GRID = {"transition_lambda": (100.0, 50.0, 30.0), "hold": (0.0, 1e-3),
        "tempo_prior": ((85.0, 0.5), (100.0, 0.5)), "tempo_range": ((40.0, 240.0), (55.0, 215.0))}


def mean_f(acts, settings) -> float:
    """Mean beat F-measure of ``(activation, reference beats)`` pairs decoded with ``settings``."""
    return float(np.mean([beats.evaluate_beats(ref, beats.decode_beats(a, **settings))["F-measure"]
                          for a, ref in acts]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--varied-val", nargs="+", required=True, help="folders of varied validation clips")
    ap.add_argument("--varied-test", default=None, help="a folder of held-out clips, scored (never used to choose)")
    ap.add_argument("--threshold", type=float, default=0.35, help="evidence threshold of the no-beat gate")
    ap.add_argument("--example-floor", type=float, default=0.95, help="lowest example validation F allowed")
    ap.add_argument("--write", action="store_true", help="store the chosen settings and rescore the checkpoint")
    args = ap.parse_args(argv)

    model = beats.load_beat_model(args.checkpoint)

    def activations(clips):
        out = []
        for c in clips:
            S, ref, _ = beats.clip_features(c)
            out.append((beats.beat_activations(model, S)[0], ref))
        return out

    example = activations(tcnlib.list_example_clips("validation"))
    varied = activations([c for folder in args.varied_val for c in tcnlib.load_beat_dataset(folder)])
    results = []
    for lam, hold, prior, (lo, hi) in itertools.product(*GRID.values()):
        settings = {"min_bpm": lo, "max_bpm": hi, "transition_lambda": lam, "tempo_prior": list(prior),
                    "threshold": args.threshold, "hold": hold}
        f_ex, f_var = mean_f(example, settings), mean_f(varied, settings)
        results.append((f_var, f_ex, settings))
        print(f"{settings}: example validation F {f_ex:.3f}, varied validation F {f_var:.3f}", flush=True)
    allowed = [r for r in results if r[1] >= args.example_floor]
    if not allowed:
        raise SystemExit(f"no setting keeps the example validation F at {args.example_floor} or above")
    f_var, f_ex, chosen = max(allowed, key=lambda r: r[0])
    print(f"chosen: {chosen} (varied validation F {f_var:.3f}, example validation F {f_ex:.3f}; "
          f"{len(example)} example + {len(varied)} varied validation clips)")
    if args.write:
        model.info = {**model.info, "decoder": chosen}
        model.info["test"] = {k: round(v, 4) for k, v in beats.mean_scores(
            beats.evaluate_beat_model(model, tcnlib.list_example_clips("test"))).items()}
        if args.varied_test:
            model.info["varied_test"] = {k: round(v, 4) for k, v in beats.mean_scores(
                beats.evaluate_beat_model(model, tcnlib.load_beat_dataset(args.varied_test))).items()}
        beats.save_beat_model(args.checkpoint, model, model.info)
        print(f"wrote {args.checkpoint}: example test {model.info['test']}; held out {model.info.get('varied_test')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

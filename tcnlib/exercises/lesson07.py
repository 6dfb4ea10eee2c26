"""Exercises of lesson 07 (beat tracking with a TCN): frames of a beat, the receptive field in
seconds, the beat F-measure by hand, a dilation schedule to design and train, and two concept checks.

Notebook: 07_tcn_beat_tracking.ipynb
"""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from ._core import Exercise, NotYet, Verdict, Wrong, as_number, call, multiple_choice, register

SR, FPS = 22050, 100.0



# --- 07.1 frame of a beat ------------------------------------------------------------------------


def _check_beat_frame(answer: Any) -> Verdict:
    hop = int(round(SR / FPS))
    truth = int(round(12.5 * SR / hop))
    got = as_number(answer, "a frame index")
    if got == truth:
        return Verdict(True, f"12.5 s -> frame {truth} (hop {hop} samples, {SR / hop:.3f} frames/s)")
    return Verdict(False, f"got {answer!r}",
                   f"the hop is round(sr / fps) = {hop} samples, so the true rate is {SR / hop:.3f} frames/s, not {FPS:g}")


register(Exercise(
    "07.1", "frame of a beat", _check_beat_frame,
    start="replace ... with the frame index (an integer) of a beat at 12.5 s",
    solution="answer = round(12.5 * 22050 / round(22050 / 100))  # hop = 220 samples",
    mistake="answer = round(12.5 * 100)  # assumes exactly 100 frames per second"))


# --- 07.2 receptive field of the beat TCN in seconds ---------------------------------------------


def _check_tcn_context(answer: Any) -> Verdict:
    frames = 1 + 2 * (5 - 1) * (2 ** 11 - 1)
    truth = frames / (SR / round(SR / FPS))
    got = as_number(answer, "a number of seconds")
    if abs(got - truth) <= 1e-3 * truth:
        return Verdict(True, f"{frames} frames = {truth:.1f} s")
    hint = "1 + convs_per_block * (k - 1) * sum(dilations) frames, divided by the frame rate 22050 / 220"
    if abs(got - frames) < 1:
        hint = "that is the number of frames; divide by the frame rate 22050 / 220 to get seconds"
    return Verdict(False, f"got {answer!r}", hint)


register(Exercise(
    "07.2", "receptive field of the beat TCN in seconds", _check_tcn_context,
    start="replace ... with the context in seconds (a number)",
    solution="""
frames = 1 + 2 * (5 - 1) * sum(2 ** i for i in range(11))   # two convolutions per block, kernel 5
answer = frames / (22050 / 220)
""",
    mistake="answer = (1 + (5 - 1) * sum(2 ** i for i in range(11))) / (22050 / 220)  # one convolution per block"))


# --- 07.3 the beat F-measure -----------------------------------------------------------------------


def _check_f_measure(fn: Any) -> Verdict:
    import mir_eval

    rng = np.random.default_rng(7)
    for trial in range(25):
        ref = np.cumsum(rng.uniform(0.3, 0.8, size=int(rng.integers(2, 30))))
        keep = rng.uniform(size=len(ref)) < 0.8
        est = np.sort(ref[keep] + rng.normal(0, 0.05, size=int(keep.sum())))
        extra = np.sort(rng.uniform(0, ref[-1], size=int(rng.integers(0, 4))))
        est = np.unique(np.round(np.concatenate([est, extra]), 4))
        est = est[est >= 0]
        truth = mir_eval.beat.f_measure(ref, est, 0.07) if len(est) else 0.0
        got = as_number(call(fn, ref, est, name="f_measure"), "a number")
        if abs(got - truth) > 1e-9 + 1e-6 * abs(truth):
            return Verdict(False, f"got {got!r}, expected {truth:.4f} on trial {trial}",
                           "match each estimate to at most one reference within 70 ms; "
                           "F = 2 * matches / (n_reference + n_estimate)")
    return Verdict(True, "agrees with mir_eval.beat.f_measure on 25 random cases")


register(Exercise(
    "07.3", "beat F-measure", _check_f_measure, kind="code",
    start="write f_measure(reference, estimate) and pass the function itself",
    placeholder="""
def f_measure(reference, estimate, window=0.07):
    raise NotImplementedError  # your code: count one-to-one matches within +-70 ms

answer = f_measure
""",
    solution="""
def f_measure(reference, estimate, window=0.07):
    if len(reference) == 0 or len(estimate) == 0:
        return 0.0
    used, matches = set(), 0
    for r in reference:
        close = [i for i, e in enumerate(estimate) if abs(e - r) <= window and i not in used]
        if close:
            used.add(min(close, key=lambda i: abs(estimate[i] - r)))
            matches += 1
    return 2 * matches / (len(reference) + len(estimate))

answer = f_measure
""",
    mistake="""
def f_measure(reference, estimate, window=0.07):
    # counts every estimate near some reference: two estimates can take the same beat
    hits = sum(any(abs(e - r) <= window for r in reference) for e in estimate)
    return 2 * hits / (len(reference) + len(estimate))

answer = f_measure
"""))


# --- 07.4 design a dilation schedule, train it, measure it (model) ---------------------------------

SCHEDULE_BLOCKS = 4
SCHEDULE_MIN_SECONDS = 4.0
SCHEDULE_CLIPS = ("swing_17", "bossa_nova_17")  # held-out test clips with long drum breaks
SCHEDULE_MIN_F = 0.4


def schedule_model(dilations: Sequence[int]) -> Any:
    """The 4-block beat network of exercise 07.4: the beat TCN's front end, blocks with the given
    ``dilations`` (kernel 5, two convolutions each, 16 channels, non-causal) and a 1x1 head.

    Shapes: ``(B, 80, T) -> (B, 2, T)`` logits (beat, downbeat).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    import torch

    from ..beats import SpectralFrontEnd
    from ..models import TCN

    class ScheduleNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.frontend = SpectralFrontEnd(80, 16)
            self.tcn = TCN(16, [16] * len(dilations), kernel_size=5, dilations=list(dilations), causal=False,
                           dropout=0.1, activation="elu")
            self.head = torch.nn.Conv1d(16, 2, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.tcn(self.frontend(x)))

    return ScheduleNet()


def _as_schedule(answer: Any) -> List[int]:
    if answer is Ellipsis:
        raise NotYet()
    try:
        values = [int(v) for v in answer]
    except (TypeError, ValueError):
        raise Wrong(f"expected a list of {SCHEDULE_BLOCKS} positive integers, got {answer!r}",
                    "write the dilations as a list, e.g. [1, 2, 4, 8]") from None
    if len(values) != SCHEDULE_BLOCKS or any(v < 1 or v != d for v, d in zip(values, answer)):
        raise Wrong(f"expected a list of {SCHEDULE_BLOCKS} positive integers, got {answer!r}",
                    f"one dilation per block, {SCHEDULE_BLOCKS} blocks")
    return values


def train_schedule(dilations: Sequence[int], steps: int = 40, seed: int = 0) -> Tuple[Any, List[Dict[str, float]]]:
    """Train the network of :func:`schedule_model` briefly and score it on the held-out clips
    ``SCHEDULE_CLIPS`` with the HMM decoder.

    To learn in seconds, the front end is that of the tracker trained on the example set
    (``beat_tcn_narrow.pt``), frozen (it only describes the
    sound of 5 frames); the blocks and the head are trained for ``steps`` batches of 4 crops of
    4 s (Adam, seed fixed).

    Returns:
        ``(model, rows)``: the trained model in eval mode and one :func:`tcnlib.beats.evaluate_beats`
        dict per clip.
    """
    import torch

    from .. import beats
    from ..config import seed_everything
    from ..data import list_example_clips

    seed_everything(seed)
    model = schedule_model(dilations)
    narrow = beats.load_beat_model(beats.PRETRAINED.parent / "beat_tcn_narrow.pt")
    model.frontend.load_state_dict(narrow.frontend.state_dict())
    for p in model.frontend.parameters():
        p.requires_grad_(False)
    names = list_example_clips("train")
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=5e-3)
    model.train()
    model.frontend.eval()
    for step in range(steps):
        x, y = beats.make_beat_batch(names, seed * 1_000_003 + step, batch_size=4, frames=400)
        loss = beats.beat_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    model.eval()
    rows = []
    for name in SCHEDULE_CLIPS:
        S, ref, _, _ = beats.example_features(name)
        rows.append(beats.evaluate_beats(ref, beats.decode_beats(beats.beat_activations(model, S)[0])))
    return model, rows


def _check_schedule(answer: Any) -> Verdict:
    from ..beats import frame_rate
    from ..receptive import input_gradient

    dilations = _as_schedule(answer)
    model = schedule_model(dilations)
    # measure the field of the blocks: which input frames move the output at the centre?
    length = 1 + 2 * 4 * sum(dilations) + 64
    grad = input_gradient(model.tcn, 16, length, position=length // 2, n_inputs=1)
    seen = np.flatnonzero(grad > 0)
    span = int(seen[-1] - seen[0] + 1)
    holes = span - len(seen)
    seconds = span / frame_rate()
    if holes:
        return Verdict(False, f"dilations {dilations}: the field spans {span} frames but {holes} of them never reach "
                              "the output (holes)",
                       "a block with kernel 5 and two convolutions reaches +-4 d frames in steps of d; the next "
                       "dilation must not jump over what the blocks below already cover")
    if seconds < SCHEDULE_MIN_SECONDS:
        return Verdict(False, f"dilations {dilations}: measured receptive field {span} frames = {seconds:.2f} s",
                       f"it must span at least {SCHEDULE_MIN_SECONDS:g} s (two bars at 120 BPM): grow the dilations "
                       "faster than doubling, as far as they can go without holes")
    _, rows = train_schedule(dilations)
    f = float(np.mean([r["F-measure"] for r in rows]))
    detail = (f"dilations {dilations}: measured field {span} frames = {seconds:.1f} s, no holes; "
              f"after 40 training steps, held-out beat F {f:.3f} on {', '.join(SCHEDULE_CLIPS)}")
    if f < SCHEDULE_MIN_F:
        return Verdict(False, detail, "the field is fine, but the model did not learn: is every dilation small "
                                      "enough that its taps land inside a 4-s training crop?")
    return Verdict(True, detail)


register(Exercise(
    "07.4", "a dilation schedule for a 4-block beat TCN", _check_schedule, kind="model",
    start=f"replace ... with a list of {SCHEDULE_BLOCKS} dilations, e.g. [1, 2, 4, 8] (the checker measures and trains it)",
    solution="answer = [1, 4, 16, 64]   # x4 per block leaves no holes: 1 + 2 * 4 * 85 = 681 frames = 6.8 s",
    mistake="answer = [1, 32, 64, 128]   # big dilations from the second block on: holes between the taps"))


# --- concept checks ------------------------------------------------------------------------------

register(Exercise(
    "07.5", "why the HMM fixes octave errors", multiple_choice(
        "a", "the decoder knows what the network may not: beats come at a steady tempo, and some tempi are "
             "more likely than others",
        {"b": "the HMM never sees the spectrogram, only the activation; what does its hidden state remember?",
         "c": "there is no threshold in the HMM; what does its hidden state remember from frame to frame?"}),
    kind="concept", start='answer with a letter: "a", "b" or "c"',
    solution='answer = "a"', mistake='answer = "b"'))

register(Exercise(
    "07.6", "what the decoder hides", multiple_choice(
        "b", "to see what the receptive field buys, score the activations without the HMM (peak picking) "
             "and under harder conditions",
        {"a": "compare the sweep's columns with and without the HMM: where is the gap between short and long "
              "context larger?",
         "c": "the sweep's undilated control has exactly as many parameters as the 11-block TCN"}),
    kind="concept", start='answer with a letter: "a", "b" or "c"',
    solution='answer = "b"', mistake='answer = "a"'))

"""Exercises of lesson 06 (a 2D CNN for a clip-level decision): patches per clip, the clip vote,
accuracy from a confusion matrix, the CNN's time resolution, a 2D CNN that keeps time, and a
concept check on what a Conv1d over mel bands gives up.

Notebook: 06_cnn2d_clip_classification.ipynb
"""
from __future__ import annotations

import copy
from typing import Any, Tuple

from ._core import Exercise, NotYet, Verdict, Wrong, as_number, call, is_placeholder, multiple_choice, register

FRAME_RATE = 22050 / 220  # frames per second of the course's spectrograms (tcnlib.beats.frame_rate())

# --- 06.1 number of patches per clip --------------------------------------------------------------

N_FRAMES, PATCH_FRAMES, PATCH_HOP = 2406, 400, 200


def _check_n_patches(answer: Any) -> Verdict:
    value = as_number(answer, "an integer")
    truth = 1 + (N_FRAMES - PATCH_FRAMES) // PATCH_HOP
    if value != int(value):
        raise Wrong(f"got {answer!r}", "a number of patches is an integer")
    ok = int(value) == truth
    return Verdict(ok, f"{truth} patches of {PATCH_FRAMES} frames from {N_FRAMES} frames" if ok else
                   f"got {answer!r}",
                   "the last patch must end inside the clip: starts are 0, hop, 2*hop, ... up to n_frames - frames")


register(Exercise(
    "06.1", "number of patches per clip", _check_n_patches,
    start="replace ... with an integer",
    solution="answer = 1 + (2406 - 400) // 200",
    mistake="answer = 2406 // 200"))


# --- 06.2 clip decision from patch logits -----------------------------------------------------------

def _check_clip_vote(fn: Any) -> Verdict:
    import numpy as np
    import torch

    rng = np.random.default_rng(6)
    for _ in range(20):
        logits = torch.from_numpy(rng.normal(0, 3, size=(int(rng.integers(1, 9)), 8)).astype(np.float32))
        truth = int(torch.log_softmax(logits, dim=1).mean(0).argmax())
        got = call(fn, logits, name="vote")
        try:
            ok = int(got) == truth
        except (TypeError, ValueError):
            raise Wrong(f"vote(logits) returned {got!r}", "return the class index as an integer") from None
        if not ok:
            return Verdict(False, f"for logits of shape {tuple(logits.shape)}: got {got!r}, expected {truth}",
                           "take log_softmax over the classes (dim=1), average over the patches (dim=0), then "
                           "argmax; a majority vote of the patches' classes, or averaging probabilities, can "
                           "differ")
    return Verdict(True, "agrees with the mean log-probability rule on 20 random clips")


register(Exercise(
    "06.2", "clip decision from patch logits", _check_clip_vote, kind="code",
    start="write vote(logits) -> class index and pass the function itself",
    placeholder='''
def vote(logits):
    raise NotImplementedError   # logits: (patches, classes) -> one class index

answer = vote
''',
    solution='''
import torch


def vote(logits):
    return int(torch.log_softmax(logits, dim=1).mean(dim=0).argmax())

# Averaging the raw logits gives the same class: log_softmax subtracts one number per patch
# (its log-sum-exp), the same for every class, so the mean shifts all classes equally.
# A majority vote of the patches' classes can differ: it ignores how sure each patch is.

answer = vote
''',
    mistake='''
import torch


def vote(logits):
    votes = logits.argmax(dim=1)                # each patch votes for its best class
    return int(torch.bincount(votes, minlength=logits.shape[1]).argmax())

answer = vote
'''))


# --- 06.3 accuracy from a confusion matrix ------------------------------------------------------------

C_EXAMPLE = ((3, 0, 0), (1, 2, 0), (0, 0, 3))


def _check_accuracy_from_confusion(answer: Any) -> Verdict:
    import numpy as np

    C = np.array(C_EXAMPLE)
    truth = float(np.trace(C) / C.sum())
    value = as_number(answer, "a number between 0 and 1")
    ok = abs(value - truth) < 1e-9
    return Verdict(ok, f"{int(np.trace(C))} of {int(C.sum())} clips = {truth:.4f}" if ok else f"got {answer!r}",
                   "correct clips lie on the diagonal: trace(C) / sum(C)")


register(Exercise(
    "06.3", "accuracy from a confusion matrix", _check_accuracy_from_confusion,
    start="replace ... with a number computed from C_example",
    solution='''
import numpy as np

C_example = np.array([[3, 0, 0], [1, 2, 0], [0, 0, 3]])
answer = np.trace(C_example) / C_example.sum()
''',
    mistake='''
import numpy as np

C_example = np.array([[3, 0, 0], [1, 2, 0], [0, 0, 3]])
answer = np.trace(C_example) / len(C_example)    # divides by the number of classes
'''))


# --- 06.4 the time cell of the style CNN's last block --------------------------------------------------

def _check_time_cell(answer: Any) -> Verdict:
    value = as_number(answer, "a duration in seconds")
    truth = 4 * 2 ** 4 / FRAME_RATE
    ok = abs(value - truth) <= 0.02 * truth
    hint = ("the time axis is pooled by 4 first, then halved by each of the 4 max poolings: "
            "4 * 2**4 frames, at about 100 frames per second")
    if abs(value - truth / 4) <= 0.02 * truth / 4:
        hint = "do not forget the first average pooling of time by 4"
    return Verdict(ok, f"{4 * 2 ** 4} frames = {truth:.3f} s per cell: 6 cells cover a 4-s patch" if ok
                   else f"got {value!r} s", hint)


register(Exercise(
    "06.4", "time resolution after the pools", _check_time_cell,
    start="replace ... with the duration in seconds of one time cell after the last pooling",
    solution="answer = 4 * 2 ** 4 / (22050 / 220)",
    mistake="answer = 2 ** 4 / (22050 / 220)"))


# --- 06.5 a 2D CNN that keeps the time resolution ---------------------------------------------------

KEEP_TIME_MAX_CELL_S = 0.045   # one output per at most 4 frames (25 per second)
KEEP_TIME_MIN_CONTEXT_S = 1.0  # and at least one second of context per output


def time_cell_and_context(features: Any, n_mels: int = 80, frames: int = 400) -> Tuple[float, float]:
    """Measure a 2D feature stack's time resolution and time context, in seconds.

    Args:
        features: a module mapping ``(B, 1, n_mels, frames)`` to ``(B, C, F', T')``.
        n_mels, frames: the input patch's size.

    Returns:
        ``(cell_s, context_s)``: ``frames / T'`` frames in seconds, and the span of input frames
        with a non-zero gradient for the middle output column (eval mode, autograd).

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    import torch

    m = copy.deepcopy(features).float().eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(1, 1, n_mels, frames, generator=gen, requires_grad=True)
    out = m(x)
    if not isinstance(out, torch.Tensor) or out.dim() != 4:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"expected an output (B, C, F', T'), got {shape}")
    t_out = out.shape[-1]
    out[0, :, :, t_out // 2].sum().backward()
    used = torch.nonzero(x.grad[0, 0].abs().sum(0) > 0).flatten()
    context = int(used.max() - used.min() + 1) if len(used) else 0
    return frames / t_out / FRAME_RATE, context / FRAME_RATE


def _check_keep_time(features: Any) -> Verdict:
    import torch

    if not isinstance(features, torch.nn.Module):
        raise Wrong(f"expected a torch.nn.Module, got {type(features).__name__}",
                    "build the stack with torch.nn.Sequential(...)")
    try:
        cell, context = time_cell_and_context(features)
    except NotImplementedError:
        raise NotYet() from None
    except Exception as err:
        raise Wrong(f"features(x of shape (1, 1, 80, 400)) raised {type(err).__name__}: {err}",
                    "the input is (batch, 1, mel bands, frames); use Conv2d and pooling layers") from None
    detail = f"one output column per {cell:.3f} s, each seeing {context:.2f} s of input"
    if cell > KEEP_TIME_MAX_CELL_S:
        return Verdict(False, detail, "the pools halve time too: pool only along frequency, e.g. "
                                      "MaxPool2d((2, 1)), so the time axis keeps its length")
    if context < KEEP_TIME_MIN_CONTEXT_S:
        return Verdict(False, detail, "without pooling along time a 3x3 stack sees little time: dilate the "
                                      "convolutions along time, e.g. dilation=(1, d) with padding=(1, d)")
    return Verdict(True, detail)


register(Exercise(
    "06.5", "a 2D CNN that keeps time", _check_keep_time, kind="model",
    start="build a feature stack (B, 1, 80, T) -> (B, C, F', T') with one output per at most 40 ms and "
          "at least 1 s of context per output",
    solution='''
from torch import nn

layers, c_in = [nn.AvgPool2d((1, 4))], 1          # 100 -> 25 frames per second
for c_out, d in zip([16, 32, 48, 64], [1, 2, 4, 8]):
    layers += [nn.Conv2d(c_in, c_out, 3, padding=(1, d), dilation=(1, d)),   # dilated along time only
               nn.BatchNorm2d(c_out), nn.ReLU(),
               nn.MaxPool2d((2, 1))]                # pool frequency only
    c_in = c_out
answer = nn.Sequential(*layers)
''',
    mistake='''
from torch import nn

layers, c_in = [nn.AvgPool2d((1, 4))], 1
for c_out in [16, 32, 48, 64]:
    layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(),
               nn.MaxPool2d(2)]                     # the style CNN's 2x2 pooling halves time too
    c_in = c_out
answer = nn.Sequential(*layers)
'''))


# --- 06.6 concept: what a Conv1d over mel bands gives up ---------------------------------------------

register(Exercise(
    "06.6", "what a Conv1d over mel bands gives up", multiple_choice(
        "b", "a 3x3 kernel slides along frequency, so a pattern learned at one pitch is found at every pitch; "
             "the Conv1d has separate weights for every band",
        {"a": "a Conv1d with kernel k sees k frames at once, like the Conv2d's kernel along time",
         "c": "they are equal only when the Conv2d's kernel spans all bands; a 3x3 Conv2d slides along "
              "frequency too",
         "d": "causality is about padding along time; it works the same in both"}),
    kind="concept",
    start="answer = 'a', 'b', 'c' or 'd'",
    solution="answer = 'b'",
    mistake="answer = 'c'"))

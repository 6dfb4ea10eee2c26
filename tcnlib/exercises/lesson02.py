"""Exercises of lesson 02, the receptive field: layers for a context, the formula as a function,
reading a model's field, and where the field lies.

Notebook: 02_receptive_field.ipynb
"""
from __future__ import annotations

import math
from typing import Any

from torch import nn

from ._core import Exercise, Verdict, as_number, call, register
from .lesson01 import multiple_choice


# --- 02.1 plain layers for one second ---------------------------------------------------------

def _check_layers(answer: Any) -> Verdict:
    got = as_number(answer, "a number of layers")
    need = 100                                               # 1 s at 100 frames per second
    expected = math.ceil((need - 1) / 2)                      # 1 + 2 L >= 100
    if got == expected:
        return Verdict(True, f"{expected} layers: receptive field {1 + 2 * expected} frames >= {need}")
    if got == int(got) and 1 + 2 * int(got) < need:
        hint = f"{int(got)} layers reach only 1 + 2 * {int(got)} = {1 + 2 * int(got)} frames: round up"
    else:
        hint = "each plain kernel-3 layer adds k - 1 = 2 frames: the smallest whole L with 1 + 2 L >= 100"
    return Verdict(False, f"got {answer!r}", hint)


register(Exercise(
    "02.1", "plain layers for one second of frames", _check_layers,
    start="replace ... with a whole number of layers (solve 1 + 2 L >= 100)",
    solution="""\
        import math
        answer = math.ceil((100 - 1) / 2)        # 1 + 2 L >= 100 frames  ->  L >= 49.5
        """,
    mistake="answer = (100 - 1) // 2                # rounds down: 49 layers see only 99 frames",
))


# --- 02.2 the formula as a function -----------------------------------------------------------

CASES = [([3], [1]), ([1, 1], [4, 8]), ([2, 2, 2], [1, 2, 4]), ([5, 3, 3], [1, 1, 1]),
         ([3, 3, 3, 3], [1, 2, 4, 8]), ([7, 2, 4], [3, 5, 16])]


def _check_rf_function(fn: Any) -> Verdict:
    from ..receptive import receptive_field

    for ks, ds in CASES:
        want = receptive_field(ks, ds)
        got = call(fn, list(ks), list(ds), name="my_receptive_field")
        if got != want:
            return Verdict(False, f"my_receptive_field({ks}, {ds}) returned {got!r}, expected {want}",
                           "each layer widens the field by (k - 1) * d; start from the output's own step, 1")
    return Verdict(True, f"all {len(CASES)} stacks right (one with kernel size 1, which adds nothing)")


register(Exercise(
    "02.2", "the receptive-field formula as a function", _check_rf_function,
    start="write the body of my_receptive_field(kernel_sizes, dilations) instead of raise NotImplementedError",
    solution="""\
        def my_receptive_field(kernel_sizes, dilations):
            return 1 + sum((k - 1) * d for k, d in zip(kernel_sizes, dilations))

        answer = my_receptive_field
        """,
    mistake="""\
        def my_receptive_field(kernel_sizes, dilations):
            return sum((k - 1) * d for k, d in zip(kernel_sizes, dilations))     # forgets the output's own step

        answer = my_receptive_field
        """,
    placeholder="""\
        def my_receptive_field(kernel_sizes, dilations):
            raise NotImplementedError

        answer = my_receptive_field
        """,
    kind="code",
))


# --- 02.3 the field of a given model ----------------------------------------------------------

def mystery_model() -> nn.Module:
    """The model of exercise 02.3: three ``nn.Conv1d`` with "same" padding, ``(B, 3, T) -> (B, 1, T)``.

    Notebook: 02_receptive_field.ipynb
    """
    return nn.Sequential(
        nn.Conv1d(3, 16, kernel_size=7, padding=3), nn.ReLU(),
        nn.Conv1d(16, 16, kernel_size=3, dilation=4, padding=4), nn.ReLU(),
        nn.Conv1d(16, 1, kernel_size=1),
    )


def _check_mystery(answer: Any) -> Verdict:
    from ..receptive import measure_receptive_field

    got = as_number(answer, "a number of steps")
    expected = measure_receptive_field(mystery_model(), 3)
    if got == expected:
        return Verdict(True, f"{expected} steps: 1 + 6*1 + 2*4 + 0*1, and autograd measures the same")
    if got == 7 + 3 + 1:
        return Verdict(False, f"got {answer!r}",
                       "adding the kernel sizes forgets the dilation (4 in the middle layer) and counts each "
                       "layer's own step again: use 1 + sum((k - 1) * d)")
    return Verdict(False, f"got {answer!r}", "list every Conv1d's kernel_size and dilation, then 1 + sum((k - 1) * d)")


register(Exercise(
    "02.3", "receptive field of a given model", _check_mystery,
    start="replace ... with the receptive field in steps; read every Conv1d's kernel_size and dilation",
    solution="answer = 1 + (7 - 1) * 1 + (3 - 1) * 4 + (1 - 1) * 1    # (k - 1) * d per layer",
    mistake="answer = 7 + 3 + 1                                      # kernel sizes added up",
))


# --- 02.4 concept: padding moves the field, it does not resize it ------------------------------

register(Exercise(
    "02.4", "causal or centred: what padding changes", multiple_choice(
        "b", "padding decides where the window lies (all past, or half past and half future), not how wide it is: "
             "both stacks see 1 + sum((k - 1) * d) inputs",
        {"a": "count the taps: padding adds zeros at the ends of the sequence, not taps to the kernels",
         "c": "the 'same' stack splits the same window into a past half and a future half; field_span shows it",
         "d": "in the middle the 'same' output at t equals the causal output at t + (its lookahead): the same "
              "windows, shifted in time, so the two differ at every t"}),
    start='replace ... with one letter, e.g. answer = "a"',
    solution='answer = "b"',
    mistake='answer = "c"',
    kind="concept",
))

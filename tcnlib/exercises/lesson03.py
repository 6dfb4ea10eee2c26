"""Exercises of lesson 03, dilated convolutions: dilated depth for a context, a schedule without
holes, the time step of a pooled stack, and why frame-level decisions want dilation.

Notebook: 03_dilated_convolutions.ipynb
"""
from __future__ import annotations

from typing import Any

from ._core import Exercise, NotYet, Verdict, Wrong, as_number, is_placeholder, register
from .lesson01 import multiple_choice


# --- 03.1 dilated layers for one second of 16 kHz audio ---------------------------------------

def _check_dilated_layers(answer: Any) -> Verdict:
    from ..receptive import exponential_dilations, receptive_field

    got = as_number(answer, "a number of layers")
    need, n = 16000, 1
    while receptive_field(3, exponential_dilations(n)) < need:
        n += 1
    rf = receptive_field(3, exponential_dilations(n))
    if got == n:
        return Verdict(True, f"{n} layers: receptive field {rf:,} samples >= {need:,} (a plain stack needs 8,000)")
    if got == 6:
        hint = "6 layers is the answer for 100 frames per second (1 s = 100 steps); at 16 kHz 1 s is 16,000 steps"
    else:
        hint = ("with dilations 1, 2, 4, ... the field after L layers is 1 + (k - 1)(2^L - 1); find the smallest L "
                "with at least 16,000")
    return Verdict(False, f"got {answer!r}", hint)


register(Exercise(
    "03.1", "dilated layers for one second of speech", _check_dilated_layers,
    start="replace ... with a whole number of layers (a loop over L with tcnlib.receptive_field is fine)",
    solution="""\
        import tcnlib
        L = 1
        while tcnlib.receptive_field(3, tcnlib.exponential_dilations(L)) < 16000:
            L += 1
        answer = L
        """,
    mistake="answer = 6                 # the depth for 1 s of 100 Hz frames, not of 16 kHz audio",
))


# --- 03.2 a schedule without holes ------------------------------------------------------------

def _check_schedule(dilations: Any) -> Verdict:
    from ..receptive import hole_count, receptive_field

    if is_placeholder(dilations):
        raise NotYet()
    try:
        d = [int(v) for v in dilations]
        if any(v != w for v, w in zip(d, dilations)):
            raise ValueError("not whole numbers")
        rf = receptive_field(2, d)
    except (TypeError, ValueError) as err:
        raise Wrong(f"{dilations!r} is not a list of dilations: {err}",
                    "give a list of positive whole numbers, e.g. [1, 2, 3, 4]") from None
    holes = hole_count(2, d)
    problems = []
    if len(d) > 4:
        problems.append(f"{len(d)} layers > 4")
    if rf < 16:
        problems.append(f"receptive field {rf} < 16")
    if holes:
        problems.append(f"{holes} holes")
    if problems:
        return Verdict(False, f"{d}: " + ", ".join(problems),
                       "sort the dilations: each may be at most the receptive field of the layers below it "
                       "(for kernel 2: their sum plus 1); 4 layers of kernel 2 reach 16 only without any overlap")
    return Verdict(True, f"{d}: receptive field {rf}, no holes (the order of the layers does not matter)")


register(Exercise(
    "03.2", "a kernel-2 schedule without holes", _check_schedule,
    start="replace ... with a list of at most 4 dilations, e.g. [1, 2, 3, 4]",
    solution="answer = [8, 4, 2, 1]          # any order of 1, 2, 4, 8: every lag 0..15 by exactly one path",
    mistake="answer = [1, 4, 16, 2]         # wide, but the jump to 16 skips lags 8..15",
))


# --- 03.3 the time step of a pooled stack -----------------------------------------------------

def _check_pooled_step(answer: Any) -> Verdict:
    got = as_number(answer, "a duration in seconds")
    expected = 2 ** 8 / 100
    if abs(got - expected) <= 1e-3:
        return Verdict(True, f"2^8 = 256 frames per output = {expected:.2f} s: several beats (0.3-1 s apart) fall "
                             "inside one output step")
    if abs(got - 2 * 8 / 100) <= 1e-3:
        hint = "each pooling halves the frame rate again: the factors multiply (2 x 2 x ...), they do not add"
    elif abs(got - 256) <= 1e-6:
        hint = "that is the step in input frames; one frame lasts 1/100 s"
    else:
        hint = "after L poolings by 2 one output step spans 2^L input frames; each frame lasts 1/100 s"
    return Verdict(False, f"got {answer!r}", hint)


register(Exercise(
    "03.3", "time step after eight poolings", _check_pooled_step,
    start="replace ... with a duration in seconds",
    solution="answer = 2 ** 8 / 100          # 256 input frames per output step, 10 ms each",
    mistake="answer = 8 * 2 / 100            # adds the pooling factors instead of multiplying them",
))


# --- 03.4 concept: why frame-level decisions want dilation, not pooling -------------------------

register(Exercise(
    "03.4", "pooling or dilation for frame-level decisions", multiple_choice(
        "b", "pooling buys its field by giving up time resolution: one output per 2^L frames; a dilated stack keeps "
             "one output per frame at the same parameter cost",
        {"a": "look at the capacity table: pooled and dilated stacks need about the same number of parameters",
         "c": "pooling can be made causal like a convolution (pad on the left); the problem is the output length",
         "d": "pooling windows that touch (kernel = stride) leave no holes; count the output frames instead"}),
    start='replace ... with one letter, e.g. answer = "a"',
    solution='answer = "b"',
    mistake='answer = "a"',
    kind="concept",
))

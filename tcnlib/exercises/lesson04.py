"""Exercises of lesson 04, causality and streaming: causal padding, the cost of lookahead, the
memory of a stream, and finding and fixing the future leaks of a given model.

Notebook: 04_causality.ipynb
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

import torch
from torch import nn
from torch.nn import functional as F

from ._core import Exercise, NotYet, Verdict, Wrong, as_number, call, is_placeholder, register
from .lesson01 import multiple_choice


# --- 04.1 causal padding ----------------------------------------------------------------------

def _check_causal_pad(fn: Any) -> Verdict:
    from ..models import DilatedConv1d

    for k, d, T in [(3, 1, 7), (2, 4, 9), (5, 3, 4), (1, 2, 5)]:
        torch.manual_seed(k * 10 + d)
        conv = DilatedConv1d(2, 3, k, d, causal=True)
        x = torch.randn(1, 2, T)
        padded = call(fn, x, k, d, name="causal_pad")
        if not isinstance(padded, torch.Tensor):
            raise Wrong(f"causal_pad returned {type(padded).__name__}, not a tensor", "return F.pad(x, (left, right))")
        try:
            got = F.conv1d(padded, conv.conv.weight, conv.conv.bias, dilation=d)
        except RuntimeError as err:
            return Verdict(False, f"kernel {k}, dilation {d}: the padded input does not fit a convolution: {err}",
                           "pad only the time axis (the last one) with (left, right) amounts")
        with torch.no_grad():
            expected = conv(x)
        if got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-6):
            return Verdict(False, f"kernel {k}, dilation {d}: output shape {tuple(got.shape)} or values differ from "
                                  "DilatedConv1d(causal=True)",
                           "a causal convolution pads all (kernel_size - 1) * dilation zeros on the LEFT")
    return Verdict(True, "matches DilatedConv1d(causal=True) for 4 kernel/dilation pairs (kernel 1 included)")


register(Exercise(
    "04.1", "causal padding by hand", _check_causal_pad,
    start="write the body of causal_pad(x, kernel_size, dilation) instead of raise NotImplementedError",
    solution="""\
        from torch.nn import functional as F

        def causal_pad(x, kernel_size, dilation):
            return F.pad(x, ((kernel_size - 1) * dilation, 0))       # all of it on the left

        answer = causal_pad
        """,
    mistake="""\
        from torch.nn import functional as F

        def causal_pad(x, kernel_size, dilation):
            total = (kernel_size - 1) * dilation
            return F.pad(x, (total - total // 2, total // 2))        # "same": half of it on the right

        answer = causal_pad
        """,
    placeholder="""\
        def causal_pad(x, kernel_size, dilation):
            raise NotImplementedError

        answer = causal_pad
        """,
    kind="code",
))


# --- 04.2 the price of lookahead --------------------------------------------------------------

LOOKAHEAD_DILATIONS = [1, 2, 4, 8, 16, 32]


def _pair(answer: Any, what: str) -> Tuple[float, float]:
    if is_placeholder(answer):
        raise NotYet()
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Wrong(f"expected {what}, got {answer!r}", "answer = (frames, milliseconds), two numbers in brackets")
    if any(is_placeholder(a) for a in answer):
        raise NotYet()
    return as_number(answer[0], "a number of frames"), as_number(answer[1], "a number of milliseconds")


def _check_lookahead(answer: Any) -> Verdict:
    frames, ms = _pair(answer, "(frames, milliseconds)")
    expected = 2 * sum((3 - 1) * d // 2 for d in LOOKAHEAD_DILATIONS)
    if frames == expected and abs(ms - 10 * expected) < 1e-6:
        return Verdict(True, f"{expected} frames = {10 * expected} ms: the answer for frame t comes 1.26 s late")
    if frames == expected // 2:
        hint = "a TCN block has two convolutions, and each looks (k - 1) * d // 2 frames ahead"
    elif frames == expected and abs(ms - 10 * expected) >= 1e-6:
        hint = "at 100 frames per second one frame lasts 10 ms"
    else:
        hint = ("each 'same' convolution sees (k - 1) * d // 2 frames ahead; add them over every convolution "
                "(two per block); the output can only be computed once the last future frame has arrived")
    return Verdict(False, f"got {frames:g} frames, {ms:g} ms", hint)


register(Exercise(
    "04.2", "lookahead of a 'same' TCN in milliseconds", _check_lookahead,
    start="replace ... with (frames, milliseconds), e.g. answer = (10, 100)",
    solution="""\
        frames = 2 * sum((3 - 1) * d // 2 for d in [1, 2, 4, 8, 16, 32])   # two convolutions per block
        answer = (frames, frames * 1000 / 100)                             # 10 ms per frame at 100 fps
        """,
    mistake="""\
        frames = sum((3 - 1) * d // 2 for d in [1, 2, 4, 8, 16, 32])       # one convolution per block
        answer = (frames, frames * 10)
        """,
))


# --- 04.3 the memory of a stream --------------------------------------------------------------

def _check_stream_memory(answer: Any) -> Verdict:
    from ..models import TCN

    got = as_number(answer, "a number of frames")
    big = TCN(40, [32] * 8, kernel_size=5)
    expected = sum((big.kernel_size - 1) * d for d in big.dilations) * big.convs_per_block
    if got == expected:
        return Verdict(True, f"{expected} frames = receptive field - 1 = {big.receptive_field} - 1, however long the "
                             "stream runs")
    if got == expected // 2:
        hint = "every block has two convolutions, each with its own history of (k - 1) * d frames"
    elif got == big.receptive_field:
        hint = "the current frame is the new input, not memory: the histories hold the frames before it"
    else:
        hint = "every convolution keeps its last (k - 1) * d inputs; add them over all convolutions (two per block)"
    return Verdict(False, f"got {answer!r}", hint)


register(Exercise(
    "04.3", "past frames a stream remembers", _check_stream_memory,
    start="replace ... with a number of frames (the dilations are 1, 2, 4, ..., 128)",
    solution="answer = 2 * sum((5 - 1) * d for d in [1, 2, 4, 8, 16, 32, 64, 128])   # two convs per block",
    mistake="answer = sum((5 - 1) * d for d in [1, 2, 4, 8, 16, 32, 64, 128])       # one history per block",
))


# --- 04.4 find and fix the future leaks of a model (model) ------------------------------------

LEAKY_IN, LEAKY_T = 8, 32


def leaky_model() -> nn.Module:
    """The model of exercise 04.4: meant to be causal, ``(B, 8, T) -> (B, 1, T)``, but it is not.

    Notebook: 04_causality.ipynb
    """
    from ..models import DilatedConv1d

    torch.manual_seed(4)
    return nn.Sequential(
        DilatedConv1d(LEAKY_IN, 16, kernel_size=3, dilation=1, causal=True),
        nn.BatchNorm1d(16),
        nn.ReLU(),
        nn.Conv1d(16, 16, kernel_size=3, dilation=2, padding=2),
        nn.ReLU(),
        nn.AvgPool1d(kernel_size=3, stride=1, padding=1),        # smooths over 3 frames
        nn.Conv1d(16, 1, kernel_size=1),
    )


def _conv_parameters(model: nn.Module) -> int:
    return sum(p.numel() for m in model.modules() if isinstance(m, nn.Conv1d) for p in m.parameters())


def _mask(model: nn.Module, train: bool, trials: int = 4) -> torch.Tensor:
    from ..causality import dependency_mask

    model.train(train)
    return dependency_mask(model, LEAKY_IN, LEAKY_T, trials=trials)


def _first_leak(model: nn.Module, train: bool) -> Optional[str]:
    """For an ``nn.Sequential``: the first layer after which the prefix sees the future."""
    from ..causality import future_leak

    if not isinstance(model, nn.Sequential):
        return None
    for i in range(1, len(model) + 1):
        prefix = nn.Sequential(*list(model)[:i])
        try:
            leak = future_leak(_mask(prefix, train, trials=1))
        except Exception:  # a prefix may not run on its own (e.g. ends in a reshaping layer)
            return None
        if leak > 0:
            return f"layer {i - 1} ({type(model[i - 1]).__name__})"
    return None


def _check_fixed_model(model: Any) -> Verdict:
    from ..causality import future_leak

    if is_placeholder(model):
        raise NotYet()
    if not isinstance(model, nn.Module):
        raise Wrong(f"expected a torch.nn.Module, got {type(model).__name__}",
                    "answer = the fixed model, e.g. nn.Sequential(...)")
    was_training, threads = model.training, torch.get_num_threads()
    torch.set_num_threads(1)          # a few hundred tiny backward passes: one thread is far faster than several
    try:
        x = torch.randn(1, LEAKY_IN, LEAKY_T)
        try:
            with torch.no_grad():
                y = model.eval()(x)
        except Exception as err:
            raise Wrong(f"model(x) with x of shape (1, {LEAKY_IN}, {LEAKY_T}) raised {type(err).__name__}: {err}",
                        "run the model on torch.randn(1, 8, 32) in a cell of its own and read the error") from None
        if not isinstance(y, torch.Tensor) or tuple(y.shape) != (1, 1, LEAKY_T):
            return Verdict(False, f"output shape {tuple(getattr(y, 'shape', ()))}, expected (1, 1, {LEAKY_T})",
                           "keep one output frame per input frame: pad on the left what a layer would otherwise trim")
        ahead = {mode: future_leak(_mask(model, mode == "train")) for mode in ("eval", "train")}
        if any(ahead.values()):
            mode = "eval" if ahead["eval"] else "train"
            where = _first_leak(model, mode == "train")
            detail = (f"in {mode} mode an output still sees {ahead[mode]} frame(s) of the future"
                      + (f"; the first leak appears at {where}" if where else ""))
            hint = ("in training mode batch norm normalises with statistics over all time steps, the future included: "
                    "remove it or normalise each frame on its own (tcnlib.ChannelLayerNorm)" if mode == "train" else
                    "every layer that pads on both sides looks ahead: convolutions and poolings alike must pad "
                    "(k - 1) * d on the left only (tcnlib.DilatedConv1d(causal=True), nn.ConstantPad1d((left, 0), 0))")
            return Verdict(False, detail, hint)
        mask = _mask(model, False)
        t, s = torch.nonzero(mask, as_tuple=True)
        back = int((t - s).max())                              # how far back the most far-sighted output looks
        original = leaky_model()
        width = 2 * 1 + 2 * 2 + 2                              # the two convolutions and the pooling
        if not bool(mask.diagonal().all()):
            return Verdict(False, "an output does not depend on its own input frame",
                           "a causal model may use frame t for output t: only frames after t are forbidden")
        if back < width:
            return Verdict(False, f"outputs see only {back} frames back; the original model's window spans {width + 1}",
                           "keep every layer's window, just move it into the past (pad on the left)")
        if _conv_parameters(model) < _conv_parameters(original):
            return Verdict(False, "convolution weights were removed",
                           "fix the leaks, keep the convolutions: the model should still compute what it did")
        return Verdict(True, f"no output sees the future in eval or training mode; each output sees the current frame "
                             f"and {back} frames back")
    finally:
        model.train(was_training)
        torch.set_num_threads(threads)


register(Exercise(
    "04.4", "find and fix the future leaks", _check_fixed_model,
    start="replace ... with a fixed copy of tcnlib.exercises.lesson04.leaky_model()",
    solution="""\
        from torch import nn
        import tcnlib

        answer = nn.Sequential(
            tcnlib.DilatedConv1d(8, 16, kernel_size=3, dilation=1, causal=True),
            tcnlib.ChannelLayerNorm(16),                             # per frame, not over time: no peek ahead
            nn.ReLU(),
            tcnlib.DilatedConv1d(16, 16, kernel_size=3, dilation=2, causal=True),  # was padding=2 on both sides
            nn.ReLU(),
            nn.ConstantPad1d((2, 0), 0.0), nn.AvgPool1d(kernel_size=3, stride=1),  # the last 3 frames, not t-1..t+1
            nn.Conv1d(16, 1, kernel_size=1),
        )
        """,
    mistake="""\
        from torch import nn
        import tcnlib

        answer = nn.Sequential(                                     # both paddings fixed, batch norm kept
            tcnlib.DilatedConv1d(8, 16, kernel_size=3, dilation=1, causal=True),
            nn.BatchNorm1d(16),
            nn.ReLU(),
            tcnlib.DilatedConv1d(16, 16, kernel_size=3, dilation=2, causal=True),
            nn.ReLU(),
            nn.ConstantPad1d((2, 0), 0.0), nn.AvgPool1d(kernel_size=3, stride=1),
            nn.Conv1d(16, 1, kernel_size=1),
        )
        """,
    kind="model",
))


# --- 04.5 / 04.6 concepts ---------------------------------------------------------------------

register(Exercise(
    "04.5", "why batch norm leaks the future", multiple_choice(
        "c", "in training mode batch norm subtracts the mean and divides by the spread over the batch and ALL time "
             "steps, so a change at t + 10 moves the output at t; in eval mode it uses fixed running statistics",
        {"a": "its weights are two numbers per channel, applied to each frame alone: harmless; look at what it "
              "divides by",
         "b": "batch norm has no kernel and no padding: it looks at every frame at once",
         "d": "dropout was off in the perturbation test's comparison (same seed); batch norm leaks without it"}),
    start='replace ... with one letter, e.g. answer = "a"',
    solution='answer = "c"',
    mistake='answer = "b"',
    kind="concept",
))

register(Exercise(
    "04.6", "memory and time of a stream", multiple_choice(
        "a", "dilation changes where a kernel's k taps read, not how many there are: each new frame costs one "
             "k-tap product per convolution, while the buffers must keep the (k - 1) * d frames between the taps",
        {"b": "the stream does not recompute the past: it keeps the inputs each convolution needs and computes one "
              "new output per layer",
         "c": "time per frame counts multiplications; a dilation of 128 needs as many as a dilation of 1",
         "d": "the state is the same size after 5,000 frames as after 5 (the notebook measured it)"}),
    start='replace ... with one letter, e.g. answer = "a"',
    solution='answer = "a"',
    mistake='answer = "b"',
    kind="concept",
))

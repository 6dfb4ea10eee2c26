"""The checkers written before the exercise registry (moved lesson by lesson into ``lessonNN``): each prints a clear PASS or FAIL with a hint.

A checker never raises on a wrong answer (a student's cell should not end in a traceback);
it prints what was expected and returns True/False, so tests can call it too.

Notebook: the "Exercises" section at the end of every notebook
"""
from __future__ import annotations

from typing import Any, Callable

from ._core import CheckResult, report  # noqa: F401  (the legacy checkers print through the core)


def _close(a: Any, b: float, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    try:
        return abs(float(a) - float(b)) <= atol + rtol * abs(float(b))
    except (TypeError, ValueError):
        return False


# --- 05_tcn_vs_rnn ---------------------------------------------------------------------------

def check_block_parameters(fn: Callable[[int, int, int], int]) -> bool:
    """Exercise 05.1: ``fn(c_in, c_out, k)`` -> trainable parameters of ``TemporalBlock(c_in, c_out, k, d)``
    (two weight-normalised causal convolutions with biases, and a 1x1 skip convolution when
    ``c_in != c_out``).

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    from ..models import TemporalBlock

    name = "05.1 parameters of a residual block"
    for c_in, c_out, k in [(1, 8, 3), (8, 8, 3), (24, 24, 8), (2, 24, 8), (16, 4, 5)]:
        truth = sum(p.numel() for p in TemporalBlock(c_in, c_out, k, 1).parameters())
        try:
            got = fn(c_in, c_out, k)
        except Exception as err:  # a student's bug should not end in a traceback
            return report(name, False, "fn(c_in, c_out, k) must return an integer",
                          f"fn({c_in}, {c_out}, {k}) raised {type(err).__name__}: {err}")
        if got != truth:
            return report(name, False,
                          "each conv has c_out*c_in*k weights and c_out biases; weight norm stores the "
                          "direction v (same shape as the weights) and one gain g per output channel; the "
                          "1x1 skip conv exists only when c_in != c_out",
                          f"fn({c_in}, {c_out}, {k}) = {got}, expected {truth}")
    return report(name, True, detail="matches sum(p.numel()) for 5 block shapes")


def check_gradient_horizon(fn: Callable[[int, list], int]) -> bool:
    """Exercise 05.2: ``fn(kernel_size, dilations)`` -> the largest distance ``T - t`` at which
    ``dy_T/dx_t`` can be non-zero in a causal ``TCN`` with two convolutions per block.

    Checked against the gradient measured with autograd.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    import torch

    from ..models import TCN

    name = "05.2 gradient horizon of a TCN"
    for k, dils in [(3, [1, 2, 4]), (2, [1, 1, 1]), (5, [1, 3, 9]), (8, [1, 2, 4, 8])]:
        torch.manual_seed(0)
        # tanh, not ReLU: a ReLU that happens to be off can cut the last path and hide the horizon
        model = TCN(1, [8] * len(dils), kernel_size=k, dilations=dils, activation="tanh").double()
        T = model.receptive_field + 20
        x = torch.randn(1, 1, T, dtype=torch.float64, requires_grad=True)
        model(x)[0, :, -1].sum().backward()
        nonzero = torch.nonzero(x.grad[0, 0]).flatten()
        truth = int(T - 1 - nonzero.min())
        try:
            got = fn(k, dils)
        except Exception as err:
            return report(name, False, "fn(kernel_size, dilations) must return an integer",
                          f"fn({k}, {dils}) raised {type(err).__name__}: {err}")
        if got != truth:
            return report(name, False,
                          "each convolution reaches (k - 1) * d steps further back, and every block has two",
                          f"fn({k}, {dils}) = {got}, measured {truth}")
    return report(name, True, detail="matches the measured gradient for 4 TCNs")


def check_adding_constant_mse(fn: Callable[[float], float]) -> bool:
    """Exercise 05.3: ``fn(c)`` -> the expected MSE on the adding problem of always answering ``c``.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    name = "05.3 MSE of a constant answer on the adding problem"
    for c in [1.0, 0.0, 0.5, 1.3, 2.0]:
        truth = 1.0 / 6.0 + (1.0 - c) ** 2
        try:
            got = fn(c)
        except Exception as err:
            return report(name, False, "fn(c) must return a number", f"fn({c}) raised {type(err).__name__}: {err}")
        if not _close(got, truth, rtol=1e-6):
            return report(name, False,
                          "E[(S - c)^2] = Var(S) + (E[S] - c)^2, with S the sum of two independent U(0, 1)",
                          f"fn({c}) = {got}, expected {truth:.6f}")
    return report(name, True, detail="the best constant is c = 1, scoring Var(S) = 1/6")


# --- 06_cnn2d_clip_classification ------------------------------------------------------------


def check_n_patches(answer: Any, n_frames: int, frames: int, hop: int) -> CheckResult:
    """Exercise 06.1: how many patches of ``frames`` frames, ``hop`` apart, fit in ``n_frames``?

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    name = "06.1 number of patches per clip"
    truth = 1 + (n_frames - frames) // hop
    if isinstance(answer, bool) or not isinstance(answer, (int,)) and not hasattr(answer, "__index__"):
        return report(name, False, "answer with an integer", f"got {answer!r}")
    if int(answer) != truth:
        return report(name, False, "the last patch must end inside the clip: starts are 0, hop, 2*hop, ... "
                      "up to n_frames - frames", f"got {answer}, expected {truth}")
    return report(name, True, detail=f"{truth} patches of {frames} frames from {n_frames} frames")


def check_clip_vote(fn: Any) -> CheckResult:
    """Exercise 06.2: ``fn(logits (n, C)) -> class``: the clip's class from its patches' logits,
    by the mean log-probability (the rule of :func:`tcnlib.cnn2d.predict_clip`).

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    import numpy as np
    import torch

    name = "06.2 clip decision from patch logits"
    rng = np.random.default_rng(6)
    for trial in range(20):
        logits = torch.from_numpy(rng.normal(0, 3, size=(int(rng.integers(1, 9)), 8)).astype(np.float32))
        truth = int(torch.log_softmax(logits, dim=1).mean(0).argmax())
        try:
            got = fn(logits)
        except Exception as err:
            return report(name, False, "fn(logits) must accept a (n, C) tensor and return an integer",
                          f"raised {type(err).__name__}: {err}")
        try:
            ok = int(got) == truth
        except (TypeError, ValueError):
            ok = False
        if not ok:
            return report(name, False, "take log_softmax over the classes (dim=1), average over the patches "
                          "(dim=0), then argmax; averaging raw logits or voting can differ",
                          f"for logits of shape {tuple(logits.shape)}: got {got!r}, expected {truth}")
    return report(name, True, detail="agrees with the mean log-probability rule on 20 random clips")


def check_accuracy_from_confusion(answer: Any, C: Any) -> CheckResult:
    """Exercise 06.3: the accuracy read from a confusion matrix ``C`` (rows: true, columns: predicted).

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    import numpy as np

    name = "06.3 accuracy from a confusion matrix"
    C = np.asarray(C)
    truth = float(np.trace(C) / C.sum())
    if not _close(answer, truth, rtol=1e-9, atol=1e-9):
        return report(name, False, "correct clips lie on the diagonal: trace(C) / sum(C)",
                      f"got {answer!r}, expected {truth:.4f}")
    return report(name, True, detail=f"{int(np.trace(C))} of {int(C.sum())} clips = {truth:.4f}")

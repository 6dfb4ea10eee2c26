"""Exercises of lesson 05 (TCN vs RNN): a block's parameters, the gradient horizon, the adding
problem's baseline, a small model that solves the adding problem, and concept checks on
parallelism, zero gradients and the variable-length failure.

Notebook: 05_tcn_vs_rnn.ipynb
"""
from __future__ import annotations

import copy
from typing import Any

from ._core import Exercise, NotYet, Verdict, Wrong, as_number, call, is_placeholder, multiple_choice, register

# --- 05.1 parameters of a residual block --------------------------------------------------------

_BLOCK_SHAPES = [(1, 8, 3), (8, 8, 3), (24, 24, 8), (2, 24, 8), (16, 4, 5)]


def _check_block_parameters(fn: Any) -> Verdict:
    from ..models import TemporalBlock

    for c_in, c_out, k in _BLOCK_SHAPES:
        truth = sum(p.numel() for p in TemporalBlock(c_in, c_out, k, 1).parameters())
        got = call(fn, c_in, c_out, k, name="block_parameters")
        if got != truth:
            return Verdict(False, f"block_parameters({c_in}, {c_out}, {k}) = {got!r}, expected {truth}",
                           "each conv has c_out*c_in*k weights and c_out biases; weight norm stores the "
                           "direction v (same shape as the weights) and one gain g per output channel; the "
                           "1x1 skip conv exists only when c_in != c_out")
    return Verdict(True, f"matches sum(p.numel()) for {len(_BLOCK_SHAPES)} block shapes; the dilation "
                         "does not change the count")


register(Exercise(
    "05.1", "parameters of a residual block", _check_block_parameters, kind="code",
    start="write block_parameters(c_in, c_out, k) and pass the function itself",
    placeholder='''
def block_parameters(c_in, c_out, k):
    raise NotImplementedError   # your formula here

answer = block_parameters
''',
    solution='''
def block_parameters(c_in, c_out, k):
    conv1 = c_out * c_in * k + c_out + c_out     # weights (v), biases, weight-norm gains g
    conv2 = c_out * c_out * k + c_out + c_out
    skip = c_in * c_out + c_out if c_in != c_out else 0
    return conv1 + conv2 + skip

answer = block_parameters
''',
    mistake='''
def block_parameters(c_in, c_out, k):
    conv1 = c_out * c_in * k + c_out             # forgets weight norm's gains
    conv2 = c_out * c_out * k + c_out
    skip = c_in * c_out + c_out if c_in != c_out else 0
    return conv1 + conv2 + skip

answer = block_parameters
'''))


# --- 05.2 gradient horizon of a TCN ---------------------------------------------------------------

_HORIZON_CASES = [(3, [1, 2, 4]), (2, [1, 1, 1]), (5, [1, 3, 9]), (8, [1, 2, 4, 8])]


def _measured_horizon(k: int, dils: list) -> int:
    import torch

    from ..models import TCN

    torch.manual_seed(0)
    # tanh, not ReLU: a ReLU that happens to be off can cut the last path and hide the horizon
    model = TCN(1, [8] * len(dils), kernel_size=k, dilations=dils, activation="tanh").double()
    T = model.receptive_field + 20
    x = torch.randn(1, 1, T, dtype=torch.float64, requires_grad=True)
    model(x)[0, :, -1].sum().backward()
    nonzero = torch.nonzero(x.grad[0, 0]).flatten()
    return int(T - 1 - nonzero.min())


def _check_gradient_horizon(fn: Any) -> Verdict:
    for k, dils in _HORIZON_CASES:
        truth = _measured_horizon(k, dils)
        got = call(fn, k, list(dils), name="gradient_horizon")
        if got != truth:
            return Verdict(False, f"gradient_horizon({k}, {dils}) = {got!r}, measured {truth}",
                           "each convolution reaches (k - 1) * d steps further back, and every block has two")
    return Verdict(True, f"matches the gradient measured with autograd for {len(_HORIZON_CASES)} TCNs")


register(Exercise(
    "05.2", "gradient horizon of a TCN", _check_gradient_horizon, kind="code",
    start="write gradient_horizon(kernel_size, dilations) and pass the function itself",
    placeholder='''
def gradient_horizon(kernel_size, dilations):
    raise NotImplementedError   # the largest distance T - t with a non-zero gradient

answer = gradient_horizon
''',
    solution='''
def gradient_horizon(kernel_size, dilations):
    return 2 * (kernel_size - 1) * sum(dilations)   # receptive field - 1 (two convolutions per block)

answer = gradient_horizon
''',
    mistake='''
def gradient_horizon(kernel_size, dilations):
    return (kernel_size - 1) * sum(dilations)       # counts one convolution per block

answer = gradient_horizon
'''))


# --- 05.3 MSE of a constant answer on the adding problem ----------------------------------------

def _check_constant_mse(fn: Any) -> Verdict:
    for c in [1.0, 0.0, 0.5, 1.3, 2.0]:
        truth = 1.0 / 6.0 + (1.0 - c) ** 2
        got = as_number(call(fn, c, name="constant_mse"), "a number")
        if abs(got - truth) > 1e-6 * max(1.0, abs(truth)):
            return Verdict(False, f"constant_mse({c}) = {got!r}, expected {truth:.6f}",
                           "E[(S - c)^2] = Var(S) + (E[S] - c)^2, with S the sum of two independent U(0, 1)")
    return Verdict(True, "the best constant is c = 1, scoring Var(S) = 1/6")


register(Exercise(
    "05.3", "MSE of a constant answer on the adding problem", _check_constant_mse, kind="code",
    start="write constant_mse(c) as a formula and pass the function itself",
    placeholder='''
def constant_mse(c):
    raise NotImplementedError   # a formula in c, no sampling

answer = constant_mse
''',
    solution='''
def constant_mse(c):
    return 1 / 6 + (1 - c) ** 2    # Var(S) + (E[S] - c)^2 with E[S] = 1, Var(S) = 2 * 1/12

answer = constant_mse
''',
    mistake='''
def constant_mse(c):
    return 1 / 12 + (1 - c) ** 2   # the variance of one uniform number, not of the sum of two

answer = constant_mse
'''))


# --- 05.4 a small model that solves the adding problem at T = 40 --------------------------------

SMALL_MODEL_MAX_PARAMETERS = 5_000
SMALL_MODEL_T = 40
SMALL_MODEL_STEPS = 300
SMALL_MODEL_PASS_MSE = 0.05


def _train_on_adding(model: Any, T: int = SMALL_MODEL_T, steps: int = SMALL_MODEL_STEPS, lr: float = 1e-2,
                    seed: int = 0) -> float:
    """Train a copy of ``model`` on the adding problem and return its validation MSE.

    Adam (``lr``), batch 32, gradient clipping 1.0, ``steps`` steps, fresh seeded batches; the
    validation set is 500 fixed sequences. The student's model is not changed (a deep copy trains).

    Args:
        model: maps ``(B, 2, T)`` to ``(B, 1, T)``; the prediction is the last step.
        T: sequence length in steps.
        steps: training steps.
        lr: Adam's learning rate.
        seed: seeds the copy's initial weights' generator state and the batches.

    Returns:
        The validation MSE (always answering 1 scores 1/6).

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    import torch

    from ..tasks import adding_loss, adding_problem

    m = copy.deepcopy(model).float().train()
    opt = torch.optim.Adam(m.parameters(), lr=lr)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        for step in range(steps):
            x, y = adding_problem(32, T, torch.Generator().manual_seed(50_000 + 1000 * seed + step))
            loss = adding_loss(m(x), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
            opt.step()
    xv, yv = adding_problem(500, T, torch.Generator().manual_seed(7))
    m.eval()
    with torch.no_grad():
        return float(adding_loss(m(xv), yv))


def _check_small_adding_model(model: Any) -> Verdict:
    import torch

    if isinstance(model, type):
        raise Wrong("got a class, expected a model", "create the model: e.g. tcnlib.RNNNet(2, 32, 1, 'gru')")
    if not isinstance(model, torch.nn.Module):
        raise Wrong(f"expected a torch.nn.Module, got {type(model).__name__}",
                    "build a model object, e.g. tcnlib.RNNNet(2, 32, 1, 'gru')")
    n = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if n > SMALL_MODEL_MAX_PARAMETERS:
        return Verdict(False, f"{n:,d} parameters, more than {SMALL_MODEL_MAX_PARAMETERS:,d}",
                       "make it smaller: fewer hidden units or channels")
    x = torch.zeros(3, 2, SMALL_MODEL_T)
    out = call(lambda inp: model(inp), x, name="model")
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (3, 1, SMALL_MODEL_T):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        return Verdict(False, f"model(x of shape (3, 2, {SMALL_MODEL_T})) gave {shape}",
                       "input and output are (batch, channels, time): (B, 2, T) -> (B, 1, T)")
    try:
        mse = _train_on_adding(model)
    except Exception as err:  # a student's model that breaks in training
        raise Wrong(f"training raised {type(err).__name__}: {err}",
                    "run a few training steps yourself in a cell of its own and read the error") from None
    ok = mse < SMALL_MODEL_PASS_MSE
    return Verdict(ok, f"{n:,d} parameters; after {SMALL_MODEL_STEPS} steps at T={SMALL_MODEL_T}: validation MSE "
                       f"{mse:.4f} (always answering 1 scores {1 / 6:.4f}; pass below {SMALL_MODEL_PASS_MSE})",
                   "it has not found the two marked numbers: a GRU or LSTM with 16-32 hidden units learns "
                   "this length quickly; make sure the marker channel reaches the model")


register(Exercise(
    "05.4", "a small model for the adding problem", _check_small_adding_model, kind="model",
    start=f"build a model (B, 2, T) -> (B, 1, T) with at most {SMALL_MODEL_MAX_PARAMETERS:,d} parameters "
          "and pass it (untrained); the checker trains a copy",
    placeholder="answer = ...",
    solution='''
import tcnlib

answer = tcnlib.RNNNet(2, 32, 1, "gru")    # 3,393 parameters
''',
    mistake='''
import torch
from torch import nn


class MyGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(2, 32, batch_first=True)
        self.head = nn.Linear(32, 1)

    def forward(self, x):                  # x: (B, 2, T), but batch_first wants (B, T, 2)
        h, _ = self.gru(x)
        return self.head(h).transpose(1, 2)


answer = MyGRU()
'''))


# --- concept checks -------------------------------------------------------------------------------

def _check_dependent_steps(answer: Any) -> Verdict:
    if is_placeholder(answer):
        raise NotYet()
    try:
        rnn, tcn = (int(as_number(a)) for a in answer)
    except (TypeError, ValueError):
        raise Wrong(f"got {answer!r}", "answer with two numbers: (rnn_steps, tcn_steps)") from None
    if (rnn, tcn) == (100_000, 16):
        return Verdict(True, "the LSTM walks 100,000 steps one after another; the TCN has 16 layers, each "
                             "computing all 100,000 outputs at once")
    if (rnn, tcn) == (16, 100_000):
        return Verdict(False, f"got {answer!r}", "the order is (rnn_steps, tcn_steps)")
    return Verdict(False, f"got {answer!r}",
                   "an RNN's step t needs step t - 1 (T steps in a row); a TCN layer needs only the layer "
                   "below, and 8 blocks have 2 convolutions each")


register(Exercise(
    "05.5", "dependent steps of an RNN and a TCN", _check_dependent_steps, kind="concept",
    start="answer = (rnn_steps, tcn_steps): two integers",
    solution="answer = (100_000, 16)",
    mistake="answer = (100_000, 8)"))


register(Exercise(
    "05.6", "why a TCN's gradient is exactly zero far back", multiple_choice(
        "b", "no chain of kernel taps connects y_T to an input more than receptive_field - 1 steps back",
        {"a": "the weights are the same at every distance: it is about which inputs are connected at all",
         "c": "float64 underflow happens for the RNN near distance 1,700; the TCN's zero starts exactly at "
              "its receptive field, at any precision",
         "d": "a ReLU can cut some paths, but the zero beyond the field holds for tanh networks too"}),
    kind="concept",
    start="answer = 'a', 'b', 'c' or 'd'",
    solution="answer = 'b'",
    mistake="answer = 'c'"))


register(Exercise(
    "05.7", "why a TCN trained at one length fails at another", multiple_choice(
        "a", "during training the markers were never further back than T - 1 steps; at a longer length they "
             "can be, at distances the network never learned to read (and at a shorter one zero padding "
             "appears inside the window)",
        {"b": "the weights are shared along time, so the TCN has no fixed number of steps; the window it "
              "sees at the last step does change with T",
         "c": "the values and markers are drawn the same way at every length"}),
    kind="concept",
    start="answer = 'a', 'b' or 'c'",
    solution="answer = 'a'",
    mistake="answer = 'b'"))

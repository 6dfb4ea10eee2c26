"""Synthetic long-memory tasks of Bai, Kolter & Koltun (2018), and the small models that solve them.

* The **adding problem**: two channels of length ``T``; the first holds random numbers in [0, 1),
  the second marks exactly two positions with a 1. The target is the sum of the two marked
  numbers. Always answering 1 (the mean of the sum) scores an MSE of exactly 1/6 ~ 0.1667
  (:func:`adding_baseline_mse`); a model has to remember two numbers across up to ``T`` steps
  to do better.
* **Copy memory**: ten digits from 1..8, then ``T - 1`` blanks (0), then a delimiter (9) and
  ten more blanks; the model must output blanks everywhere and the ten digits again at the very
  end. A model with no memory can at best guess the digits (loss ``10 ln 8 / (T + 20)``,
  :func:`copy_memory_baseline_loss`).

The generators follow locuslab/TCN (``adding_problem/utils.py``, ``copy_memory/utils.py``) and
take a ``torch.Generator`` so that every batch reproduces. :class:`TCNNet` and :class:`RNNNet`
wrap a TCN or a recurrent network with a linear read-out and share one shape convention,
``(B, C_in, T) -> (B, C_out, T)``, so the same training code serves both.

Notebook: 05_tcn_vs_rnn.ipynb
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import torch
from torch import nn
from torch.nn import functional as F

from .models import TCN, check_input
from .utils import check_int, count_parameters

__all__ = ["CELLS", "COPY_BLANK", "COPY_CLASSES", "COPY_DELIMITER", "RNNNet", "TCNNet", "adding_baseline_mse",
           "adding_loss", "adding_problem", "copy_accuracy", "copy_loss", "copy_memory", "copy_memory_baseline_loss",
           "count_parameters"]

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
COPY_BLANK = 0
COPY_DELIMITER = 9
COPY_CLASSES = 10


def _check_pos_int(name: str, value: object, minimum: int = 1) -> int:
    return check_int(name, value, minimum)


def _check_generator(generator: Optional[torch.Generator]) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator (torch.Generator().manual_seed(0)) or None, "
                         f"got {generator!r}")


def _check_tensor(name: str, value: object, shape: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor of shape {shape}, got {type(value).__name__}")
    return value


def adding_problem(n: int, T: int, generator: Optional[torch.Generator] = None
                   ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n`` examples of the adding problem of length ``T``.

    Two distinct marked positions are drawn uniformly from the whole sequence (as locuslab/TCN
    does; the original formulation puts one in each half).

    Args:
        n: number of examples.
        T: sequence length in steps (Bai et al.: 200, 400, 600).
        generator: random source (``None``: torch's global generator).

    Returns:
        ``(x, y)``: ``x`` of shape ``(n, 2, T)`` (channel 0: values in [0, 1), channel 1: the
        two markers) and ``y`` of shape ``(n,)``, the sum of the two marked values.

    Raises:
        ValueError: if ``n < 1`` or ``T < 2``.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    n = _check_pos_int("n", n)
    T = _check_pos_int("T", T, 2)
    _check_generator(generator)
    values = torch.rand(n, T, generator=generator)
    # Two distinct positions per row: the two smallest of T random keys.
    pos = torch.rand(n, T, generator=generator).topk(2, dim=1, largest=False).indices
    marks = torch.zeros(n, T).scatter_(1, pos, 1.0)
    x = torch.stack([values, marks], dim=1)
    y = values.gather(1, pos).sum(dim=1)
    return x, y


def adding_baseline_mse() -> float:
    """MSE of always predicting 1 on the adding problem: Var(U1 + U2) = 2/12 = 1/6.

    Bai et al. quote "about 0.1767"; the exact expectation is 1/6 = 0.1667 (a finite test set
    scatters around it).

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    return 1.0 / 6.0


def adding_loss(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error of the prediction at the last step.

    Args:
        pred: model output of shape ``(B, 1, T)``; only ``pred[:, 0, -1]`` is scored.
        y: targets of shape ``(B,)``.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    _check_tensor("pred", pred, "(B, 1, T)")
    _check_tensor("y", y, "(B,)")
    if pred.dim() != 3 or pred.shape[1] != 1 or y.shape != pred.shape[:1]:
        raise ValueError(f"pred must have shape (B, 1, T) and y shape (B,), got {tuple(pred.shape)} "
                         f"and {tuple(y.shape)}")
    return F.mse_loss(pred[:, 0, -1].float(), y.float())


def copy_memory(n: int, T: int, memory: int = 10, generator: Optional[torch.Generator] = None
                ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n`` examples of the copy-memory task with ``T`` blank steps in between.

    Input (length ``T + 2 * memory``): ``memory`` digits from 1..8, ``T - 1`` blanks, the
    delimiter 9, then ``memory`` blanks. Target: blanks, except the last ``memory`` steps,
    which repeat the digits.

    Args:
        n: number of examples.
        T: the gap in steps (Bai et al.: 500, 1000, 2000).
        memory: how many digits to remember (10 as in the paper).
        generator: random source (``None``: torch's global generator).

    Returns:
        ``(x, y)``: ``x`` of shape ``(n, 1, T + 2 * memory)`` holding the digits as floats (one
        input channel, as locuslab/TCN feeds them) and ``y`` of shape ``(n, T + 2 * memory)``
        holding class indices in 0..9 (int64).

    Raises:
        ValueError: if ``n``, ``T`` or ``memory`` is not a positive integer.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    n = _check_pos_int("n", n)
    T = _check_pos_int("T", T)
    memory = _check_pos_int("memory", memory)
    _check_generator(generator)
    digits = torch.randint(1, 9, (n, memory), generator=generator)
    blanks = torch.full((n, T - 1), COPY_BLANK, dtype=torch.long)
    tail = torch.full((n, memory + 1), COPY_BLANK, dtype=torch.long)
    tail[:, 0] = COPY_DELIMITER
    x = torch.cat([digits, blanks, tail], dim=1)
    y = torch.cat([torch.full((n, memory + T), COPY_BLANK, dtype=torch.long), digits], dim=1)
    return x.unsqueeze(1).float(), y


def copy_memory_baseline_loss(T: int, memory: int = 10) -> float:
    """Cross-entropy of the best memoryless strategy on copy memory: ``memory ln 8 / (T + 2 memory)``.

    Such a model predicts the blanks perfectly and, at the last ``memory`` steps, spreads its
    bet over the 8 digits. For T=1000 this is 0.0204, exactly the LSTM's result in Bai et al.:
    their LSTM learned nothing but this strategy.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    T = _check_pos_int("T", T)
    memory = _check_pos_int("memory", memory)
    return memory * math.log(8) / (T + 2 * memory)


def copy_loss(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over every step: ``pred (B, 10, L)`` logits, ``y (B, L)`` class indices.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    _check_copy_shapes(pred, y)
    if y.dtype != torch.int64:
        raise ValueError(f"y must hold int64 class indices in 0..{COPY_CLASSES - 1} (as copy_memory returns), "
                         f"got dtype {y.dtype}")
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= COPY_CLASSES):
        raise ValueError(f"y must hold class indices in [0, {COPY_CLASSES - 1}], got values in "
                         f"[{int(y.min())}, {int(y.max())}]")
    return F.cross_entropy(pred.float(), y)


def _check_copy_shapes(pred: torch.Tensor, y: torch.Tensor) -> None:
    _check_tensor("pred", pred, f"(B, {COPY_CLASSES}, L)")
    _check_tensor("y", y, "(B, L)")
    if pred.dim() != 3 or pred.shape[1] != COPY_CLASSES or pred.shape[::2] != y.shape:
        raise ValueError(f"pred must have shape (B, {COPY_CLASSES}, L) and y shape (B, L), got "
                         f"{tuple(pred.shape)} and {tuple(y.shape)}")


def copy_accuracy(pred: torch.Tensor, y: torch.Tensor, memory: int = 10) -> float:
    """Fraction of the last ``memory`` digits recalled correctly (chance: 1/8).

    Args:
        pred: logits ``(B, 10, L)``.
        y: class indices ``(B, L)``.
        memory: digits to score, ``1 <= memory <= L``.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    _check_copy_shapes(pred, y)
    memory = _check_pos_int("memory", memory)
    if memory > y.shape[1]:
        raise ValueError(f"memory must be at most the sequence length L = {y.shape[1]}, got {memory}")
    return (pred[:, :, -memory:].argmax(1) == y[:, -memory:]).float().mean().item()


class TCNNet(nn.Module):
    """A :class:`~tcnlib.TCN` followed by a 1x1 convolution read-out.

    Args:
        in_channels, out_channels: input and output channels.
        channels: block widths of the TCN (its length is the number of blocks).
        **tcn_kwargs: passed to :class:`~tcnlib.TCN` (``kernel_size``, ``dilations``, ``dropout``...).

    Shapes: ``(B, in_channels, T) -> (B, out_channels, T)``.

    Notebook: 05_tcn_vs_rnn.ipynb
    """

    def __init__(self, in_channels: int, channels: Sequence[int], out_channels: int, **tcn_kwargs) -> None:
        super().__init__()
        out_channels = _check_pos_int("out_channels", out_channels)
        in_channels = _check_pos_int("in_channels", in_channels)
        self.tcn = TCN(in_channels, channels, **tcn_kwargs)
        self.head = nn.Conv1d(self.tcn.out_channels, out_channels, 1)
        self.in_channels = in_channels
        self.out_channels = out_channels

    @property
    def receptive_field(self) -> int:
        """Input steps one output depends on (the read-out is 1x1, so the TCN's)."""
        return self.tcn.receptive_field

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.tcn(x))


class RNNNet(nn.Module):
    """A recurrent network (LSTM, GRU or tanh RNN) with a linear read-out at every step.

    Args:
        in_channels, out_channels: input and output channels.
        hidden: hidden units per layer.
        cell: ``"lstm"``, ``"gru"`` or ``"rnn"`` (Elman, tanh).
        layers: stacked recurrent layers.

    Shapes: ``(B, in_channels, T) -> (B, out_channels, T)``; internally batch-first
    ``(B, T, C)``, which on a GPU runs the cuDNN kernels.

    Notebook: 05_tcn_vs_rnn.ipynb
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int, cell: str = "lstm",
                 layers: int = 1) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        in_channels = _check_pos_int("in_channels", in_channels)
        hidden = _check_pos_int("hidden", hidden)
        out_channels = _check_pos_int("out_channels", out_channels)
        layers = _check_pos_int("layers", layers)
        self.rnn = CELLS[cell](in_channels, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, out_channels)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.cell = cell

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_channels)
        h, _ = self.rnn(x.transpose(1, 2))
        return self.head(h).transpose(1, 2)


"""Which inputs influence which outputs: dependency masks measured with autograd.

The lecture: a causal TCN's "prediction at t only relies on the things before t". For any
sequence model ``(1, C_in, T) -> (1, C_out, T_out)`` we can *measure* that instead of trusting
the padding arithmetic: output frame ``t`` depends on input frame ``s`` when the gradient of
``y[..., t]`` with respect to ``x[..., s]`` is non-zero. The resulting ``(T_out, T_in)`` boolean
mask is lower-triangular for a causal model, and has a band of ``(R-1)/2`` future frames above the
diagonal for a "same" (non-causal) one.

Notebook: 04_causality.ipynb
"""
from __future__ import annotations

import torch
from torch import nn

from .utils import check_non_negative_int, check_positive_int


def dependency_mask(model: nn.Module, in_channels: int, length: int, trials: int = 8,
                    seed: int = 0) -> torch.Tensor:
    """Measure which input frames each output frame depends on, with autograd.

    Runs ``model`` on random inputs ``x: (1, in_channels, length)`` and marks ``mask[t, s] = True``
    when ``d y[0, :, t] / d x[0, :, s]`` is non-zero for any channel. A dependency can hide behind
    an exactly-zero gradient (e.g. a ReLU that happens to be off), so the masks of ``trials``
    random inputs are OR-ed together. The model's mode is left as it is: call ``model.eval()``
    first for the structural mask (dropout in train mode zeroes random paths; batch norm in train
    mode makes *every* output depend on *every* input through the batch statistics).

    Args:
        model: any module mapping ``(1, in_channels, length) -> (1, C_out, T_out)`` (time last).
        in_channels: input channels ``C_in``.
        length: input frames ``T_in``.
        trials: random inputs to try (OR-ed).
        seed: seed of the random inputs (the global RNG is not touched).

    Returns:
        ``torch.BoolTensor`` of shape ``(T_out, T_in)``.

    Raises:
        ValueError: for non-positive ``in_channels``, ``length`` or ``trials``, a negative
            ``seed``, a model that does not accept ``(1, in_channels, length)``, or a model output
            that is not a tensor with a time axis last.

    Example:
        >>> m = dependency_mask(TCN(1, [4, 4], causal=True).eval(), 1, 16)
        >>> bool(m.triu(1).any())  # nothing above the diagonal: no output sees the future
        False

    Notebook: 04_causality.ipynb
    """
    in_channels = check_positive_int("in_channels", in_channels)
    length = check_positive_int("length", length)
    trials = check_positive_int("trials", trials)
    seed = check_non_negative_int("seed", seed)
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    try:
        param = next(model.parameters())
        device, dtype = param.device, param.dtype
    except StopIteration:
        device, dtype = torch.device("cpu"), torch.get_default_dtype()
    gen = torch.Generator().manual_seed(seed)
    mask = None
    for _ in range(trials):
        x = torch.randn(1, in_channels, length, generator=gen).to(device=device, dtype=dtype)
        x.requires_grad_(True)
        try:
            y = model(x)
        except (RuntimeError, ValueError) as err:
            raise ValueError(f"model does not accept an input of shape (1, in_channels, length) = "
                             f"(1, {in_channels}, {length}); check in_channels and length ({err})") from err
        if not isinstance(y, torch.Tensor) or y.dim() < 2:
            raise ValueError(f"model output must be a tensor of shape (1, C_out, T_out), got "
                             f"{getattr(y, 'shape', type(y).__name__)}")
        y = y.reshape(-1, y.shape[-1])  # (C_out, T_out)
        t_out = y.shape[-1]
        m = torch.zeros(t_out, length, dtype=torch.bool)
        for t in range(t_out):
            (g,) = torch.autograd.grad(y[:, t].sum(), x, retain_graph=t < t_out - 1, allow_unused=True)
            if g is not None:
                m[t] = (g[0] != 0).any(dim=0).cpu()
        mask = m if mask is None else mask | m
    assert mask is not None
    return mask


def future_leak(mask: torch.Tensor) -> int:
    """How many frames into the future the most far-sighted output looks (0 for a causal model).

    Args:
        mask: ``(T_out, T_in)`` boolean dependency mask with aligned frames (``T_out == T_in``).

    Returns:
        ``max(s - t)`` over all ``mask[t, s]``, clipped at 0.

    Notebook: 04_causality.ipynb
    """
    if not isinstance(mask, torch.Tensor) or mask.dim() != 2:
        got = tuple(mask.shape) if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise ValueError(f"mask must be a 2-D bool tensor of shape (T_out, T_in) (from dependency_mask), got {got}")
    if mask.dtype != torch.bool:
        raise ValueError(f"mask must be a bool tensor (from dependency_mask), got dtype {mask.dtype}")
    t, s = torch.nonzero(mask, as_tuple=True)
    if t.numel() == 0:
        return 0
    return int(max(0, (s - t).max().item()))

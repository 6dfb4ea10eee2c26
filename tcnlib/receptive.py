"""Receptive fields of 1-D convolution stacks: exact formula, dilation schedules, units.

For a stack of stride-1 convolutions, layer ``i`` with kernel size ``k_i`` and dilation ``d_i``
widens the window an output sees by ``(k_i - 1) * d_i`` input steps, so

    receptive_field = 1 + sum_i (k_i - 1) * d_i.

Notebook: 02_receptive_field.ipynb, 03_dilated_convolutions.ipynb
"""
from __future__ import annotations

from typing import List, Sequence, Union

import numpy as np

IntOrSeq = Union[int, Sequence[int]]


def _check_int_list(name: str, values: Sequence[int], minimum: int) -> List[int]:
    vals = list(values)
    if len(vals) == 0:
        raise ValueError(f"{name} must not be empty")
    bad = [v for v in vals if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum]
    if bad:
        kind = "positive integers" if minimum == 1 else f"integers >= {minimum}"
        raise ValueError(f"{name} must be {kind}, got {vals}")
    return [int(v) for v in vals]


def exponential_dilations(n_layers: int, base: int = 2) -> List[int]:
    """Dilations ``[1, base, base**2, ..., base**(n_layers-1)]`` (WaveNet/TCN schedule).

    Raises:
        ValueError: if ``n_layers < 1`` or ``base < 1``.

    Notebook: 03_dilated_convolutions.ipynb
    """
    if isinstance(n_layers, bool) or not isinstance(n_layers, (int, np.integer)) or n_layers < 1:
        raise ValueError(f"n_layers must be a positive integer, got {n_layers!r}")
    if isinstance(base, bool) or not isinstance(base, (int, np.integer)) or base < 1:
        raise ValueError(f"base must be a positive integer, got {base!r}")
    return [int(base) ** i for i in range(int(n_layers))]


def repeat_stack(dilations: Sequence[int], n_stacks: int) -> List[int]:
    """Repeat a dilation schedule: ``repeat_stack([1, 2, 4], 2) == [1, 2, 4, 1, 2, 4]``.

    Notebook: 03_dilated_convolutions.ipynb
    """
    d = _check_int_list("dilations", dilations, 1)
    if isinstance(n_stacks, bool) or not isinstance(n_stacks, (int, np.integer)) or n_stacks < 1:
        raise ValueError(f"n_stacks must be a positive integer, got {n_stacks!r}")
    return d * int(n_stacks)


def receptive_field(kernel_size: IntOrSeq, dilations: Sequence[int], convs_per_block: int = 1) -> int:
    """Exact receptive field, in input steps, of a stack of stride-1 dilated convolutions.

    Args:
        kernel_size: one kernel size for every layer, or one per entry of ``dilations``.
        dilations: the dilation of each layer (or block), e.g. ``[1, 2, 4, 8]``.
        convs_per_block: convolutions sharing each dilation (2 in a TCN residual block).

    Returns:
        ``1 + convs_per_block * sum_i (k_i - 1) * d_i`` (samples or frames: the input's unit).

    Raises:
        ValueError: on empty, non-integer or non-positive sizes, or a kernel list whose length
            differs from ``dilations``.

    Example:
        >>> receptive_field(3, [1, 2, 4, 8])
        31

    Notebook: 02_receptive_field.ipynb
    """
    d = _check_int_list("dilations", dilations, 1)
    if isinstance(kernel_size, (int, np.integer)) and not isinstance(kernel_size, bool):
        ks = _check_int_list("kernel_size", [kernel_size], 1) * len(d)
    else:
        try:
            ks = _check_int_list("kernel_size", list(kernel_size), 1)  # type: ignore[arg-type]
        except TypeError as err:
            raise ValueError(f"kernel_size must be a positive integer or a list of them, got {kernel_size!r}") from err
        if len(ks) != len(d):
            raise ValueError(
                f"kernel_size has {len(ks)} entries but dilations has {len(d)}; give one per layer or a single int")
    if isinstance(convs_per_block, bool) or not isinstance(convs_per_block, (int, np.integer)) or convs_per_block < 1:
        raise ValueError(f"convs_per_block must be a positive integer, got {convs_per_block!r}")
    return 1 + int(convs_per_block) * sum((k - 1) * di for k, di in zip(ks, d))


def to_seconds(n_steps: float, rate: float) -> float:
    """Convert a count of samples or frames into seconds at ``rate`` steps per second.

    Example: ``to_seconds(4095, 100) == 40.95`` (frames at 100 Hz).

    Notebook: 02_receptive_field.ipynb
    """
    if not np.isfinite(rate) or rate <= 0:
        raise ValueError(f"rate must be a positive number of steps per second, got {rate!r}")
    return float(n_steps) / float(rate)

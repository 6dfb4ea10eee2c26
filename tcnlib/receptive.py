"""Receptive fields of 1-D convolution stacks: exact formula, dilation schedules, units.

For a stack of stride-1 convolutions, layer ``i`` with kernel size ``k_i`` and dilation ``d_i``
widens the window an output sees by ``(k_i - 1) * d_i`` input steps, so

    receptive_field = 1 + sum_i (k_i - 1) * d_i.

Besides the formula: the field layer by layer, its arithmetic written out, the past/future
split of causal and "same" stacks (the padding rule of :func:`tcnlib.utils.padding_amounts`), the
cone of one output, the number of paths from each input (holes = "gridding"), the geometry of a
stack diagram (:func:`stack_diagram`, drawn by :func:`tcnlib.plots.plot_dilated_stack`), parameter
counts, and an empirical check with autograd (:func:`measure_receptive_field`) that works for any
``(B, C, T) -> (B, C', T)`` module.

Notebook: 02_receptive_field.ipynb, 03_dilated_convolutions.ipynb
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from .utils import check_bool, check_int, check_int_list, check_module, check_positive_int, is_int, padding_amounts

IntOrSeq = Union[int, Sequence[int]]


def exponential_dilations(n_layers: int, base: int = 2) -> List[int]:
    """Dilations ``[1, base, base**2, ..., base**(n_layers-1)]`` (WaveNet/TCN schedule).

    Raises:
        ValueError: if ``n_layers < 1`` or ``base < 1``.

    Notebook: 03_dilated_convolutions.ipynb
    """
    n = check_positive_int("n_layers", n_layers)
    b = check_positive_int("base", base)
    return [b ** i for i in range(n)]


def repeat_stack(dilations: Sequence[int], n_stacks: int) -> List[int]:
    """Repeat a dilation schedule: ``repeat_stack([1, 2, 4], 2) == [1, 2, 4, 1, 2, 4]``.

    Notebook: 03_dilated_convolutions.ipynb
    """
    d = check_int_list("dilations", dilations)
    return d * check_positive_int("n_stacks", n_stacks)


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
    return 1 + sum((k - 1) * d for k, d in _conv_list(kernel_size, dilations, convs_per_block))


def to_seconds(n_steps: float, rate: float) -> float:
    """Convert a count of samples or frames into seconds at ``rate`` steps per second.

    Example: ``to_seconds(4095, 100) == 40.95`` (frames at 100 Hz).

    Raises:
        ValueError: if ``n_steps`` is not a number >= 0 or ``rate`` not a positive number.

    Notebook: 02_receptive_field.ipynb
    """
    if isinstance(n_steps, (bool, np.bool_, str, bytes)) or not isinstance(n_steps, (int, float, np.number)) \
            or not np.isfinite(n_steps) or n_steps < 0:
        raise ValueError(f"n_steps must be a number >= 0 of samples or frames, got {n_steps!r}")
    if isinstance(rate, (bool, np.bool_, str, bytes)) or not isinstance(rate, (int, float, np.number)) \
            or not np.isfinite(rate) or rate <= 0:
        raise ValueError(f"rate must be a positive number of steps per second, got {rate!r}")
    return float(n_steps) / float(rate)


# --- per-layer structure: growth with depth, arithmetic, causal/"same" spans -----------------

def _kernel_list(kernel_size: IntOrSeq, n_layers: int) -> List[int]:
    """One kernel size per layer, validated (an int is repeated ``n_layers`` times)."""
    if is_int(kernel_size):
        return [check_positive_int("kernel_size", kernel_size)] * n_layers
    if isinstance(kernel_size, (str, bytes)) or not hasattr(kernel_size, "__iter__"):
        raise ValueError(f"kernel_size must be a positive integer or a list of them, got {kernel_size!r}")
    ks = check_int_list("kernel_size", kernel_size)
    if len(ks) != n_layers:
        raise ValueError(
            f"kernel_size has {len(ks)} entries but dilations has {n_layers}; give one per layer or a single int")
    return ks


def _conv_list(kernel_size: IntOrSeq, dilations: Sequence[int], convs_per_block: int) -> List[Tuple[int, int]]:
    """The stack unrolled into ``(kernel, dilation)`` per convolution, input side first."""
    d = check_int_list("dilations", dilations)
    ks = _kernel_list(kernel_size, len(d))
    c = check_positive_int("convs_per_block", convs_per_block)
    return [(k, di) for k, di in zip(ks, d) for _ in range(c)]


def _add_taps(reach: int, kernel_size: int, dilation: int) -> int:
    """The reachable lags after one more convolution, as the bits of a Python int.

    Bit ``j`` of ``reach`` says "lag j (steps behind the newest tap) is reached"; a convolution
    with taps ``0, d, ..., (k-1) d`` ORs ``k`` shifted copies. Fast for any dilation.
    """
    acc = 0
    for m in range(kernel_size):
        acc |= reach << (m * dilation)
    return acc


def receptive_field_by_depth(kernel_size: IntOrSeq, dilations: Sequence[int], convs_per_block: int = 1) -> List[int]:
    """Receptive field after each layer (block): entry ``i`` is the field of the first ``i + 1``.

    Example:
        >>> receptive_field_by_depth(3, [1, 2, 4, 8])
        [3, 7, 15, 31]

    Notebook: none (used by tcnlib.plots.plot_receptive_field_vs_depth)
    """
    d = check_int_list("dilations", dilations)
    ks = _kernel_list(kernel_size, len(d))
    c = check_positive_int("convs_per_block", convs_per_block)
    out, rf = [], 1
    for k, di in zip(ks, d):
        rf += c * (k - 1) * di
        out.append(rf)
    return out


def receptive_field_arithmetic(kernel_size: IntOrSeq, dilations: Sequence[int], convs_per_block: int = 1) -> str:
    """The formula written out term by term, so a student sees where the number comes from.

    Example:
        >>> receptive_field_arithmetic(3, [1, 2, 4, 8])
        '1 + 2*1 + 2*2 + 2*4 + 2*8 = 31'

    Each term is ``(k - 1) * d`` for one convolution; ``convs_per_block > 1`` repeats each term.

    Notebook: 03_dilated_convolutions.ipynb
    """
    convs = _conv_list(kernel_size, dilations, convs_per_block)
    terms = " + ".join(f"{k - 1}*{d}" for k, d in convs)
    return f"1 + {terms} = {1 + sum((k - 1) * d for k, d in convs)}"


def field_span(kernel_size: IntOrSeq, dilations: Sequence[int], convs_per_block: int = 1,
               causal: bool = True) -> Tuple[int, int]:
    """How far one output reaches into the past and into the future, in input steps.

    Uses the padding of :class:`tcnlib.DilatedConv1d` (:func:`tcnlib.utils.padding_amounts`): a
    causal convolution pads all ``(k - 1) * d`` steps on the left; a "same" one pads
    ``ceil((k-1)d / 2)`` left and ``floor((k-1)d / 2)`` right. Output ``t`` then sees inputs
    ``t - past ... t + future``, and ``past + future + 1 == receptive_field(...)``.

    Returns:
        ``(past, future)``: steps before and after the output's own time step (future is 0 when causal).

    Notebook: 02_receptive_field.ipynb
    """
    causal = check_bool("causal", causal)
    past = future = 0
    for k, d in _conv_list(kernel_size, dilations, convs_per_block):
        left, right = padding_amounts(k, d, causal)
        past += left
        future += right
    return past, future


def cone_offsets(kernel_size: IntOrSeq, dilations: Sequence[int], convs_per_block: int = 1,
                 causal: bool = True) -> List[np.ndarray]:
    """The nodes one output depends on, layer by layer (the highlighted cone of a stack diagram).

    Returns:
        A list of ``n_convs + 1`` sorted int arrays of time offsets relative to the output
        (negative: past). Entry 0 is the input layer, the last entry is ``[0]`` (the output).

    Notebook: none (the cone of one output; tcnlib.receptive.stack_diagram draws it)
    """
    convs = _conv_list(kernel_size, dilations, convs_per_block)
    causal = check_bool("causal", causal)
    levels = [np.array([0])]
    for k, d in reversed(convs):
        taps = np.arange(k) * d - padding_amounts(k, d, causal)[0]
        levels.append(np.unique((levels[-1][:, None] + taps[None, :]).ravel()))
    return levels[::-1]


def path_counts(kernel_size: IntOrSeq, dilations: Sequence[int], convs_per_block: int = 1,
                causal: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """Number of distinct paths from each input offset to one output ("coverage").

    Each convolution contributes the polynomial ``1 + z^d + z^(2d) + ... + z^((k-1)d)``; the
    coefficients of the product over all layers count the paths (exact integers). An offset
    inside the receptive field with 0 paths is a *hole*: the output never sees that input
    ("gridding"), e.g. kernel 2 with dilations 1, 4, 16.

    Returns:
        ``(offsets, counts)``: offsets ``-past ... future`` (length ``receptive_field``) and the
        path count of each (int64, or Python ints in an object array if they would overflow).

    Notebook: 03_dilated_convolutions.ipynb
    """
    convs = _conv_list(kernel_size, dilations, convs_per_block)
    total_paths = 1
    for k, _ in convs:
        total_paths *= k
    dtype = np.int64 if total_paths < 2**62 else object
    counts = np.ones(1, dtype=dtype)
    for k, d in convs:  # multiply by 1 + z^d + ... + z^((k-1)d): k shifted copies, O(k * length)
        out = np.zeros(len(counts) + (k - 1) * d, dtype=dtype)
        if dtype is object:
            out[:] = 0
        for m in range(k):
            out[m * d:m * d + len(counts)] += counts
        counts = out
    past, future = field_span(kernel_size, dilations, convs_per_block, causal)
    # coefficient j belongs to lag j (j steps back from the newest tap) -> offset future - j
    return np.arange(-past, future + 1), counts[::-1].copy()


def hole_count(kernel_size: IntOrSeq, dilations: Sequence[int], convs_per_block: int = 1) -> int:
    """How many inputs inside the receptive field no path reaches (0: no gridding).

    Same answer as ``len(coverage_holes(...))`` but fast for huge fields: the set of reachable
    lags is kept as the bits of one Python integer, and each convolution ORs ``k`` shifted
    copies of it (the same bit-set :func:`stack_diagram` uses).

    Example:
        >>> hole_count(2, [1, 4, 16])
        14

    Notebook: 03_dilated_convolutions.ipynb
    """
    reach = 1
    for k, d in _conv_list(kernel_size, dilations, convs_per_block):
        reach = _add_taps(reach, k, d)
    return receptive_field(kernel_size, dilations, convs_per_block) - bin(reach).count("1")


def coverage_holes(kernel_size: IntOrSeq, dilations: Sequence[int], convs_per_block: int = 1,
                   causal: bool = True) -> List[int]:
    """Offsets inside the receptive field that no path reaches (empty list: no gridding).

    Example:
        >>> coverage_holes(2, [1, 4, 16])[:4]
        [-19, -18, -15, -14]

    Notebook: 03_dilated_convolutions.ipynb
    """
    offsets, counts = path_counts(kernel_size, dilations, convs_per_block, causal)
    return [int(o) for o, c in zip(offsets, counts) if c == 0]


def stack_parameters(kernel_size: IntOrSeq, n_layers: int, channels: int, in_channels: Optional[int] = None,
                     convs_per_block: int = 1, bias: bool = True) -> int:
    """Weights of a plain stack of 1-D convolutions ``channels`` wide (dilation costs none).

    Each convolution has ``c_in * c_out * k`` weights plus ``c_out`` biases; the first one
    reads ``in_channels`` (default ``channels``). Dilation does not appear: it widens the
    receptive field for free. (A TCN adds residual 1x1 projections and weight-norm gains; use
    ``sum(p.numel() for p in model.parameters())`` for those.)

    Example:
        >>> stack_parameters(3, 4, 32)
        12416

    Notebook: 03_dilated_convolutions.ipynb
    """
    n = check_positive_int("n_layers", n_layers)
    ks = _kernel_list(kernel_size, n)
    c = check_positive_int("channels", channels)
    c0 = c if in_channels is None else check_positive_int("in_channels", in_channels)
    cpb = check_positive_int("convs_per_block", convs_per_block)
    bias = check_bool("bias", bias)
    total, c_in = 0, c0
    for k in ks:
        for _ in range(cpb):
            total += c_in * c * k + (c if bias else 0)
            c_in = c
    return total


@dataclass(frozen=True)
class StackDiagram:
    """What a stack diagram shows (:func:`stack_diagram`), in drawing columns and rows.

    Columns are input time steps ``0 .. n_inputs - 1``; row 0 is the input, row ``r`` the output
    of convolution ``r``.

    Attributes:
        convs: ``(kernel, dilation)`` of each convolution, input side first.
        pads: ``(left, right)`` padding of each convolution (:func:`tcnlib.utils.padding_amounts`).
        n_inputs: columns drawn.
        t_out: column of the highlighted output (top row).
        levels: per row, the sorted columns of the output's cone inside the drawing.
        holes: input columns inside the receptive field that no path reaches.
        past, future: the field's reach before and after the output (:func:`field_span`).
        receptive_field: the whole field, ``past + future + 1``.

    Notebook: none (computed for tcnlib.plots.plot_dilated_stack)
    """

    convs: List[Tuple[int, int]]
    pads: List[Tuple[int, int]]
    n_inputs: int
    t_out: int
    levels: List[np.ndarray]
    holes: np.ndarray
    past: int
    future: int
    receptive_field: int

    @property
    def cut(self) -> bool:
        """True when the field is wider than the drawing (its oldest inputs are left out)."""
        return self.receptive_field > self.n_inputs


def stack_diagram(kernel_size: IntOrSeq, dilations: Sequence[int], convs_per_block: int = 1,
                  causal: bool = True, max_inputs: int = 64) -> StackDiagram:
    """The geometry of a WaveNet-style stack diagram: which nodes one output's cone holds.

    The drawing is ``min(max_inputs, receptive_field + 4)`` input steps wide. The highlighted
    output is the newest step for a causal stack and the middle of the field for a "same" one.
    Node ``x`` of row ``j`` is in the cone iff its lag behind the output's newest tap is a sum of
    taps of the convolutions above it (the bit-set of :func:`hole_count`); inputs inside the field
    that are not in the cone are the holes.

    Args:
        kernel_size: one kernel size or one per layer.
        dilations: dilation of each layer (block).
        convs_per_block: convolutions sharing each dilation (one row each).
        causal: causal (left-padded) or "same" (centred) convolutions.
        max_inputs: the most input steps drawn (an integer >= 2).

    Returns:
        A :class:`StackDiagram`.

    Example:
        >>> g = stack_diagram(2, [1, 2, 4])
        >>> g.n_inputs, g.t_out, g.levels[0].tolist(), g.holes.tolist()
        (12, 11, [4, 5, 6, 7, 8, 9, 10, 11], [])

    Notebook: none (used by tcnlib.plots.plot_dilated_stack)
    """
    convs = _conv_list(kernel_size, dilations, convs_per_block)
    causal = check_bool("causal", causal)
    max_inputs = check_int("max_inputs", max_inputs, minimum=2)
    rf = 1 + sum((k - 1) * d for k, d in convs)
    past, future = field_span(kernel_size, dilations, convs_per_block, causal)
    n = int(min(max_inputs, rf + 4))
    t_out = n - 1 if causal else min(n - 1, max(0, n - 1 - future - (n - rf) // 2))
    pads = [padding_amounts(k, d, causal) for k, d in convs]
    columns = np.arange(n)
    levels = [np.array([t_out])]
    reach, fut = 1, 0
    for j in range(len(convs) - 1, -1, -1):  # from the top row down
        k, d = convs[j]
        reach = _add_taps(reach, k, d)
        fut += pads[j][1]  # the future reach above row j
        lags = fut - (columns - t_out)
        inside = [x for x, lag in zip(columns, lags) if lag >= 0 and (reach >> int(lag)) & 1]
        levels.append(np.array(inside, dtype=int))
    levels = levels[::-1]  # levels[0]: the input row, levels[-1]: the output
    span = np.arange(max(0, t_out - past), min(n, t_out + future + 1))
    holes = np.setdiff1d(span, levels[0])
    return StackDiagram(convs=convs, pads=pads, n_inputs=n, t_out=int(t_out), levels=levels, holes=holes,
                        past=past, future=future, receptive_field=rf)


# --- empirical measurement with autograd -----------------------------------------------------

_ELEMENTWISE = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
                nn.SiLU, nn.Mish, nn.Tanh, nn.Sigmoid, nn.Hardtanh, nn.Hardsigmoid, nn.Hardswish,
                nn.Softplus, nn.Softsign, nn.Tanhshrink, nn.LogSigmoid)


def _probe_copy(model: nn.Module, linearize: bool, randomize: bool, seed: int) -> nn.Module:
    check_module("model", model, "a module mapping (B, C, T) -> (B, C', T)")
    linearize = check_bool("linearize", linearize)
    randomize = check_bool("randomize", randomize)
    probe = copy.deepcopy(model).double().eval()
    if linearize:
        for parent in list(probe.modules()):
            for name, child in list(parent.named_children()):
                if isinstance(child, _ELEMENTWISE):
                    setattr(parent, name, nn.Identity())
    if randomize:
        gen = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            for p in probe.parameters():
                p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype))
    return probe


def input_gradient(model: nn.Module, in_channels: int, length: int, position: Optional[int] = None,
                   n_inputs: int = 3, linearize: bool = True, randomize: bool = False,
                   seed: int = 0) -> np.ndarray:
    """|d output[:, :, position] / d input|, summed over input channels and random inputs.

    Runs on a double-precision copy of ``model`` in eval mode (the model itself is not
    touched): for each of ``n_inputs`` standard-normal inputs of shape ``(1, in_channels,
    length)``, a random combination of the output channels at ``position`` is back-propagated
    (a plain sum could cancel exactly: a LayerNorm's outputs sum to 0 over channels; a model
    with one output channel is taken as it is), and the absolute input gradients are added up.

    Args:
        model: any module mapping ``(B, in_channels, T) -> (B, C', T)``.
        in_channels: input channels the model expects.
        length: input length T in steps.
        position: output time step to probe (default ``length // 2``).
        n_inputs: random inputs to add up (a ReLU that happens to be off for one input can
            zero a path; another input will switch it on).
        linearize: replace elementwise activation modules (``nn.ReLU``, ``nn.GELU``, ``nn.Tanh``,
            ...) by ``nn.Identity`` in the copy. An elementwise activation acts within one time
            step, so it cannot change *which* inputs are wired to an output, only switch a
            path off for a particular input (a dead ReLU); removing it leaves only the wiring.
            Activations applied as functions inside ``forward`` are not found; they rely on
            ``n_inputs``.
        randomize: overwrite every parameter of the copy with N(0, 1) values (use it for a
            model with zero-initialised layers, whose gradients would all be zero).
        seed: seed of the random inputs (and weights).

    Returns:
        ``(length,)`` float64 array; exactly 0 where the output does not depend on the input.

    Notebook: 02_receptive_field.ipynb
    """
    probe = _probe_copy(model, linearize, randomize, seed)
    return _gradient(probe, in_channels, length, position, n_inputs, seed)


def _gradient(probe: nn.Module, in_channels: int, length: int, position: Optional[int], n_inputs: int,
              seed: int) -> np.ndarray:
    c = check_positive_int("in_channels", in_channels)
    t = check_positive_int("length", length)
    pos = t // 2 if position is None else int(position)
    if not 0 <= pos < t:
        raise ValueError(f"position must be in [0, length) = [0, {t}), got {position!r}")
    check_positive_int("n_inputs", n_inputs)
    gen = torch.Generator().manual_seed(seed)
    total = torch.zeros(t, dtype=torch.float64)
    for _ in range(n_inputs):
        x = torch.randn(1, c, t, generator=gen, dtype=torch.float64, requires_grad=True)
        y = probe(x)
        if not isinstance(y, torch.Tensor):
            raise ValueError(f"model must return one tensor of shape (B, C', T), got {type(y).__name__}")
        if y.dim() != 3 or y.shape[0] != 1 or y.shape[2] != t:
            raise ValueError(f"model must map (B, C, T) -> (B, C', T) keeping T; input {tuple(x.shape)} "
                             f"gave output {tuple(y.shape)}")
        # a random mix of the output channels: a plain sum can cancel exactly (a LayerNorm's
        # outputs sum to 0 over channels); one output channel is taken as it is
        mix = (torch.ones(1, dtype=torch.float64) if y.shape[1] == 1
               else torch.randn(y.shape[1], generator=gen, dtype=torch.float64))
        (grad,) = torch.autograd.grad((y[0, :, pos] * mix).sum(), x)
        total += grad[0].abs().sum(dim=0)
    return total.numpy()


def measure_field_span(model: nn.Module, in_channels: int, length: Optional[int] = None,
                       n_inputs: int = 3, linearize: bool = True, randomize: bool = False, seed: int = 0,
                       max_length: int = 2**16) -> Tuple[int, int]:
    """Measured ``(past, future)``: how many input steps before and after its own time step
    one output depends on (see :func:`input_gradient` for how the gradient is taken).

    The output probed is the middle one, ``length // 2``; the input's ends must not cut the field.
    With ``length=None`` the length starts at 64 and doubles until the non-zero gradients stay
    within the middle half of the input (at least ``length // 4`` zero steps on each side), up to
    ``max_length``. With an explicit ``length`` the span must merely not touch either end.

    Caveat (true of any black-box probe): the gradients can only show dependencies inside the
    input tried. A stack whose next dilation jumps farther than a quarter of the input beyond
    everything below it (kernel 2, dilations ``[1, 1000]``: lags 0, 1, 1000, 1001) looks
    complete at length 64. When you suspect such a jump, give a ``length`` of at least
    ``2 * receptive_field + 3``.

    Raises:
        ValueError: if no input position has a non-zero gradient, or the span still reaches an
            end of the input at ``length`` (given) or ``max_length``.

    Notebook: none (used by measure_receptive_field)
    """
    t = 64 if length is None else check_positive_int("length", length)
    limit = t if length is not None else check_positive_int("max_length", max_length)
    margin = 1 if length is not None else None
    probe = _probe_copy(model, linearize, randomize, seed)
    searching = length is None and linearize and n_inputs > 1
    while True:
        # while the length is still growing one random input is enough (no dead units once
        # linearised); the length that fits is then measured with all n_inputs
        g = _gradient(probe, in_channels, t, t // 2, 1 if searching else n_inputs, seed)
        nz = np.nonzero(g)[0]
        if len(nz) == 0 and not searching:
            raise ValueError("the probed output does not depend on the input at all (every gradient is 0); "
                             "try randomize=True if the model has zero-initialised layers")
        m = margin if margin is not None else max(1, t // 4)
        if len(nz) == 0 or (nz[0] >= m and nz[-1] <= t - 1 - m):
            if searching:
                searching = False
                continue
            return int(t // 2 - nz[0]), int(nz[-1] - t // 2)
        if 2 * t > limit:
            raise ValueError(f"the receptive field reaches an end of the length-{t} input; "
                             f"give a larger length (or max_length), about 2 * receptive field + 3")
        t *= 2


def measure_receptive_field(model: nn.Module, in_channels: int, length: Optional[int] = None,
                            n_inputs: int = 3, linearize: bool = True, randomize: bool = False,
                            seed: int = 0, max_length: int = 2**16) -> int:
    """Empirical receptive field: the span of inputs with a non-zero gradient for one output.

    ``past + future + 1`` of :func:`measure_field_span`. Like the formula, it counts the whole
    span, holes included (inputs inside it that no path reaches, see :func:`coverage_holes`).

    Args:
        model: any module mapping ``(B, in_channels, T) -> (B, C', T)`` (a TCN, an
            ``nn.Sequential`` of "same"-padded convolutions, ...). It is copied, not changed.
        in_channels: input channels the model expects.
        length: input length in steps; ``None`` picks one (doubling from 64) long enough that
            the sequence ends do not cut the field.
        n_inputs, linearize, randomize, seed: see :func:`input_gradient`.
        max_length: the longest input tried when ``length`` is None.

    Example:
        >>> measure_receptive_field(TCN(1, [8] * 4, kernel_size=3), 1)
        61

    Notebook: 02_receptive_field.ipynb
    """
    past, future = measure_field_span(model, in_channels, length, n_inputs, linearize, randomize, seed,
                                      max_length)
    return past + future + 1

"""Temporal Convolutional Networks: dilated (causal or "same") convolutions in residual blocks.

Shapes: every module maps ``x: (B, C_in, T) -> (B, C_out, T)`` for any ``T >= 1``.

The structure follows Bai, Kolter & Koltun (2018), "An Empirical Evaluation of Generic
Convolutional and Recurrent Networks for Sequence Modeling" (and locuslab/TCN), with the
current ``torch.nn.utils.parametrizations.weight_norm`` API and a receptive-field property.

Notebook: 04_causality.ipynb, 05_tcn_vs_rnn.ipynb
"""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from .receptive import exponential_dilations, receptive_field
from .utils import check_bool, check_int_list, check_positive_int, padding_amounts

if TYPE_CHECKING:  # pragma: no cover
    from .streaming import TCNStream

NORMS = ("weight", "batch", "layer", "none")
ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "elu": nn.ELU, "tanh": nn.Tanh, "silu": nn.SiLU}
DROPOUT_KINDS = ("channel", "element")


def _check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def _check_dropout(value: object) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0.0 <= float(value) < 1.0:
        raise ValueError(f"dropout must be a probability in [0, 1), got {value!r}")
    return float(value)


def _channels_last(x: torch.Tensor) -> torch.Tensor:
    """The same ``(B, C, T)`` values stored time-major (memory order ``(B, T, C)``).

    oneDNN's CPU convolutions run about twice as fast on this layout for the small channel counts
    of the course's TCNs; element-wise operations keep the layout, so it is converted once per
    forward pass, not once per layer.
    """
    return x.transpose(1, 2).contiguous().transpose(1, 2)


def _fast_cpu(x: torch.Tensor) -> bool:
    """Whether the channels-last oneDNN path applies: float32 tensors on the CPU."""
    return x.device.type == "cpu" and x.dtype == torch.float32 and torch.backends.mkldnn.is_available()


def _time_major(x: torch.Tensor) -> bool:
    """Whether ``x`` takes the channels-last path: :func:`_fast_cpu` and already stored time-major
    (a :class:`TCN` converts its input once; a lone convolution on an ordinary tensor keeps the
    plain path, so it returns what it always returned, in the usual layout)."""
    return _fast_cpu(x) and x.stride(1) == 1


def check_input(x: torch.Tensor, in_channels: int, name: str = "x") -> None:
    """Raise a clear ValueError unless ``x`` has shape ``(B, in_channels, T)`` with T >= 1.

    Notebook: none (used by TCN.forward and the models of tcnlib.tasks)
    """
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor of shape (B, C, T), got {type(x).__name__}")
    if x.dim() != 3:
        raise ValueError(f"{name} must have shape (B, C, T) = (batch, {in_channels}, time), got {tuple(x.shape)}")
    if x.shape[1] != in_channels:
        raise ValueError(f"{name} has {x.shape[1]} channels but the model expects in_channels={in_channels}; "
                         f"shape must be (B, {in_channels}, T), got {tuple(x.shape)}")
    if x.shape[2] < 1 or x.shape[0] < 1:
        raise ValueError(f"{name} needs B >= 1 and T >= 1, got shape {tuple(x.shape)}")


class DilatedConv1d(nn.Module):
    """A 1-D convolution with dilation whose output has the input's length.

    ``causal=True`` pads ``(k - 1) * d`` zeros on the left only, so output ``t`` sees inputs
    ``t - (k-1)d ... t``. ``causal=False`` pads (about) half on each side ("same"), so output ``t``
    sees ``(k-1)d/2`` steps of the future too (the extra step of an odd total goes left).

    Two shortcuts give the same numbers faster: a tap whose input lies entirely in the zero padding
    (offset ``>= T``, common when ``(k-1)d`` exceeds the sequence length) is skipped together with
    its padding, and on the CPU (float32) an input stored time-major (as inside a :class:`TCN`)
    is convolved as a 2-D oneDNN convolution on the channels-last layout, about twice as fast for
    small channel counts.

    Shapes: ``(B, C_in, T) -> (B, C_out, T)``.

    Notebook: 04_causality.ipynb
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int = 1,
                 causal: bool = True, bias: bool = True) -> None:
        super().__init__()
        in_channels = check_positive_int("in_channels", in_channels)
        out_channels = check_positive_int("out_channels", out_channels)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        self.dilation = check_positive_int("dilation", dilation)
        self.causal = check_bool("causal", causal)
        bias = check_bool("bias", bias)
        self.pad_left, self.pad_right = padding_amounts(self.kernel_size, self.dilation, self.causal)
        self.conv = nn.Conv1d(in_channels, out_channels, self.kernel_size, dilation=self.dilation, bias=bias)

    def live_taps(self, T: int) -> Tuple[int, int, int, int]:
        """``(first, stop, pad_left, pad_right)``: the kernel taps ``first:stop`` that can touch an
        input of length ``T``, and the padding they need (the other taps only ever see zeros)."""
        k, d = self.kernel_size, self.dilation
        offsets = [j * d - self.pad_left for j in range(k)]  # input index = t + offset
        live = [j for j, o in enumerate(offsets) if -T < o < T]
        first, stop = live[0], live[-1] + 1
        return first, stop, self.pad_left - first * d, self.pad_right - (k - stop) * d

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T = x.shape[-1]
        first, stop, left, right = self.live_taps(T)
        weight, bias = self.conv.weight, self.conv.bias
        if stop - first < self.kernel_size:
            weight = weight[:, :, first:stop]
        if _time_major(x):
            x = nn.functional.pad(x.unsqueeze(2), (left, right))
            if x.stride(1) != 1:  # keep the time-major layout through the padding
                x = x.contiguous(memory_format=torch.channels_last)
            out = nn.functional.conv2d(x, weight.unsqueeze(2), bias, dilation=(1, self.dilation))
            return out.squeeze(2)
        x = nn.functional.pad(x, (left, right))
        return nn.functional.conv1d(x, weight, bias, dilation=self.dilation)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over channels at each time step: ``(B, C, T) -> (B, C, T)``; causal by design.

    Notebook: none (used by TemporalBlock with norm='layer')
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(check_positive_int("channels", channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.transpose(1, 2)).transpose(1, 2)


class TemporalBlock(nn.Module):
    """A TCN residual block: ``convs`` dilated convolutions, each followed by norm, activation
    and dropout, added to the (1x1-projected when channel counts differ) input.

    ``y = act(x_res + F(x))``; shapes ``(B, C_in, T) -> (B, C_out, T)``.

    ``dropout_kind="channel"`` (spatial dropout, as keras-tcn's ``SpatialDropout1D``) zeroes whole
    channels of a sequence, one random number per channel; ``"element"`` zeroes single
    activations. Either is inactive in eval mode.

    Notebook: 05_tcn_vs_rnn.ipynb
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int,
                 causal: bool = True, dropout: float = 0.0, norm: str = "weight",
                 activation: str = "relu", convs: int = 2, dropout_kind: str = "channel") -> None:
        super().__init__()
        in_channels = check_positive_int("in_channels", in_channels)
        out_channels = check_positive_int("out_channels", out_channels)
        convs = check_positive_int("convs", convs)
        causal = check_bool("causal", causal)
        dropout = _check_dropout(dropout)
        norm = _check_choice("norm", norm, NORMS)
        activation = _check_choice("activation", activation, list(ACTIVATIONS))
        self.dropout_kind = _check_choice("dropout_kind", dropout_kind, DROPOUT_KINDS)
        self.dilation = check_positive_int("dilation", dilation)
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for i in range(convs):
            conv = DilatedConv1d(in_channels if i == 0 else out_channels, out_channels, kernel_size,
                                 self.dilation, causal=causal, bias=norm != "batch")
            if norm == "weight":
                conv.conv = nn.utils.parametrizations.weight_norm(conv.conv)
            self.convs.append(conv)
            if norm == "batch":
                self.norms.append(nn.BatchNorm1d(out_channels))
            elif norm == "layer":
                self.norms.append(ChannelLayerNorm(out_channels))
            else:
                self.norms.append(nn.Identity())
        self.act = ACTIVATIONS[activation]()
        self.dropout = nn.Dropout1d(dropout) if self.dropout_kind == "channel" else nn.Dropout(dropout)
        self.downsample: Optional[nn.Conv1d] = (
            nn.Conv1d(in_channels, out_channels, 1) if in_channels != out_channels else None)

    def residual_branch(self, x: torch.Tensor) -> torch.Tensor:
        """The block's convolutional branch F(x), without the skip path."""
        h = x
        for conv, norm in zip(self.convs, self.norms):
            h = self.dropout(self.act(norm(conv(h))))
        return h

    def skip(self, x: torch.Tensor) -> torch.Tensor:
        """The skip path: ``x`` itself, or its 1x1 projection when the channel counts differ."""
        if self.downsample is None:
            return x
        if _time_major(x):  # the 1x1 convolution on the channels-last layout, as in DilatedConv1d
            w, b = self.downsample.weight, self.downsample.bias
            return nn.functional.conv2d(x.unsqueeze(2), w.unsqueeze(2), b).squeeze(2)
        return self.downsample(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.residual_branch(x) + self.skip(x))


class TCN(nn.Module):
    """Temporal Convolutional Network: a stack of residual blocks with growing dilation.

    Args:
        in_channels: input channels (e.g. 1 for a waveform, 80 for a mel spectrogram).
        channels: output channels of each residual block; its length is the number of blocks.
        kernel_size: kernel size of every convolution.
        dilations: one dilation per block; default ``[1, 2, 4, ..., 2**(len(channels)-1)]``.
        causal: True pads on the left only (output t sees inputs <= t: streamable); False pads
            symmetrically ("same": output t also sees the future).
        dropout: dropout probability after each activation inside the blocks.
        norm: ``"weight"`` (weight normalisation, as in Bai et al.), ``"batch"``, ``"layer"``
            (over channels at each step) or ``"none"``. Batch norm in training mode mixes
            statistics across time, so a causal TCN is strictly causal only in eval mode with it.
        activation: ``"relu"``, ``"gelu"``, ``"elu"``, ``"tanh"`` or ``"silu"``.
        convs_per_block: convolutions per residual block (2 as in Bai et al.).
        dropout_kind: ``"channel"`` (default: spatial dropout, one random number per channel of
            each sequence, as keras-tcn) or ``"element"`` (one per activation, as locuslab/TCN).
            Both are inactive in eval mode; channel dropout is much cheaper to train.

    Shapes: ``forward(x: (B, in_channels, T)) -> (B, channels[-1], T)``.

    Example:
        >>> TCN(1, [16] * 4, kernel_size=3).receptive_field
        61

    Notebook: 04_causality.ipynb, 05_tcn_vs_rnn.ipynb
    """

    def __init__(self, in_channels: int, channels: Sequence[int], kernel_size: int = 3,
                 dilations: Optional[Sequence[int]] = None, causal: bool = True, dropout: float = 0.0,
                 norm: str = "weight", activation: str = "relu", convs_per_block: int = 2,
                 dropout_kind: str = "channel") -> None:
        super().__init__()
        in_channels = check_positive_int("in_channels", in_channels)
        if isinstance(channels, (int, str, np.integer)) or not hasattr(channels, "__len__"):
            raise ValueError(f"channels must be a list with one entry per block, e.g. [32, 32, 32], got {channels!r}")
        chans = check_int_list("channels", channels, 1)
        kernel_size = check_positive_int("kernel_size", kernel_size)
        dils = exponential_dilations(len(chans)) if dilations is None else check_int_list("dilations", dilations, 1)
        if len(dils) != len(chans):
            raise ValueError(f"dilations has {len(dils)} entries but channels has {len(chans)}; give one per block")
        causal = check_bool("causal", causal)
        dropout = _check_dropout(dropout)
        norm = _check_choice("norm", norm, NORMS)
        activation = _check_choice("activation", activation, sorted(ACTIVATIONS))
        convs_per_block = check_positive_int("convs_per_block", convs_per_block)
        dropout_kind = _check_choice("dropout_kind", dropout_kind, DROPOUT_KINDS)
        self.in_channels = in_channels
        self.channels: List[int] = chans
        self.out_channels = chans[-1]
        self.kernel_size = kernel_size
        self.dilations: List[int] = dils
        self.causal = bool(causal)
        self.norm = norm
        self.activation = activation
        self.convs_per_block = convs_per_block
        self.dropout_kind = dropout_kind
        blocks = []
        c_in = in_channels
        for c_out, d in zip(chans, dils):
            blocks.append(TemporalBlock(c_in, c_out, kernel_size, d, causal=causal, dropout=dropout,
                                        norm=norm, activation=activation, convs=convs_per_block,
                                        dropout_kind=dropout_kind))
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)

    @property
    def receptive_field(self) -> int:
        """Input steps that one output depends on: ``1 + convs_per_block * sum((k-1) * d)``."""
        return receptive_field(self.kernel_size, self.dilations, self.convs_per_block)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_channels)
        fast = _fast_cpu(x)
        if fast:  # time-major memory order once here; every layer keeps it (see DilatedConv1d)
            x = _channels_last(x)
        for block in self.blocks:
            x = block(x)
        return x.contiguous() if fast else x

    def stream(self, batch_size: int = 1) -> "TCNStream":
        """Online inference: a :class:`~tcnlib.streaming.TCNStream` for ``batch_size`` streams.

        ``stream.step(x_t)`` maps ``(B, in_channels) -> (B, channels[-1])`` one frame at a time and
        ``stream(x_chunk)`` maps ``(B, in_channels, n) -> (B, channels[-1], n)``; the outputs equal
        ``self.eval()(x)`` on the whole sequence. Weights are snapshotted now, in eval-mode semantics
        (weight norm folded, batch norm running statistics, no dropout). State memory is constant.

        Raises:
            ValueError: if the model is not causal, or ``batch_size`` is not a positive integer.

        Notebook: 04_causality.ipynb
        """
        from .streaming import TCNStream  # local import: streaming imports this module
        return TCNStream(self, batch_size)

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, channels={self.channels}, kernel_size={self.kernel_size}, "
                f"dilations={self.dilations}, causal={self.causal}, norm={self.norm!r}, "
                f"receptive_field={self.receptive_field}")

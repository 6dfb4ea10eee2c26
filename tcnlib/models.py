"""Temporal Convolutional Networks: dilated (causal or "same") convolutions in residual blocks.

Shapes: every module maps ``x: (B, C_in, T) -> (B, C_out, T)`` for any ``T >= 1``.

The structure follows Bai, Kolter & Koltun (2018), "An Empirical Evaluation of Generic
Convolutional and Recurrent Networks for Sequence Modeling" (and locuslab/TCN), with the
current ``torch.nn.utils.parametrizations.weight_norm`` API and a receptive-field property.

Notebook: 04_causality.ipynb, 05_tcn_vs_rnn.ipynb
"""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Sequence

import torch
from torch import nn

from .receptive import _check_int_list, exponential_dilations, receptive_field

if TYPE_CHECKING:  # pragma: no cover
    from .streaming import TCNStream

NORMS = ("weight", "batch", "layer", "none")
ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "elu": nn.ELU, "tanh": nn.Tanh, "silu": nn.SiLU}


def check_input(x: torch.Tensor, in_channels: int, name: str = "x") -> None:
    """Raise a clear ValueError unless ``x`` has shape ``(B, in_channels, T)`` with T >= 1.

    Notebook: 04_causality.ipynb
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

    Shapes: ``(B, C_in, T) -> (B, C_out, T)``.

    Notebook: 04_causality.ipynb
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int = 1,
                 causal: bool = True, bias: bool = True) -> None:
        super().__init__()
        self.kernel_size = int(kernel_size)
        self.dilation = int(dilation)
        self.causal = bool(causal)
        total = (self.kernel_size - 1) * self.dilation
        self.pad_left = total if causal else total - total // 2
        self.pad_right = 0 if causal else total // 2
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.pad(x, (self.pad_left, self.pad_right))
        return self.conv(x)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over channels at each time step: ``(B, C, T) -> (B, C, T)``; causal by design.

    Notebook: 04_causality.ipynb
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.transpose(1, 2)).transpose(1, 2)


class TemporalBlock(nn.Module):
    """A TCN residual block: ``convs`` dilated convolutions, each followed by norm, activation
    and dropout, added to the (1x1-projected when channel counts differ) input.

    ``y = act(x_res + F(x))``; shapes ``(B, C_in, T) -> (B, C_out, T)``.

    Notebook: 05_tcn_vs_rnn.ipynb
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int,
                 causal: bool = True, dropout: float = 0.0, norm: str = "weight",
                 activation: str = "relu", convs: int = 2) -> None:
        super().__init__()
        self.dilation = dilation
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for i in range(convs):
            conv = DilatedConv1d(in_channels if i == 0 else out_channels, out_channels, kernel_size,
                                 dilation, causal=causal, bias=norm != "batch")
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
        self.dropout = nn.Dropout(dropout)
        self.downsample: Optional[nn.Conv1d] = (
            nn.Conv1d(in_channels, out_channels, 1) if in_channels != out_channels else None)

    def residual_branch(self, x: torch.Tensor) -> torch.Tensor:
        """The block's convolutional branch F(x), without the skip path."""
        h = x
        for conv, norm in zip(self.convs, self.norms):
            h = self.dropout(self.act(norm(conv(h))))
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res = x if self.downsample is None else self.downsample(x)
        return self.act(self.residual_branch(x) + res)


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

    Shapes: ``forward(x: (B, in_channels, T)) -> (B, channels[-1], T)``.

    Example:
        >>> TCN(1, [16] * 4, kernel_size=3).receptive_field
        61

    Notebook: 04_causality.ipynb, 05_tcn_vs_rnn.ipynb
    """

    def __init__(self, in_channels: int, channels: Sequence[int], kernel_size: int = 3,
                 dilations: Optional[Sequence[int]] = None, causal: bool = True, dropout: float = 0.0,
                 norm: str = "weight", activation: str = "relu", convs_per_block: int = 2) -> None:
        super().__init__()
        if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f"in_channels must be a positive integer, got {in_channels!r}")
        if isinstance(channels, (int, str)) or not hasattr(channels, "__len__"):
            raise ValueError(f"channels must be a list with one entry per block, e.g. [32, 32, 32], got {channels!r}")
        chans = _check_int_list("channels", channels, 1)
        if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or kernel_size < 1:
            raise ValueError(f"kernel_size must be a positive integer, got {kernel_size!r}")
        dils = exponential_dilations(len(chans)) if dilations is None else _check_int_list("dilations", dilations, 1)
        if len(dils) != len(chans):
            raise ValueError(f"dilations has {len(dils)} entries but channels has {len(chans)}; give one per block")
        if not (isinstance(dropout, (int, float)) and 0.0 <= dropout < 1.0):
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {list(NORMS)}, got {norm!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if isinstance(convs_per_block, bool) or not isinstance(convs_per_block, int) or convs_per_block < 1:
            raise ValueError(f"convs_per_block must be a positive integer, got {convs_per_block!r}")
        self.in_channels = in_channels
        self.channels: List[int] = chans
        self.out_channels = chans[-1]
        self.kernel_size = kernel_size
        self.dilations: List[int] = dils
        self.causal = bool(causal)
        self.norm = norm
        self.activation = activation
        self.convs_per_block = convs_per_block
        blocks = []
        c_in = in_channels
        for c_out, d in zip(chans, dils):
            blocks.append(TemporalBlock(c_in, c_out, kernel_size, d, causal=causal, dropout=dropout,
                                        norm=norm, activation=activation, convs=convs_per_block))
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)

    @property
    def receptive_field(self) -> int:
        """Input steps that one output depends on: ``1 + convs_per_block * sum((k-1) * d)``."""
        return receptive_field(self.kernel_size, self.dilations, self.convs_per_block)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_channels)
        for block in self.blocks:
            x = block(x)
        return x

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

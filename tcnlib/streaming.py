"""Online (streaming) inference for causal TCNs: one frame in, one frame out, constant memory.

A causal TCN's output at frame ``t`` depends on inputs ``t - R + 1 ... t`` only (``R`` is the
receptive field). Recomputing the whole window for every new frame costs ``O(R)`` per frame;
instead each convolution keeps a small *ring buffer* with the last ``(k-1)*d + 1`` frames of its
input, and a new frame costs one matrix product per convolution: ``O(1)`` in the stream length.

Design (chosen by measuring, see ``benchmarks/bench_streaming.py``):

* **Eval-mode semantics.** When the stream is created, every convolution's weight is read once
  (weight norm folded into a plain weight, batch norm folded in with its running statistics,
  dropout off) and copied into NumPy arrays. The stream is a *snapshot*: training the model
  further does not change an existing stream; call ``model.stream()`` again.
* **Ring buffers with a mirrored copy.** Frame ``x_t`` is written twice, at slot ``p`` and
  ``p + W`` of a ``(B, 2W, C)`` array, so the last ``W`` frames are always one contiguous slice
  and the ``k`` taps ``t, t-d, ..., t-(k-1)d`` are one strided view of it.
* **One matmul per convolution** over the gathered taps: ``(B, k*(C_in+1)) @ (k*(C_in+1), C_out)``.
  Every buffer carries an extra channel of constant ones, so the bias is part of the matmul.
  Per-op overhead dominates at batch 1, and NumPy's per-call overhead on tiny arrays is a
  fraction of torch's.
* **Many streams at once**: the batch dimension ``B`` holds independent streams.

State memory: ``B * sum over convolutions of 2 * ((k-1)*d + 1) * (C_in + 1)`` numbers
(:attr:`TCNStream.state_bytes`), independent of how long the stream runs.

The stream works on the CPU; inputs on another device are moved to the CPU and outputs are
returned on the input's device. It is for inference only (no gradients).

Notebook: 04_causality.ipynb
"""
from __future__ import annotations

import math
from typing import Callable, List, Optional, Tuple, Union

import numpy as np
import torch
from torch import nn

from .models import TCN, ChannelLayerNorm, DilatedConv1d, TemporalBlock
from .utils import check_positive_int, is_int

Array = Union[np.ndarray, torch.Tensor]


def _activation(module: nn.Module) -> Callable[[np.ndarray], np.ndarray]:
    """NumPy twin of a torch activation module; works in place where it can."""
    if isinstance(module, nn.ReLU):
        return lambda y: np.maximum(y, 0, out=y)
    if isinstance(module, nn.Tanh):
        return lambda y: np.tanh(y, out=y)
    if isinstance(module, nn.SiLU):
        return lambda y: y * (0.5 * (1.0 + np.tanh(0.5 * y)))
    if isinstance(module, nn.ELU):
        alpha = float(module.alpha)
        return lambda y: np.where(y > 0, y, alpha * np.expm1(np.minimum(y, 0)))
    if isinstance(module, nn.GELU):
        if module.approximate == "tanh":
            c = math.sqrt(2.0 / math.pi)
            return lambda y: 0.5 * y * (1.0 + np.tanh(c * (y + 0.044715 * y ** 3)))
        from scipy.special import erf  # scipy comes with librosa
        return lambda y: (0.5 * y * (1.0 + erf(y * (1.0 / math.sqrt(2.0))))).astype(y.dtype, copy=False)
    raise ValueError(f"streaming supports ReLU, Tanh, SiLU, ELU and GELU activations, got {type(module).__name__}")


class _ConvState:
    """One dilated causal convolution with folded norm and its ring buffer of past inputs."""

    def __init__(self, conv: DilatedConv1d, norm: nn.Module, batch_size: int, dtype: np.dtype) -> None:
        w = conv.conv.weight.detach().to("cpu", torch.float64)  # (C_out, C_in, k); weight norm folded
        b = (conv.conv.bias.detach().to("cpu", torch.float64) if conv.conv.bias is not None
             else torch.zeros(w.shape[0], dtype=torch.float64))
        self.layer_norm: Optional[Tuple[np.ndarray, np.ndarray, float]] = None
        if isinstance(norm, nn.BatchNorm1d):
            # eval-mode batch norm: y = (z - mean) / sqrt(var + eps) * gamma + beta, folded into W, b
            mean = norm.running_mean.detach().to("cpu", torch.float64)
            var = norm.running_var.detach().to("cpu", torch.float64)
            gamma = (norm.weight.detach().to("cpu", torch.float64) if norm.weight is not None
                     else torch.ones_like(mean))
            beta = (norm.bias.detach().to("cpu", torch.float64) if norm.bias is not None
                    else torch.zeros_like(mean))
            scale = gamma / torch.sqrt(var + norm.eps)
            w = w * scale[:, None, None]
            b = (b - mean) * scale + beta
        elif isinstance(norm, ChannelLayerNorm):
            ln = norm.norm
            self.layer_norm = (ln.weight.detach().cpu().numpy().astype(dtype),
                               ln.bias.detach().cpu().numpy().astype(dtype), float(ln.eps))
        elif not isinstance(norm, nn.Identity):
            raise ValueError(f"streaming supports batch, layer or no norm after a convolution, got {type(norm).__name__}")
        c_out, c_in, k = w.shape
        self.k, self.d, self.c_in = k, conv.dilation, c_in
        self.window = (k - 1) * self.d + 1  # frames of input history one output needs
        # taps are ordered oldest first: x[t-(k-1)d], ..., x[t]  <->  w[:, :, 0], ..., w[:, :, k-1]
        # channel c_in of every frame is a constant 1; its weight is the bias (current tap only)
        w_taps = np.zeros((k, c_in + 1, c_out), dtype=dtype)
        w_taps[:, :c_in] = w.permute(2, 1, 0).numpy()
        w_taps[k - 1, c_in] = b.numpy()
        self.w_taps = w_taps  # (k, C_in+1, C_out)
        self.w_flat = w_taps.reshape(k * (c_in + 1), c_out)  # (k*(C_in+1), C_out)
        self.buf = np.zeros((batch_size, 2 * self.window, c_in + 1), dtype=dtype)
        self.reset()

    def reset(self) -> None:
        self.buf.fill(0)
        self.buf[:, :, self.c_in] = 1
        self.pos = self.window - 1

    def _norm(self, y: np.ndarray) -> np.ndarray:
        if self.layer_norm is None:
            return y
        g, beta, eps = self.layer_norm
        mu = y.mean(axis=-1, keepdims=True)
        y = y - mu
        var = (y * y).mean(axis=-1, keepdims=True)
        return y / np.sqrt(var + eps) * g + beta

    def step(self, x: np.ndarray) -> np.ndarray:
        """``x: (B, C_in) -> (B, C_out)`` (before the activation)."""
        W = self.window
        p = self.pos + 1
        if p == W:
            p = 0
        self.pos = p
        buf, c = self.buf, self.c_in
        buf[:, p, :c] = x
        buf[:, p + W, :c] = x
        taps = buf[:, p + 1:p + W + 1:self.d].reshape(buf.shape[0], -1)  # (B, k*(C_in+1)), oldest first
        y = np.dot(taps, self.w_flat)  # bias included through the ones channel
        return self._norm(y) if self.layer_norm is not None else y

    def chunk(self, x: np.ndarray) -> np.ndarray:
        """``x: (B, n, C_in) -> (B, n, C_out)`` (before the activation), channels last."""
        W, d, n = self.window, self.d, x.shape[1]
        p = self.pos
        hist = self.buf[:, p + 2:p + W + 1]  # the last W-1 inputs, oldest first
        full = np.ones((x.shape[0], W - 1 + n, self.c_in + 1), dtype=self.buf.dtype)  # (B, W-1+n, C_in+1)
        full[:, :W - 1] = hist
        full[:, W - 1:, :self.c_in] = x
        y = full[:, 0:n] @ self.w_taps[0]
        for j in range(1, self.k):
            y += full[:, j * d:j * d + n] @ self.w_taps[j]
        last = full[:, -W:]  # n >= 1, so full holds at least W frames
        self.buf[:, :W] = last
        self.buf[:, W:] = last
        self.pos = W - 1
        return self._norm(y)


class _BlockState:
    def __init__(self, block: TemporalBlock, batch_size: int, dtype: np.dtype) -> None:
        if not all(c.causal for c in block.convs):
            raise ValueError("only causal blocks can stream")
        self.convs = [_ConvState(c, n, batch_size, dtype) for c, n in zip(block.convs, block.norms)]
        self.act = _activation(block.act)
        if block.downsample is None:
            self.down: Optional[Tuple[np.ndarray, np.ndarray]] = None
        else:
            self.down = (block.downsample.weight.detach().cpu().numpy()[:, :, 0].T.astype(dtype).copy(),
                         block.downsample.bias.detach().cpu().numpy().astype(dtype))

    def _res(self, x: np.ndarray) -> np.ndarray:
        if self.down is None:
            return x
        return x @ self.down[0] + self.down[1]

    def step(self, x: np.ndarray) -> np.ndarray:
        h = x
        act = self.act
        for conv in self.convs:
            h = act(conv.step(h))
        h += self._res(x)
        return act(h)

    def chunk(self, x: np.ndarray) -> np.ndarray:
        h = x
        for conv in self.convs:
            h = self.act(conv.chunk(h))
        h += self._res(x)
        return self.act(h)


class TCNStream:
    """Online inference for a causal :class:`~tcnlib.TCN`, for ``batch_size`` streams at once.

    Create it with ``model.stream(batch_size=B)``. Weights are snapshotted at creation in eval-mode
    semantics (weight norm folded, batch norm with its running statistics, dropout off), so the
    outputs equal ``model.eval()(x)`` on the whole sequence, frame for frame.

    Usage::

        stream = model.stream(batch_size=4)
        y_t = stream.step(x_t)          # (4, C_in) -> (4, C_out), one frame per stream
        y = stream(x_chunk)             # (4, C_in, n) -> (4, C_out, n), any n >= 1
        stream.reset()                  # start new sequences (zero history)

    Inputs may be torch tensors or NumPy arrays; outputs have the input's type (and device).

    Notebook: none (made by TCN.stream(), which the causality lesson uses)
    """

    def __init__(self, model: TCN, batch_size: int = 1) -> None:
        if not isinstance(model, TCN):
            raise ValueError(f"model must be a tcnlib.TCN, got {type(model).__name__}")
        if not model.causal:
            raise ValueError("cannot stream a non-causal TCN (causal=False): its output at frame t "
                             "depends on future frames that have not arrived yet; build it with causal=True")
        if not is_int(batch_size) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer (number of parallel streams), got {batch_size!r}")
        p = next(model.parameters())
        self.dtype = np.float64 if p.dtype == torch.float64 else np.float32
        self.batch_size = int(batch_size)
        self.in_channels = model.in_channels
        self.out_channels = model.out_channels
        self.receptive_field = model.receptive_field
        with torch.no_grad():
            self._blocks = [_BlockState(b, self.batch_size, self.dtype) for b in model.blocks]
        self.frames_seen = 0

    @property
    def state_bytes(self) -> int:
        """Bytes of history held: ``B * sum_convs 2 * ((k-1)*d + 1) * (C_in + 1) * itemsize``; constant."""
        return sum(c.buf.nbytes for b in self._blocks for c in b.convs)

    def reset(self) -> None:
        """Forget the history of every stream (as if the sequences started now, zero-padded)."""
        for b in self._blocks:
            for c in b.convs:
                c.reset()
        self.frames_seen = 0

    def _to_numpy(self, x: Array, shape: Tuple[int, ...], what: str) -> np.ndarray:
        if isinstance(x, torch.Tensor):
            a = x.detach().to("cpu").numpy()
        elif isinstance(x, np.ndarray):
            a = x
        else:
            raise ValueError(f"{what} must be a torch.Tensor or np.ndarray of shape {shape}, got {type(x).__name__}")
        if a.ndim != len(shape) or any(s is not None and a.shape[i] != s for i, s in enumerate(shape)):
            shp = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{what} must have shape {shp} = (batch_size, in_channels{', time' if len(shape) == 3 else ''}), "
                             f"got {tuple(a.shape)}")
        if a.dtype == np.bool_ or not np.issubdtype(a.dtype, np.number) or np.iscomplexobj(a):
            raise ValueError(f"{what} must hold real numbers, got dtype {a.dtype}")
        if a.dtype != self.dtype:
            a = a.astype(self.dtype)
        if not np.isfinite(a).all():
            raise ValueError(f"{what} contains NaN or infinite values; the stream's history would be poisoned "
                             "for the next receptive field of frames")
        return a

    @staticmethod
    def _like(y: np.ndarray, x: Array) -> Array:
        if isinstance(x, torch.Tensor):
            return torch.from_numpy(y).to(x.device)
        return y

    def step(self, x_t: Array) -> Array:
        """Process one frame of every stream: ``x_t: (B, C_in) -> (B, C_out)``."""
        x = self._to_numpy(x_t, (self.batch_size, self.in_channels), "x_t")
        for b in self._blocks:
            x = b.step(x)
        self.frames_seen += 1
        return self._like(np.ascontiguousarray(x), x_t)

    def __call__(self, x_chunk: Array) -> Array:
        """Process ``n`` frames of every stream: ``x_chunk: (B, C_in, n) -> (B, C_out, n)``, any n >= 1."""
        x = self._to_numpy(x_chunk, (self.batch_size, self.in_channels, None), "x_chunk")
        n = x.shape[2]
        if n < 1:
            raise ValueError(f"x_chunk needs at least one frame, got shape {tuple(x.shape)}")
        h = np.ascontiguousarray(x.transpose(0, 2, 1))  # (B, n, C), channels last
        for b in self._blocks:
            h = b.chunk(h)
        self.frames_seen += n
        return self._like(np.ascontiguousarray(h.transpose(0, 2, 1)), x_chunk)

    def __repr__(self) -> str:
        return (f"TCNStream(batch_size={self.batch_size}, in_channels={self.in_channels}, "
                f"out_channels={self.out_channels}, state_bytes={self.state_bytes}, frames_seen={self.frames_seen})")


def naive_stream_step(model: nn.Module, history: torch.Tensor, x_t: torch.Tensor, receptive_field: int
                      ) -> Tuple[torch.Tensor, torch.Tensor]:
    """The slow baseline: append ``x_t: (B, C)`` to ``history: (B, C, <=R)`` and rerun the model on it.

    Keeps the last ``receptive_field`` frames and returns ``(y_t: (B, C_out), new_history)``. Exact
    for a causal model (in eval mode), but costs a forward pass over ``R`` frames per new frame.

    Raises:
        ValueError: if ``model`` is not a module, ``history`` is not ``(B, C, T)``, ``x_t`` is not
            ``(B, C)`` with the same ``B`` and ``C``, or ``receptive_field`` is not a positive integer.

    Notebook: none (the slow baseline that the streaming benchmark compares with)
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    receptive_field = check_positive_int("receptive_field", receptive_field)
    if not isinstance(history, torch.Tensor) or history.dim() != 3:
        got = tuple(history.shape) if isinstance(history, torch.Tensor) else type(history).__name__
        raise ValueError(f"history must be a torch.Tensor of shape (B, C, T) (T may be 0), got {got}")
    if not isinstance(x_t, torch.Tensor) or x_t.dim() != 2:
        got = tuple(x_t.shape) if isinstance(x_t, torch.Tensor) else type(x_t).__name__
        raise ValueError(f"x_t must be a torch.Tensor of shape (B, C), one frame per sequence, got {got}")
    if tuple(x_t.shape) != tuple(history.shape[:2]):
        raise ValueError(f"x_t must have shape (B, C) = {tuple(history.shape[:2])} to match history "
                         f"(B, C, T) = {tuple(history.shape)}, got {tuple(x_t.shape)}: same batch and channels")
    history = torch.cat([history, x_t[:, :, None]], dim=2)[:, :, -receptive_field:]
    with torch.no_grad():
        y = model(history)[:, :, -1]
    return y, history

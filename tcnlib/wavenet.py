"""WaveNet: a causal dilated gated network, its training batches, and naive vs cached generation.

The lecture's "FYI, WaveNet": *causal + dilated 1-D CNNs + residual connections for
generation*. WaveNet (van den Oord et al., 2016) models a waveform one sample at a time,

    p(x) = prod_t p(x_t | x_1, ..., x_{t-1}),

where each x_t is one of 256 mu-law classes and the conditional is a softmax computed by a stack
of causal dilated convolutions (dilations 1, 2, 4, ..., 512, repeated).

Generation is sequential: sample x_t, append it, predict x_{t+1}. Done *naively* every step
recomputes the whole receptive field (thousands of samples); done with *per-layer caches*
(Paine et al., 2016, "Fast Wavenet Generation Algorithm") each layer keeps a queue of its own past
inputs, so one step costs one column of every layer: O(layers), independent of the receptive
field. Both produce exactly the same samples for the same random draws (see
:func:`sample_from_logits`).

The mu-law classes it models come from :mod:`tcnlib.quantize`; its names (``MU``,
``mu_law_encode``, ...) are re-exported here, so ``tcnlib.wavenet.mu_law_encode`` keeps working.

Shapes: classes ``x: (B, T)`` (int64 in ``[0, n_classes)``) -> logits ``(B, n_classes, T)``,
where ``logits[:, :, t]`` is the distribution of ``x[:, t + 1]``.

Notebook: 08_wavenet.ipynb
"""
from __future__ import annotations

from typing import Callable, List, Optional, Tuple, Union

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .models import DilatedConv1d
from .quantize import (MU, linear_decode, linear_encode, mu_law_compress, mu_law_decode, mu_law_encode,
                       mu_law_expand, snr_db)
from .receptive import exponential_dilations, receptive_field, repeat_stack
from .utils import check_bool, check_int, check_non_negative_int, check_positive_int

__all__ = [
    # the model, its loss and training batches
    "GatedResidualLayer", "WaveNet", "wavenet_loss", "random_segments", "segment_batches",
    # sampling and generation
    "sample_from_logits", "generate_naive", "WaveNetCache", "generate_cached",
    # re-exported from tcnlib.quantize
    "MU", "linear_decode", "linear_encode", "mu_law_compress", "mu_law_decode", "mu_law_encode",
    "mu_law_expand", "snr_db",
]

# --- the model ------------------------------------------------------------------------------

class GatedResidualLayer(nn.Module):
    """One WaveNet layer: dilated causal conv -> gated unit -> residual and skip outputs.

    ``z = tanh(W_f * x) . sigmoid(W_g * x)`` (the gated tanh-sigmoid unit, with ``*`` a causal
    dilated convolution), then ``residual = x + W_r z`` and ``skip = W_s z`` (1x1 convolutions).

    Shapes: ``x: (B, R, T) -> (residual (B, R, T), skip (B, S, T))``.

    Notebook: 08_wavenet.ipynb
    """

    def __init__(self, residual_channels: int, dilation_channels: int, skip_channels: int,
                 kernel_size: int, dilation: int) -> None:
        super().__init__()
        residual_channels = check_positive_int("residual_channels", residual_channels)
        dilation_channels = check_positive_int("dilation_channels", dilation_channels)
        skip_channels = check_positive_int("skip_channels", skip_channels)
        kernel_size = check_positive_int("kernel_size", kernel_size)
        dilation = check_positive_int("dilation", dilation)
        self.dilation = dilation
        self.kernel_size = kernel_size
        self.dilation_channels = dilation_channels
        # filter and gate in one convolution: the first half of the outputs is the filter
        self.conv = DilatedConv1d(residual_channels, 2 * dilation_channels, kernel_size, dilation, causal=True)
        self.res = nn.Conv1d(dilation_channels, residual_channels, 1)
        self.skip = nn.Conv1d(dilation_channels, skip_channels, 1)

    def gate(self, h: torch.Tensor) -> torch.Tensor:
        """``tanh(filter) * sigmoid(gate)`` over the channel dimension 1 of ``h: (B, 2D, ...)``."""
        f, g = h.split(self.dilation_channels, dim=1)
        return torch.tanh(f) * torch.sigmoid(g)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        z = self.gate(self.conv(x))
        return x + self.res(z), self.skip(z)


class WaveNet(nn.Module):
    """WaveNet: an autoregressive model of mu-law classes built from causal dilated convolutions.

    ``one-hot(x) -> causal conv (kernel input_kernel_size) -> [gated residual layer] x L ->
    sum of skips -> ReLU -> 1x1 -> ReLU -> 1x1 -> logits``, with layer dilations
    ``1, 2, ..., 2**(layers_per_stack - 1)`` repeated ``n_stacks`` times.

    Args:
        n_classes: number of amplitude classes (256 for 8-bit mu-law).
        residual_channels: channels R of the residual stream.
        dilation_channels: channels D of each gated unit.
        skip_channels: channels S of the skip connections and the output head.
        kernel_size: kernel of the dilated convolutions (2 in WaveNet).
        layers_per_stack: layers per dilation stack (10 gives dilations 1..512).
        n_stacks: how often the stack repeats.
        input_kernel_size: kernel of the first causal convolution on the one-hot input.

    Shapes: ``forward(x: (B, T) int64) -> logits (B, n_classes, T)``; ``logits[:, :, t]`` scores
    the next sample ``x[:, t + 1]`` and depends on ``x[:, t - receptive_field + 1 .. t]`` only.

    Example:
        >>> WaveNet(layers_per_stack=10, n_stacks=2).receptive_field
        2048

    Notebook: 08_wavenet.ipynb
    """

    def __init__(self, n_classes: int = MU + 1, residual_channels: int = 32, dilation_channels: int = 32,
                 skip_channels: int = 64, kernel_size: int = 2, layers_per_stack: int = 10,
                 n_stacks: int = 2, input_kernel_size: int = 2) -> None:
        super().__init__()
        for name, value, minimum in (("n_classes", n_classes, 2), ("residual_channels", residual_channels, 1),
                                     ("dilation_channels", dilation_channels, 1),
                                     ("skip_channels", skip_channels, 1), ("kernel_size", kernel_size, 2),
                                     ("layers_per_stack", layers_per_stack, 1), ("n_stacks", n_stacks, 1),
                                     ("input_kernel_size", input_kernel_size, 1)):
            check_int(name, value, minimum)
        self.n_classes = int(n_classes)
        self.residual_channels = int(residual_channels)
        self.skip_channels = int(skip_channels)
        self.kernel_size = int(kernel_size)
        self.input_kernel_size = int(input_kernel_size)
        self.dilations: List[int] = repeat_stack(exponential_dilations(int(layers_per_stack)), int(n_stacks))
        self.input_conv = DilatedConv1d(self.n_classes, self.residual_channels, self.input_kernel_size, 1,
                                        causal=True)
        self.layers = nn.ModuleList(
            GatedResidualLayer(self.residual_channels, int(dilation_channels), self.skip_channels,
                               self.kernel_size, d) for d in self.dilations)
        self.head1 = nn.Conv1d(self.skip_channels, self.skip_channels, 1)
        self.head2 = nn.Conv1d(self.skip_channels, self.n_classes, 1)

    @property
    def receptive_field(self) -> int:
        """Input samples one output depends on: the input conv plus every dilated layer, in samples."""
        return receptive_field([self.input_kernel_size] + [self.kernel_size] * len(self.dilations),
                               [1] + self.dilations)

    def check_classes(self, x: torch.Tensor, name: str = "x") -> None:
        """Raise a clear ValueError unless ``x`` is an int64 tensor ``(B, T)`` of classes."""
        if not isinstance(x, torch.Tensor):
            raise ValueError(f"{name} must be a torch.Tensor of class indices with shape (B, T), "
                             f"got {type(x).__name__}")
        if x.dim() != 2 or x.shape[0] < 1 or x.shape[1] < 1:
            raise ValueError(f"{name} must have shape (B, T) with B, T >= 1 (class indices, e.g. from "
                             f"mu_law_encode), got {tuple(x.shape)}")
        if x.dtype != torch.int64:
            raise ValueError(f"{name} must hold int64 class indices (use mu_law_encode), got dtype {x.dtype}")
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= self.n_classes:
            raise ValueError(f"{name} must hold class indices in [0, {self.n_classes - 1}], got values in [{lo}, {hi}]")

    def head(self, skip_sum: torch.Tensor) -> torch.Tensor:
        """Output head: ``(B, S, T) -> logits (B, n_classes, T)``."""
        return self.head2(F.relu(self.head1(F.relu(skip_sum))))

    def forward(self, x: torch.Tensor, layer_inputs: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        """Logits of the next sample at every position.

        Args:
            x: classes ``(B, T)``.
            layer_inputs: if a list is given, the input of the input conv and of every layer
                (``(B, C, T)`` each) is appended to it (used to prime the generation caches).
        """
        self.check_classes(x)
        return self.forward_onehot(F.one_hot(x, self.n_classes).transpose(1, 2).to(self.head2.weight.dtype),
                                   layer_inputs)

    def forward_onehot(self, h: torch.Tensor, layer_inputs: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        """:meth:`forward` from the one-hot input ``h: (B, n_classes, T)`` (float): differentiable
        with respect to the input, so autograd can show which input samples an output depends on.
        """
        if layer_inputs is not None:
            layer_inputs.append(h)
        h = self.input_conv(h)
        skip_sum = None
        for layer in self.layers:
            if layer_inputs is not None:
                layer_inputs.append(h)
            h, s = layer(h)
            skip_sum = s if skip_sum is None else skip_sum + s
        return self.head(skip_sum)

    def generate(self, n_samples: int, prime: Optional[torch.Tensor] = None, batch_size: int = 1,
                 temperature: float = 1.0, generator: Optional[torch.Generator] = None,
                 cached: bool = True) -> torch.Tensor:
        """Sample ``n_samples`` new classes ``(B, n_samples)``; see :func:`generate_cached`."""
        fn = generate_cached if check_bool("cached", cached) else generate_naive
        return fn(self, n_samples, prime=prime, batch_size=batch_size, temperature=temperature,
                  generator=generator)


def wavenet_loss(model: WaveNet, x: torch.Tensor, skip: int = 0) -> torch.Tensor:
    """Mean next-sample cross-entropy (nats per sample) of a batch of class sequences.

    Predicts ``x[:, 1:]`` from ``x[:, :-1]``: ``cross_entropy(model(x[:, :-1]), x[:, 1:])``.

    Args:
        model: the WaveNet.
        x: classes ``(B, T)`` with ``T >= skip + 2``.
        skip: ignore the first ``skip`` predictions (those that see zero padding instead of a
            full receptive field).

    Notebook: 08_wavenet.ipynb
    """
    _check_model(model)
    skip = check_non_negative_int("skip", skip)
    if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] < skip + 2:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be classes of shape (B, T) with T >= skip + 2 = {skip + 2}, got {shape}")
    logits = model(x[:, :-1])
    return F.cross_entropy(logits[:, :, skip:], x[:, 1 + skip:])


def random_segments(q: torch.Tensor, length: int, batch_size: int,
                    generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Cut ``batch_size`` random segments of ``length`` classes from one long sequence ``q: (N,)``.

    Returns:
        int64 tensor ``(batch_size, length)``.

    Notebook: none (used by segment_batches)
    """
    _check_sequence(q)
    length = check_positive_int("length", length)
    batch_size = check_positive_int("batch_size", batch_size)
    if length > len(q):
        raise ValueError(f"length={length} is longer than the sequence ({len(q)} samples)")
    starts = torch.randint(0, len(q) - length + 1, (batch_size,), generator=generator)
    idx = starts[:, None] + torch.arange(length)[None, :]
    return q[idx].long()


def segment_batches(q: torch.Tensor, length: int, batch_size: int,
                    generator: Optional[torch.Generator] = None) -> Callable[[int], Tuple[torch.Tensor, torch.Tensor]]:
    """A batch function for :func:`tcnlib.fit`: random segments as (inputs, next-sample targets).

    ``batch_fn(step)`` cuts ``batch_size`` random segments of ``length + 1`` classes from ``q``
    and returns ``(x[:, :-1], x[:, 1:])``, each ``(batch_size, length)``, so that
    ``fit(model, batch_fn, torch.nn.functional.cross_entropy, ...)`` trains next-sample prediction.

    Notebook: 08_wavenet.ipynb
    """
    _check_sequence(q)
    length = check_positive_int("length", length)
    batch_size = check_positive_int("batch_size", batch_size)

    def batch_fn(step: int) -> Tuple[torch.Tensor, torch.Tensor]:
        x = random_segments(q, length + 1, batch_size, generator)
        return x[:, :-1], x[:, 1:]

    random_segments(q, length + 1, 1, torch.Generator())  # check the arguments now, not at step 0
    return batch_fn


def _check_sequence(q: torch.Tensor) -> None:
    """``q`` must be a 1-D integer tensor of classes (not a float waveform, which would become class 0)."""
    if not isinstance(q, torch.Tensor):
        raise ValueError(f"q must be a 1-D torch.Tensor of integer classes (N,), e.g. "
                         f"torch.as_tensor(mu_law_encode(y)), got {type(q).__name__}")
    if q.dim() != 1:
        raise ValueError(f"q must be a 1-D tensor of classes of shape (N,), got shape {tuple(q.shape)}")
    if q.dtype.is_floating_point or q.dtype.is_complex or q.dtype == torch.bool:
        raise ValueError(f"q must hold integer classes (encode a waveform with mu_law_encode first), "
                         f"got dtype {q.dtype}")
    if q.numel() and int(q.min()) < 0:
        raise ValueError(f"q must hold class indices >= 0, got a minimum of {int(q.min())}")


def _check_model(model: object) -> None:
    if not isinstance(model, WaveNet):
        raise ValueError(f"model must be a tcnlib.WaveNet, got {type(model).__name__}")


# --- sampling -------------------------------------------------------------------------------

def sample_from_logits(logits: torch.Tensor, u: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Draw one class per row by inverse-CDF sampling with given uniforms.

    ``softmax(logits / temperature)`` is accumulated in float64 and the first class whose
    cumulative probability exceeds ``u`` is returned. With the uniforms drawn up front, two
    generators whose logits agree to ~1e-6 pick the same class unless ``u`` falls within ~1e-6
    of a CDF step, which in float64 (see the tests) essentially never happens.

    Args:
        logits: ``(B, n_classes)``.
        u: uniforms in ``[0, 1)`` of shape ``(B,)``.
        temperature: > 0; below 1 sharpens the distribution, above 1 flattens it.

    Returns:
        int64 classes ``(B,)``.

    Notebook: none (the sampler of generate_naive and generate_cached)
    """
    _check_temperature(temperature)
    for name, t in (("logits", logits), ("u", u)):
        if not isinstance(t, torch.Tensor):
            raise ValueError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if logits.dim() != 2 or u.shape != logits.shape[:1]:
        raise ValueError(f"logits must be (B, n_classes) and u (B,), got {tuple(logits.shape)} and {tuple(u.shape)}")
    if not bool(torch.isfinite(logits).all()):
        raise ValueError("logits contain NaN or infinite values (did the model diverge?)")
    if u.numel() and not (0.0 <= float(u.min()) and float(u.max()) < 1.0):
        raise ValueError(f"u must hold uniforms in [0, 1), got values in [{float(u.min()):.4g}, {float(u.max()):.4g}]")
    return _sample(logits, u, float(temperature))


def _check_temperature(temperature: float) -> None:
    if (isinstance(temperature, (bool, np.bool_)) or not isinstance(temperature, (int, float, np.integer, np.floating))
            or not np.isfinite(temperature) or temperature <= 0):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")


def _sample(logits: torch.Tensor, u: torch.Tensor, temperature: float) -> torch.Tensor:
    """:func:`sample_from_logits` without the checks (the generation loops check once, up front)."""
    cdf = torch.softmax(logits.double() / temperature, dim=1).cumsum(dim=1)
    k = torch.searchsorted(cdf, (u.double() * cdf[:, -1:].squeeze(1))[:, None], right=True)
    return k.squeeze(1).clamp_(max=logits.shape[1] - 1)


def _prepare(model: WaveNet, n_samples: int, prime: Optional[torch.Tensor], batch_size: int,
             generator: Optional[torch.Generator], uniforms: Optional[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
    _check_model(model)
    n_samples = check_positive_int("n_samples", n_samples)
    batch_size = check_positive_int("batch_size", batch_size)
    device = model.head2.weight.device
    if prime is None:
        silence = int(mu_law_encode(np.zeros(1), model.n_classes - 1)[0])
        prime = torch.full((batch_size, 1), silence, dtype=torch.int64)
    else:
        if isinstance(prime, torch.Tensor) and prime.dim() == 1:
            prime = prime[None, :].expand(batch_size, -1)
        model.check_classes(prime, "prime")
    prime = prime.to(device)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator or None, got {generator!r}")
    if uniforms is None:
        uniforms = torch.rand(prime.shape[0], n_samples, generator=generator, dtype=torch.float64)
    elif not isinstance(uniforms, torch.Tensor):
        raise ValueError(f"uniforms must be a torch.Tensor of shape (B, n_samples), got {type(uniforms).__name__}")
    elif tuple(uniforms.shape) != (prime.shape[0], n_samples):
        raise ValueError(f"uniforms must have shape (B, n_samples) = {(prime.shape[0], n_samples)}, "
                         f"got {tuple(uniforms.shape)}")
    elif uniforms.numel() and not (0.0 <= float(uniforms.min()) and float(uniforms.max()) < 1.0):
        raise ValueError("uniforms must lie in [0, 1)")
    return prime, uniforms.to(device)


@torch.no_grad()
def generate_naive(model: WaveNet, n_samples: int, prime: Optional[torch.Tensor] = None, batch_size: int = 1,
                   temperature: float = 1.0, generator: Optional[torch.Generator] = None,
                   uniforms: Optional[torch.Tensor] = None, return_logits: bool = False
                   ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
    """Generate by recomputing the whole receptive field for every new sample.

    Each step runs the model on the last ``model.receptive_field`` samples (fewer at the start)
    and samples from the last position's logits: O(receptive field x layers) work per sample.

    Args:
        model: a WaveNet (put it in ``eval()`` mode).
        n_samples: new samples to generate.
        prime: classes ``(B, P)`` or ``(P,)`` to continue; default one silent sample per sequence.
        batch_size: sequences to generate when ``prime`` is None or 1-D.
        temperature: softmax temperature (> 0).
        generator: random source of the uniforms (ignored when ``uniforms`` is given).
        uniforms: the uniform draws ``(B, n_samples)`` themselves, for exact comparisons.
        return_logits: also return the logits ``(B, n_classes, n_samples)`` used at each step.

    Returns:
        The new classes ``(B, n_samples)`` (without the prime), and the logits if asked.

    Notebook: 08_wavenet.ipynb
    """
    prime, u = _prepare(model, n_samples, prime, batch_size, generator, uniforms)
    _check_temperature(temperature)
    return_logits = check_bool("return_logits", return_logits)
    n_samples = int(n_samples)
    B, P = prime.shape
    rf = model.receptive_field
    seq = torch.empty(B, P + n_samples, dtype=torch.int64, device=prime.device)
    seq[:, :P] = prime
    all_logits = [] if return_logits else None
    for n in range(n_samples):
        end = P + n
        logits = model(seq[:, max(0, end - rf):end])[:, :, -1]
        seq[:, end] = _sample(logits, u[:, n], float(temperature))
        if all_logits is not None:
            all_logits.append(logits)
    out = seq[:, P:]
    return (out, torch.stack(all_logits, dim=2)) if all_logits is not None else out


class _ConvQueue:
    """A causal dilated convolution evaluated one time step at a time from a ring buffer.

    The buffer keeps the last ``(k - 1) * d`` inputs of the layer; step ``t`` reads the taps
    ``t - d, t - 2d, ...`` and stores input ``t`` in place of the oldest one. Arrays are NumPy
    (on the CPU: less overhead per tiny operation than torch) or torch tensors (on a GPU).
    """

    def __init__(self, conv: DilatedConv1d, batch_size: int, use_numpy: bool) -> None:
        w = conv.conv.weight.detach()  # (C_out, C_in, k)
        self.k, self.d = conv.kernel_size, conv.dilation
        self.size = (self.k - 1) * self.d
        # row i * C_in + c of the flat weight multiplies channel c of tap i (input t - (k-1-i) d)
        weight_t = w.permute(2, 1, 0).reshape(self.k * w.shape[1], w.shape[0]).contiguous()
        bias = conv.conv.bias.detach() if conv.conv.bias is not None else torch.zeros_like(w[:, 0, 0])
        shape = (self.size, batch_size, w.shape[1])
        if use_numpy:
            self.weight_t, self.bias = weight_t.cpu().numpy().copy(), bias.cpu().numpy().copy()
            self.buffer = np.zeros(shape, dtype=self.weight_t.dtype)
        else:
            self.weight_t, self.bias = weight_t, bias
            self.buffer = torch.zeros(shape, dtype=w.dtype, device=w.device)
        self.cat = np.concatenate if use_numpy else torch.cat

    def fill(self, history: torch.Tensor) -> None:
        """Load the layer's past inputs ``(B, C_in, T)`` (T = steps taken so far)."""
        T = history.shape[2]
        if self.size == 0:
            return
        keep = min(T, self.size)
        times = np.arange(T - keep, T)
        past = history[:, :, T - keep:].permute(2, 0, 1)
        if isinstance(self.buffer, np.ndarray):
            self.buffer[times % self.size] = past.detach().cpu().numpy()
        else:
            self.buffer[torch.as_tensor(times % self.size, device=self.buffer.device)] = past

    def step(self, x, t: int):
        """Output at time ``t`` for input ``x: (B, C_in)`` at time ``t``: ``(B, C_out)``."""
        if self.size == 0:
            return x @ self.weight_t + self.bias
        taps = [self.buffer[(t - (self.k - 1 - i) * self.d) % self.size] for i in range(self.k - 1)]
        out = self.cat(taps + [x], 1) @ self.weight_t + self.bias
        self.buffer[t % self.size] = x
        return out


class WaveNetCache:
    """Per-layer queues (Fast WaveNet) that let a WaveNet step one sample at a time.

    Every dilated layer keeps the last ``(k - 1) * d`` of its inputs, so a step costs one column
    per layer: O(number of layers), independent of the receptive field. Empty queues hold
    zeros, exactly like the causal zero padding of the full forward pass. On the CPU the step runs
    in NumPy (a few microseconds less per tiny operation than torch, which adds up over ~10
    operations x 20 layers per sample); on a GPU in torch.

    Args:
        model: the WaveNet (its weights are read now; do not train it while a cache is in use).
        batch_size: sequences stepped in parallel.
        backend: ``"numpy"`` (CPU only), ``"torch"``, or ``None``: NumPy on the CPU, torch elsewhere.

    Notebook: 08_wavenet.ipynb
    """

    def __init__(self, model: WaveNet, batch_size: int = 1, backend: Optional[str] = None) -> None:
        _check_model(model)
        batch_size = check_positive_int("batch_size", batch_size)
        self.batch_size = batch_size
        self.model = model
        self.t = 0
        self.device = model.head2.weight.device
        if backend not in (None, "numpy", "torch"):
            raise ValueError(f"backend must be None, 'numpy' or 'torch', got {backend!r}")
        if backend == "numpy" and self.device.type != "cpu":
            raise ValueError(f"backend='numpy' needs the model on the CPU, but it is on {self.device}")
        self.use_numpy = self.device.type == "cpu" if backend is None else backend == "numpy"
        self.input_queue = _ConvQueue(model.input_conv, batch_size, self.use_numpy)
        self.queues = [_ConvQueue(layer.conv, batch_size, self.use_numpy) for layer in model.layers]
        self.gate_channels = [layer.dilation_channels for layer in model.layers]

        def flat(*convs: nn.Conv1d):
            w = torch.cat([c.weight.detach()[:, :, 0] for c in convs]).t().contiguous()
            b = torch.cat([c.bias.detach() for c in convs])
            return (w.cpu().numpy().copy(), b.cpu().numpy().copy()) if self.use_numpy else (w, b)

        # residual and skip 1x1 convolutions of a layer, fused into one matrix
        self.res_skip = [flat(layer.res, layer.skip) for layer in model.layers]
        self.head1, self.head2 = flat(model.head1), flat(model.head2)
        eye = torch.eye(model.n_classes, dtype=model.head2.weight.dtype, device=self.device)
        self.eye = eye.numpy() if self.use_numpy else eye
        self.tanh = np.tanh if self.use_numpy else torch.tanh
        self.relu = (lambda a: np.maximum(a, 0)) if self.use_numpy else torch.relu

    @torch.no_grad()
    def prime(self, x: torch.Tensor) -> torch.Tensor:
        """Run a whole prime ``(B, P)`` through the full model and load the queues from it.

        Returns:
            The logits ``(B, n_classes)`` at the prime's last position.
        """
        if self.t != 0:
            raise ValueError("prime() must come before any step() and only once; make a new WaveNetCache")
        self.model.check_classes(x, "x")
        if x.shape[0] != self.batch_size:
            raise ValueError(f"x must have shape (batch_size, P) = ({self.batch_size}, P), got {tuple(x.shape)}")
        inputs: List[torch.Tensor] = []
        logits = self.model(x, layer_inputs=inputs)
        self.input_queue.fill(inputs[0])
        for q, h in zip(self.queues, inputs[1:]):
            q.fill(h)
        self.t = x.shape[1]
        return logits[:, :, -1]

    @torch.no_grad()
    def step(self, x: torch.Tensor) -> torch.Tensor:
        """Feed one sample per sequence, ``x: (B,)`` classes, and get the next logits ``(B, n_classes)``."""
        if not isinstance(x, torch.Tensor) or tuple(x.shape) != (self.batch_size,):
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x must be a tensor of classes of shape (B,) = ({self.batch_size},), got {shape}")
        self.model.check_classes(x[:, None], "x")
        return self._step(x)

    def _step(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`step` without the checks (the generation loop feeds its own samples)."""
        t, tanh, R = self.t, self.tanh, self.model.residual_channels
        h = self.input_queue.step(self.eye[x.cpu().numpy() if self.use_numpy else x], t)
        skip_sum = 0
        for q, D, (w, b) in zip(self.queues, self.gate_channels, self.res_skip):
            a = q.step(h, t)
            # gated unit tanh(f) * sigmoid(g), with sigmoid(g) = (1 + tanh(g / 2)) / 2
            z = tanh(a[:, :D]) * (0.5 + 0.5 * tanh(0.5 * a[:, D:]))
            rs = z @ w + b
            h = h + rs[:, :R]
            skip_sum = skip_sum + rs[:, R:]
        self.t = t + 1
        (w1, b1), (w2, b2) = self.head1, self.head2
        out = self.relu(self.relu(skip_sum) @ w1 + b1) @ w2 + b2
        return torch.from_numpy(out) if self.use_numpy else out


@torch.no_grad()
def generate_cached(model: WaveNet, n_samples: int, prime: Optional[torch.Tensor] = None, batch_size: int = 1,
                    temperature: float = 1.0, generator: Optional[torch.Generator] = None,
                    uniforms: Optional[torch.Tensor] = None, return_logits: bool = False
                   ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
    """Generate with per-layer queues (Fast WaveNet): the same samples as :func:`generate_naive`.

    The prime goes through the full model once to fill the queues; then every new sample costs
    one step of :class:`WaveNetCache`, whatever the receptive field.

    Args and Returns: as :func:`generate_naive`.

    Notebook: 08_wavenet.ipynb
    """
    prime, u = _prepare(model, n_samples, prime, batch_size, generator, uniforms)
    _check_temperature(temperature)
    return_logits = check_bool("return_logits", return_logits)
    n_samples = int(n_samples)
    B = prime.shape[0]
    cache = WaveNetCache(model, B)
    logits = cache.prime(prime)
    out = torch.empty(B, n_samples, dtype=torch.int64, device=prime.device)
    all_logits = [] if return_logits else None
    for n in range(n_samples):
        out[:, n] = _sample(logits, u[:, n], float(temperature))
        if all_logits is not None:
            all_logits.append(logits)
        if n + 1 < n_samples:
            logits = cache._step(out[:, n])
    return (out, torch.stack(all_logits, dim=2)) if all_logits is not None else out

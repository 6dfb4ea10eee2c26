"""Per-frame streaming latency of a causal TCN: tcnlib vs pytorch-tcn vs naive recomputation.

The model: 11 residual blocks of 2 convolutions, 20 channels (20 inputs), kernel 5,
dilations 1, 2, ..., 1024, weight norm; receptive field 1 + 2*4*2047 = 16377 frames.

Implementations, all fed one frame at a time:

* ``tcnlib TCNStream``: NumPy ring buffers, one matmul per convolution (tcnlib/streaming.py).
* ``torch ops, same algorithm``: the same ring-buffer algorithm written with torch ops, kept here
  to show why tcnlib uses NumPy for the per-frame step (per-op overhead dominates at batch 1).
* ``pytorch-tcn 1.2.3``: its streaming mode ``model.inference(x)``; it streams one sequence per
  model, so at batch 64 it runs 64 models (one per stream).
* ``naive recompute``: keep the last receptive-field frames, run the full model, keep the last
  output (``tcnlib.naive_stream_step``).

Each is timed with 1 torch thread and with the default count; the faster is reported. The quick
smoke run uses 1 thread and few repeats.
"""
from __future__ import annotations

import copy
import math
from typing import Callable, List, Optional

import numpy as np
import torch

from harness import Row, best_over_threads, time_per_call, torch_threads

import tcnlib

BENCH = "Streaming latency: causal TCN, 11 blocks x 20 ch, kernel 5, dilations 1..1024"
DILATIONS = [2 ** i for i in range(11)]
C = 20
TARGETS = {1: 0.2, 64: 0.02}  # ms per frame per stream


def _model() -> tcnlib.TCN:
    torch.manual_seed(0)
    return tcnlib.TCN(C, [C] * 11, kernel_size=5, dilations=DILATIONS).eval()


class _TorchRingStream:
    """The tcnlib algorithm with torch tensors instead of NumPy (design comparison only)."""

    def __init__(self, stream: tcnlib.TCNStream) -> None:
        self.blocks = []
        for b in stream._blocks:
            convs = [(torch.from_numpy(c.buf.copy()), torch.from_numpy(c.w_flat.copy()), c.c_in, c.window, c.d)
                     for c in b.convs]
            self.blocks.append([convs, [c.window - 1 for c in b.convs]])

    @torch.no_grad()
    def step(self, x: torch.Tensor) -> torch.Tensor:
        for convs, pos in self.blocks:
            h = x
            for i, (buf, w, c, W, d) in enumerate(convs):
                p = pos[i] + 1
                p = 0 if p == W else p
                pos[i] = p
                buf[:, p, :c] = h
                buf[:, p + W, :c] = h
                h = torch.relu_(torch.mm(buf[:, p + 1:p + W + 1:d].reshape(buf.shape[0], -1), w))
            x = torch.relu_(h.add_(x))
        return x


def _exactness(model: tcnlib.TCN) -> float:
    x = torch.randn(2, C, 3000)
    with torch.no_grad():
        offline = model(x)
    stream = model.stream(batch_size=2)
    online = torch.cat([stream(x[:, :, :1000]), torch.stack([stream.step(x[:, :, t]) for t in range(1000, 3000)], 2)], 2)
    return float((online - offline).abs().max())


def _measure(make_step: Callable[[], Callable[[], object]], n: int, repeats: int, quick: bool,
             warmup: Optional[int] = None):
    def once() -> float:
        step = make_step()
        return time_per_call(step, n, repeats, warmup=(1 if quick else 3) if warmup is None else warmup,
                             max_seconds=0.5 if quick else 3.0)

    if quick:
        with torch_threads(1):
            return once(), 1
    return best_over_threads(once)


def run(quick: bool) -> List[Row]:
    model = _model()
    rf = model.receptive_field
    rows: List[Row] = []
    err = _exactness(model)
    for B in (1, 64):
        setting = f"batch {B}"
        target = TARGETS[B]
        x_np = np.random.default_rng(0).standard_normal((B, C)).astype(np.float32)
        x_t = torch.from_numpy(x_np)

        def tcnlib_step(B=B, x_t=x_t):
            s = model.stream(batch_size=B)
            return lambda: s.step(x_t)

        n = (200 if quick else 3000) if B == 1 else (50 if quick else 1000)
        sec, thr = _measure(tcnlib_step, n, 2 if quick else 5, quick)
        stream = model.stream(batch_size=B)
        rows.append(Row(BENCH, setting, "tcnlib TCNStream (NumPy ring buffers)", sec * 1e3 / B, "ms/frame/stream",
                        target, f"{sec * 1e3:.3g} ms/frame for all {B}; state {stream.state_bytes / 2**20:.1f} MiB; "
                        f"max abs diff vs offline {err:.1e}; {thr} thread(s)"))

        def torch_step(B=B, x_t=x_t):
            s = _TorchRingStream(model.stream(batch_size=B))
            return lambda: s.step(x_t)

        sec, thr = _measure(torch_step, (100 if quick else 1000) if B == 1 else (20 if quick else 300),
                            2 if quick else 5, quick)
        rows.append(Row(BENCH, setting, "same algorithm with torch ops (design alternative)", sec * 1e3 / B,
                        "ms/frame/stream", None, f"{thr} thread(s)"))

        try:
            from pytorch_tcn import TCN as PTCN  # benchmark-only peer: benchmarks/requirements.txt
            import pytorch_tcn
            version = getattr(pytorch_tcn, "__version__", "1.2.3")
        except ImportError:
            rows.append(Row(BENCH, setting, "pytorch-tcn 1.2.3 streaming", math.nan, "ms/frame/stream", None,
                            "not installed: pip install -r benchmarks/requirements.txt"))
        else:
            torch.manual_seed(0)
            peer = PTCN(C, [C] * 11, kernel_size=5, dilations=DILATIONS, dropout=0.0, causal=True,
                        use_norm="weight_norm").eval()
            models = [peer] if B == 1 else [copy.deepcopy(peer) for _ in range(B)]
            frames = [x_t[i:i + 1, :, None] for i in range(B)]

            def peer_step(models=models, frames=frames):
                for m in models:
                    m.reset_buffers()

                @torch.no_grad()
                def step():
                    return [m.inference(f) for m, f in zip(models, frames)]
                return step

            n = (30 if quick else 500) if B == 1 else (1 if quick else 10)
            sec, thr = _measure(peer_step, n, 1 if quick else 3, quick)
            how = "model.inference(x), batch 1" if B == 1 else f"one model per stream ({B} models): it streams batch 1 only"
            rows.append(Row(BENCH, setting, f"pytorch-tcn {version} streaming", sec * 1e3 / B, "ms/frame/stream", None,
                            f"{how}; {thr} thread(s)"))

        def naive_step(B=B, x_t=x_t):
            state = {"h": torch.zeros(B, C, rf - 1)}

            def step():
                _, state["h"] = tcnlib.naive_stream_step(model, state["h"], x_t, rf)
            return step

        if quick and B > 1:
            rows.append(Row(BENCH, setting, f"naive recompute over the receptive field ({rf} frames)", math.nan,
                            "ms/frame/stream", None, "skipped in --quick: seconds per frame (about batch-1 cost x B)"))
            continue
        if B == 1:
            sec, thr = _measure(naive_step, 2 if quick else 20, 1 if quick else 3, quick)
        else:  # seconds per frame: one timed frame per thread setting, no warm-up
            sec, thr = _measure(naive_step, 1, 1, quick, warmup=0)
        rows.append(Row(BENCH, setting, f"naive recompute over the receptive field ({rf} frames)", sec * 1e3 / B,
                        "ms/frame/stream", None, f"{sec * 1e3:.3g} ms/frame for all {B}; {thr} thread(s)"))
    return rows

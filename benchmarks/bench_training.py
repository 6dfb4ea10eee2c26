"""Benchmark: one training step (forward, backward, Adam) of a beat-tracking-sized TCN.

The model: 11 residual blocks x 20 channels, kernel 5, dilations 1..1024 (receptive field
16377 frames), dropout 0.1, 20 input channels, MSE against random targets.

CPU rows (the course's 2-core machine): batch 16 at T=3000 and batch 1 at T=30000, each with
1 thread, 2 threads and all threads. The implementations of one setting are timed interleaved
(one step of each in turn, repeated, minimum per implementation), so that load from other jobs
falls on all of them alike:

* tcnlib ``TCN`` as it is by default (channel dropout, channels-last oneDNN convolutions);
* tcnlib ``TCN(dropout_kind="element")``: one random number per activation, as before;
* pytorch-tcn 1.2.3 with the same layout (weight norm, dropout 0.1);
* a 2-layer LSTM with hidden size 64 (about the same parameter count).

CPU targets: at batch 16, T=3000, 2 threads, tcnlib at least 2x faster than pytorch-tcn and
faster than the LSTM; at batch 1, T=30000, 2 threads, at least 2x faster than the LSTM.

CUDA rows, batch 16:

* tcnlib ``TCN``, eager, float32 (and bfloat16 autocast on CUDA);
* tcnlib's fast path, what ``tcnlib.fit`` does by default on a GPU: ``torch.compile`` with
  CUDA graphs (``mode="reduce-overhead"``) and bfloat16 autocast; on the CPU it is only
  measured in full mode, as plain ``torch.compile`` (not fit's CPU default);
* pytorch-tcn 1.2.3 with the same layout (weight norm, dropout 0.1), float32 and bf16 autocast;
* a 2-layer LSTM with hidden size 64 (cuDNN on a GPU).

Every step is built by :func:`tcnlib.training.make_train_step`, so all rows time the same
loop. CUDA targets (H100/H200-class GPU): tcnlib's fast path <= 3 ms at T=3000, and at least
1.5x faster than pytorch-tcn (float32) at T=30000.

Usage: ``python benchmarks/run.py --only training [--quick]`` (or run this file directly).

Notebook: 05_tcn_vs_rnn.ipynb
"""
from __future__ import annotations

import math
import os
import time
from typing import Callable, Dict, List, Optional, Tuple

import torch
from torch import nn

from harness import Row, bench_main, cpu_rows_wanted, time_per_call, torch_threads

from tcnlib import TCN
from tcnlib.training import make_train_step

BENCH = ("Training step (forward + backward + Adam), TCN 11 blocks x 20 ch, kernel 5, "
         "dilations 1..1024, batch 16")
BATCH, CHANNELS, KERNEL = 16, 20, 5
DILATIONS = [2 ** i for i in range(11)]
TARGET_MS_T3000 = 3.0
TARGET_SPEEDUP_T30000 = 1.5
DROPOUT = 0.1


class _Head(nn.Module):
    """Body ``(B, C, T) -> (B, C', T)`` plus a 1x1 read-out to one output channel."""

    def __init__(self, body: nn.Module, channels: int) -> None:
        super().__init__()
        self.body = body
        self.head = nn.Conv1d(channels, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


class _LSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.LSTM(CHANNELS, 64, num_layers=2, batch_first=True)
        self.head = nn.Linear(64, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.rnn(x.transpose(1, 2))[0]).transpose(1, 2)


def _tcnlib() -> nn.Module:
    return _Head(TCN(CHANNELS, [CHANNELS] * 11, kernel_size=KERNEL, dilations=DILATIONS, dropout=DROPOUT),
                 CHANNELS)


def _tcnlib_element() -> nn.Module:
    return _Head(TCN(CHANNELS, [CHANNELS] * 11, kernel_size=KERNEL, dilations=DILATIONS, dropout=DROPOUT,
                     dropout_kind="element"), CHANNELS)


def _pytorch_tcn() -> Optional[nn.Module]:
    try:
        from pytorch_tcn import TCN as PTCN
    except ImportError:
        return None
    return _Head(PTCN(CHANNELS, [CHANNELS] * 11, kernel_size=KERNEL, dilations=DILATIONS, dropout=DROPOUT,
                      causal=True, use_norm="weight_norm"), CHANNELS)


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return nn.functional.mse_loss(out.float(), y)


def _time(make: Callable[[], Optional[nn.Module]], device: torch.device, T: int, amp: bool, compile_: bool,
          n: int, repeats: int) -> Tuple[float, str]:
    """Milliseconds per training step (best of ``repeats`` runs of ``n`` steps) and a note."""
    torch.manual_seed(0)
    model = make()
    if model is None:
        return math.nan, "pytorch-tcn not installed (pip install -r benchmarks/requirements.txt)"
    model = model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    step = make_train_step(model, _mse, opt, device, amp=amp, compile=compile_)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(BATCH, CHANNELS, T, generator=g).to(device)
    y = torch.randn(BATCH, 1, T, generator=g).to(device)

    def call() -> None:
        step(x, y)
        if device.type == "cuda":
            torch.cuda.synchronize()

    try:
        sec = time_per_call(call, n, repeats, warmup=3 if compile_ else 1)
    except Exception as err:  # e.g. torch.compile without a C compiler: a row, not a crash
        return math.nan, f"failed: {type(err).__name__}: {str(err)[:120]}"
    params = sum(p.numel() for p in model.parameters())
    return sec * 1e3, f"{params} parameters; best of {repeats} x {n} steps"


def bench_device(device: torch.device, Ts: List[int], quick: bool) -> List[Row]:
    """Batch-16 rows on ``device`` (the CUDA rows; each implementation timed on its own)."""
    cuda = device.type == "cuda"
    where = torch.cuda.get_device_name(device) if cuda else "CPU"
    n, repeats = (20, 5) if cuda else ((1, 1) if quick else (1, 3))
    cases = [("tcnlib TCN, eager, float32", _tcnlib, False, False)]
    if cuda:
        cases += [("tcnlib TCN, eager, bf16 autocast", _tcnlib, True, False),
                  ("tcnlib TCN, fast path (fit's GPU default: torch.compile + CUDA graphs, bf16)",
                   _tcnlib, True, True),
                  ("tcnlib TCN, torch.compile + CUDA graphs, float32", _tcnlib, False, True)]
    elif not quick:
        cases += [("tcnlib TCN, torch.compile, float32 (not fit's CPU default)", _tcnlib, False, True)]
    cases += [("pytorch-tcn 1.2.3, float32", _pytorch_tcn, False, False)]
    if cuda:
        cases += [("pytorch-tcn 1.2.3, bf16 autocast", _pytorch_tcn, True, False)]
    cases += [("LSTM 2 layers x 64" + (" (cuDNN)" if cuda else "") + ", float32", _LSTM, False, False)]
    rows: List[Row] = []
    for T in Ts:
        setting = f"{where}, T={T}"
        measured = []
        for name, make, amp, compile_ in cases:
            ms, note = _time(make, device, T, amp, compile_, n, repeats)
            measured.append((name, ms, note))
        ptcn = next((ms for name, ms, _ in measured if name == "pytorch-tcn 1.2.3, float32"), math.nan)
        for name, ms, note in measured:
            target = None
            if cuda and name.startswith("tcnlib TCN, fast path"):
                if T == 3000:
                    target = TARGET_MS_T3000
                elif T == 30000 and not math.isnan(ptcn):
                    target = ptcn / TARGET_SPEEDUP_T30000
                    note += f"; target: 1.5x faster than pytorch-tcn float32 ({ptcn:.2f} ms)"
            rows.append(Row(BENCH, setting, name, ms, "ms/step", target, note))
    return rows


CPU_BENCH = ("Training step on the CPU (forward + backward + Adam), TCN 11 blocks x 20 ch, kernel 5, "
             "dilations 1..1024, dropout 0.1")
CPU_CASES = [("tcnlib TCN (default: channel dropout)", _tcnlib),
             ("tcnlib TCN, dropout_kind='element'", _tcnlib_element),
             ("pytorch-tcn 1.2.3", _pytorch_tcn),
             ("LSTM 2 layers x 64", _LSTM)]


def cpu_interleaved(batch: int, T: int, threads: int, rounds: int) -> Dict[str, Tuple[float, str]]:
    """Milliseconds per step of every CPU case, timed in turn ``rounds`` times (minimum each)."""
    steps, notes = {}, {}
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, CHANNELS, T, generator=g)
    y = torch.randn(batch, 1, T, generator=g)
    with torch_threads(threads):
        for name, make in CPU_CASES:
            torch.manual_seed(0)
            model = make()
            if model is None:
                notes[name] = "pytorch-tcn not installed (pip install -r benchmarks/requirements.txt)"
                continue
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            steps[name] = make_train_step(model.train(), _mse, opt, torch.device("cpu"), amp=False, compile=False)
            notes[name] = f"{sum(p.numel() for p in model.parameters())} parameters"
            steps[name](x, y)  # warm-up
        best = {name: math.inf for name in steps}
        for _ in range(rounds):
            for name, step in steps.items():
                t0 = time.perf_counter()
                step(x, y)
                best[name] = min(best[name], time.perf_counter() - t0)
    return {name: (best[name] * 1e3 if name in best else math.nan,
                   notes[name] + (f"; best of {rounds}, interleaved" if name in best else ""))
            for name, _ in CPU_CASES}


def bench_cpu(quick: bool) -> List[Row]:
    """CPU rows: batch 16 at T=3000 and batch 1 at T=30000 with 1, 2 and all threads (quick: small)."""
    shapes = [(16, 300), (1, 3000)] if quick else [(16, 3000), (1, 30000)]
    threads = [1] if quick else sorted({1, 2, os.cpu_count() or 1})
    rounds = 1 if quick else 3
    rows: List[Row] = []
    for batch, T in shapes:
        for n in threads:
            label = f"{n} thread" + ("s" if n > 1 else "") + (" (all)" if n == (os.cpu_count() or 1) else "")
            setting = f"batch {batch}, T={T}, {label}"
            measured = cpu_interleaved(batch, T, n, rounds)
            ptcn = measured["pytorch-tcn 1.2.3"][0]
            lstm = measured["LSTM 2 layers x 64"][0]
            for name, (ms, note) in measured.items():
                target = None
                if name.startswith("tcnlib TCN (default") and n == 2 and not quick:
                    if batch == 16 and T == 3000:
                        target = min(ptcn / 2, lstm)
                        note += (f"; target: 2x faster than pytorch-tcn ({ptcn / ms:.1f}x) and faster than the "
                                 f"LSTM ({lstm / ms:.1f}x)")
                    elif batch == 1 and T == 30000:
                        target = lstm / 2
                        note += f"; target: 2x faster than the LSTM ({lstm / ms:.1f}x)"
                rows.append(Row(CPU_BENCH, setting, name, ms, "ms/step", target, note))
    return rows


def run(quick: bool = False) -> List[Row]:
    """CUDA rows (batch 16, T=3000 and 30000) when a GPU is present; CPU rows (see :func:`bench_cpu`)."""
    rows: List[Row] = []
    if torch.cuda.is_available():
        rows += bench_device(torch.device("cuda"), [3000, 30000], quick)
    if cpu_rows_wanted():
        rows += bench_cpu(quick)
    return rows


def main() -> None:
    bench_main(run, 'TCN training step: tcnlib vs pytorch-tcn vs LSTM', 'CPU only at T=300, one repeat')


if __name__ == "__main__":
    main()

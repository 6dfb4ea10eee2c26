"""Benchmark: one training step (forward, backward, Adam) of a beat-tracking-sized TCN.

The model: 11 residual blocks x 20 channels, kernel 5, dilations 1..1024 (receptive field
16377 frames), batch 16, 20 input channels, MSE against random targets. Implementations:

* tcnlib ``TCN``, eager, float32 (and bfloat16 autocast on CUDA);
* tcnlib's fast path, what ``tcnlib.fit`` does by default on a GPU: ``torch.compile`` with
  CUDA graphs (``mode="reduce-overhead"``) and bfloat16 autocast; on the CPU it is only
  measured in full mode, as plain ``torch.compile`` (not fit's CPU default);
* pytorch-tcn 1.2.3 with the same layout (weight norm, dropout 0.1), float32 and bf16 autocast;
* a 2-layer LSTM with hidden size 64 (cuDNN on a GPU).

Every step is built by :func:`tcnlib.training.make_train_step`, so all rows time the same
loop. Targets (issue 5, measured on an H100): tcnlib's fast path <= 3 ms at T=3000, and at
least 1.5x faster than pytorch-tcn (float32) at T=30000. Targets apply to CUDA rows only.

Usage: ``python benchmarks/run.py --only training [--quick]`` (or run this file directly).

Notebook: 05_tcn_vs_rnn.ipynb
"""
from __future__ import annotations

import math
from typing import Callable, List, Optional, Tuple

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


def run(quick: bool = False) -> List[Row]:
    """Rows at T=3000 and T=30000 on CUDA when present, and on the CPU (quick: T=300 only)."""
    rows: List[Row] = []
    if torch.cuda.is_available():
        rows += bench_device(torch.device("cuda"), [3000, 30000], quick)
    if not cpu_rows_wanted():
        return rows
    cpu_Ts = [300] if quick else [3000, 30000]
    # Quick (smoke) runs use one thread: on a busy machine, intra-op threads only wait for each other.
    with torch_threads(1 if quick else torch.get_num_threads()):
        rows += bench_device(torch.device("cpu"), cpu_Ts, quick)
    return rows


def main() -> None:
    bench_main(run, 'TCN training step: tcnlib vs pytorch-tcn vs LSTM', 'CPU only at T=300, one repeat')


if __name__ == "__main__":
    main()

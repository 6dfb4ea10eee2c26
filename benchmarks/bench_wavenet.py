"""Benchmark: WaveNet generation, cached (Fast WaveNet queues) vs naive recomputation.

For receptive fields of about 1k to 4k samples (kernel 2, dilations 1..512 repeated 1 to 4
times, plus the causal input convolution), generate from a prime as long as the receptive field
and report milliseconds per generated sample for

* naive: every sample re-runs the model on the last ``receptive_field`` samples;
* cached: :class:`tcnlib.wavenet.WaveNetCache`, one column per layer per sample,

and their ratio (target: >= 20x, given as the cached row's target). The note checks that both produced the same
samples from the same uniforms. Runs on the CPU and, when present, on CUDA.

Usage: ``python benchmarks/run.py --only wavenet [--quick]`` (or run this file directly);
``run(quick) -> list[Row]`` as ``benchmarks/README.md`` describes.

Notebook: 08_wavenet.ipynb
"""
from __future__ import annotations

import math
from typing import List

import torch

from harness import Row, bench_main, best_over_threads, cpu_rows_wanted, time_per_call, torch_threads

from tcnlib.wavenet import WaveNet, generate_cached, generate_naive

BENCH = "WaveNet generation: cached (per-layer queues) vs naive, 32/32/64 channels, kernel 2, dilations 1..512 x stacks"
TARGET_SPEEDUP = 20.0


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _measure(fn, n_samples: int, device: torch.device, repeats: int, quick: bool):
    """(seconds per generated sample, torch threads) of ``fn()``, which generates ``n_samples``."""
    def once() -> float:
        def call():
            fn()
            _sync(device)
        return time_per_call(call, 1, repeats, warmup=1) / n_samples
    if quick or device.type == "cuda":
        with torch_threads(1 if device.type == "cpu" else torch.get_num_threads()):
            return once(), torch.get_num_threads()
    return best_over_threads(once)


def bench_one(n_stacks: int, device: torch.device, quick: bool) -> List[Row]:
    """Rows (naive, cached) for a WaveNet of ``n_stacks`` stacks on ``device``."""
    torch.manual_seed(0)
    model = WaveNet(residual_channels=32, dilation_channels=32, skip_channels=64, layers_per_stack=10,
                    n_stacks=n_stacks).to(device).eval()
    rf = model.receptive_field
    n_naive, n_cached, repeats = (2, 50, 1) if quick else (20, 1000, 3)
    prime = torch.randint(0, model.n_classes, (1, rf), generator=torch.Generator().manual_seed(1))
    u = torch.rand(1, n_cached, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    with torch.inference_mode():
        naive_s, naive_thr = _measure(lambda: generate_naive(model, n_naive, prime=prime, uniforms=u[:, :n_naive]),
                                      n_naive, device, repeats, quick)
        cached_s, cached_thr = _measure(lambda: generate_cached(model, n_cached, prime=prime, uniforms=u),
                                        n_cached, device, repeats, quick)
        same = torch.equal(generate_naive(model, n_naive, prime=prime, uniforms=u[:, :n_naive]),
                           generate_cached(model, n_cached, prime=prime, uniforms=u)[:, :n_naive])
    where = "CPU" if device.type == "cpu" else torch.cuda.get_device_name(device)
    setting = f"{where}, batch 1, receptive field {rf} samples ({n_stacks} stack{'s' if n_stacks > 1 else ''})"
    naive_ms, cached_ms = naive_s * 1e3, cached_s * 1e3
    speedup = naive_ms / cached_ms
    return [
        Row(BENCH, setting, f"naive: recompute {rf} samples per step", naive_ms, "ms/sample", None,
            f"{naive_thr} torch thread(s), {n_naive} samples"),
        Row(BENCH, setting, "tcnlib generate_cached (WaveNetCache)", cached_ms, "ms/sample",
            naive_ms / TARGET_SPEEDUP,
            f"speedup {speedup:.1f}x (target >= {TARGET_SPEEDUP:.0f}x); same samples as naive: {same}; "
            f"{cached_thr} torch thread(s), {n_cached} samples incl. priming"),
    ]


def run(quick: bool = False) -> List[Row]:
    """Rows for receptive fields 1025, 2048, 3071, 4094 samples on the CPU (and CUDA if present).

    Quick mode times the 1- and 2-stack models with few samples, 1 thread.
    """
    stacks = [1, 2] if quick else [1, 2, 3, 4]
    devices = (([torch.device("cpu")] if cpu_rows_wanted() else [])
               + ([torch.device("cuda")] if torch.cuda.is_available() else []))
    rows: List[Row] = []
    for device in devices:
        for s in stacks:
            rows += bench_one(s, device, quick)
    return rows


def main() -> None:
    bench_main(run, 'WaveNet generation: cached vs naive', 'two small models, few samples')


if __name__ == "__main__":
    main()

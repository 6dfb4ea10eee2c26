"""Benchmark: WaveNet generation, cached (Fast WaveNet queues) vs naive recomputation.

For receptive fields of about 1k to 4k samples (kernel 2, dilations 1..512 repeated 1 to 4
times, plus the causal input convolution), generate from a prime as long as the receptive field
and report milliseconds per generated sample for

* naive: every sample re-runs the model on the last ``receptive_field`` samples;
* cached: :class:`tcnlib.wavenet.WaveNetCache`, one column per layer per sample,

and their ratio (target: >= 20x). The ``identical`` column checks that both produced the same
samples from the same uniforms. Runs on the CPU and, when present, on CUDA.

Usage: ``python benchmarks/bench_wavenet.py [--quick]``; ``run(quick) -> rows`` for a harness.

Notebook: 08_wavenet.ipynb
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time
from typing import Callable, Dict, List

import torch

from tcnlib.wavenet import WaveNet, generate_cached, generate_naive

NAME = "wavenet_generation"


def _timed(fn: Callable[[], torch.Tensor], device: torch.device, repeats: int) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs (after one warm-up run)."""
    fn()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_one(n_stacks: int, device: torch.device, n_naive: int, n_cached: int, repeats: int,
              channels: int = 32, skip_channels: int = 64, batch_size: int = 1) -> Dict[str, object]:
    """One row: ms per sample of naive and cached generation for a WaveNet of ``n_stacks`` stacks."""
    torch.manual_seed(0)
    model = WaveNet(residual_channels=channels, dilation_channels=channels, skip_channels=skip_channels,
                    layers_per_stack=10, n_stacks=n_stacks).to(device).eval()
    rf = model.receptive_field
    prime = torch.randint(0, model.n_classes, (batch_size, rf), generator=torch.Generator().manual_seed(1))
    u = torch.rand(batch_size, n_cached, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    naive_s = _timed(lambda: generate_naive(model, n_naive, prime=prime, uniforms=u[:, :n_naive]), device, repeats)
    cached_s = _timed(lambda: generate_cached(model, n_cached, prime=prime, uniforms=u), device, repeats)
    same = torch.equal(generate_naive(model, n_naive, prime=prime, uniforms=u[:, :n_naive]),
                       generate_cached(model, n_cached, prime=prime, uniforms=u)[:, :n_naive])
    naive_ms = 1e3 * naive_s / n_naive
    cached_ms = 1e3 * cached_s / n_cached
    return {
        "benchmark": NAME,
        "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
        "threads": torch.get_num_threads(),
        "layers": len(model.dilations),
        "channels": f"R={channels} D={channels} S={skip_channels}",
        "batch": batch_size,
        "receptive_field": rf,
        "receptive_field_s_at_8kHz": round(rf / 8000, 3),
        "naive_ms_per_sample": round(naive_ms, 3),
        "cached_ms_per_sample": round(cached_ms, 3),
        "speedup": round(naive_ms / cached_ms, 1),
        "identical": bool(same),
        "samples_timed": f"naive {n_naive}, cached {n_cached} (incl. priming)",
    }


def run(quick: bool = False) -> List[Dict[str, object]]:
    """All rows: receptive fields 1025, 2048, 3071, 4094 samples on the CPU (and CUDA if present).

    Quick mode times only the two smallest models with few samples.
    """
    stacks = [1, 2] if quick else [1, 2, 3, 4]
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    rows = []
    with torch.inference_mode():
        for device in devices:
            for s in stacks:
                rows.append(bench_one(s, device, n_naive=3 if quick else 20, n_cached=100 if quick else 1000,
                                      repeats=1 if quick else 3))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two small models, few samples")
    args = parser.parse_args()
    print(f"# {NAME} on {platform.processor() or platform.machine()}, torch {torch.__version__}")
    rows = run(args.quick)
    keys = ["device", "threads", "receptive_field", "naive_ms_per_sample", "cached_ms_per_sample", "speedup",
            "identical"]
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(str(r[k]) for k in keys))


if __name__ == "__main__":
    main()

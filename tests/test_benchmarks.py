"""The benchmark harness runs end to end in its quick smoke mode (no timing asserts)."""
import importlib.util
import math
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name):
    sys.path.insert(0, str(BENCH_DIR))
    try:
        spec = importlib.util.spec_from_file_location(f"_test_{name}", BENCH_DIR / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses need their module registered
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH_DIR))


def test_render_markdown_compares_peers_and_free_form_rows():
    harness = _load("harness")
    rows = [harness.Row("B", "batch 1", "ours", 0.1, "ms", target=0.2),
            harness.Row("B", "batch 1", "peer", 0.4, "ms"),
            harness.Row("B", "batch 1", "missing peer", math.nan, "ms", note="not installed"),
            {"benchmark": "free", "x": 1, "y": 2.5}]
    text = harness.render_markdown(rows, {"CPU": "test cpu"}, "T", "cmd", quick=True, seconds=1.0)
    assert "| CPU | test cpu |" in text
    assert "| batch 1 | ours | 0.100 | ms | 1.0x | <= 0.200 | yes |" in text
    assert "| batch 1 | peer | 0.400 | ms | 4.0x |" in text
    assert "| batch 1 | missing peer | n/a |" in text
    assert "| x | y |" in text and "| 1 | 2.50 |" in text


def test_single_benchmark_command_line_prints_rows(capsys, monkeypatch):
    harness = _load("harness")
    rows = [harness.Row("B", "T=300", "ours", 1.25, "ms/step", target=3.0, note="1 thread"),
            harness.Row("B", "T=300", "peer", 2.5, "ms/step")]
    seen = []
    monkeypatch.setattr(sys, "argv", ["bench_x.py", "--quick"])
    harness.bench_main(lambda quick: seen.append(quick) or rows, "desc", "help")
    out = capsys.readouterr().out.splitlines()
    assert seen == [True]
    assert out == ["T=300 | ours | 1.250 ms/step | target 3.00 | 1 thread", "T=300 | peer | 2.500 ms/step | "]


@pytest.mark.slow
def test_quick_smoke_run_writes_results(tmp_path):
    run = _load("run")
    out = tmp_path / "RESULTS.md"
    assert run.main(["--quick", "--only", "streaming", "--output", str(out)]) == 0
    text = out.read_text()
    assert "## Machine" in text and "CPU cores" in text
    assert "tcnlib TCNStream" in text and "pytorch-tcn" in text and "naive recompute" in text
    assert "(benchmark crashed)" not in text

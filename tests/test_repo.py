"""The README, CI script and requirements agree with what is in the repository."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _command_after(marker: str) -> str:
    out = subprocess.run(
        ["awk", f'/<!-- {marker} -->/{{found=1; next}} found && /^```/{{if (infence) exit; infence=1; next}} found && infence {{print}}',
         str(ROOT / "README.md")], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_readme_has_the_two_commands():
    setup = _command_after("open-command")
    test = _command_after("test-command")
    assert "pip install -r requirements.txt" in setup and "jupyter lab" in setup
    assert "pip install -r requirements.txt" in test and "python -m pytest" in test
    assert "TCN_COURSE_QUICK=1" in test


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "test-command" in ci, ".ci/run must read the test command from README.md"
    assert "set -euo pipefail" in ci


def test_readme_table_lists_every_notebook():
    linked = set(re.findall(r"\(notebooks/(\d\d_[a-z0-9_]+\.ipynb)\)", README))
    present = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert present <= linked, f"README's notebook table misses {sorted(present - linked)}"
    assert linked <= present, f"README links notebooks that do not exist: {sorted(linked - present)}"


def test_torch_pinned_others_bounded():
    lines = [l.split("#")[0].strip() for l in (ROOT / "requirements.txt").read_text().splitlines()]
    reqs = [l for l in lines if l and not l.startswith("-")]
    torch = [r for r in reqs if re.match(r"torch\b", r)]
    assert torch == ["torch==2.13.0"], f"torch must be pinned exactly to the on-disk wheel, got {torch}"
    for r in reqs:
        if r.startswith("torch"):
            continue
        assert "==" not in r, f"{r}: use a bounded range, not an exact pin"
        assert ">=" in r and "<" in r, f"{r}: give a bounded range like 'pkg>=1.2,<2'"


def test_quick_mode_variable_documented():
    from tcnlib.config import QUICK_ENV_VAR

    assert QUICK_ENV_VAR in README


def test_gpu_session_wheels_are_pinned_and_exclude_what_the_gpu_image_has():
    lines = [ln for ln in (ROOT / ".ci" / "gpu" / "wheels.txt").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    names = [ln.split("==")[0] for ln in lines]
    assert all("==" in ln for ln in lines), "pin every wheel: the GPU outputs must match the CPU ones"
    assert {"librosa", "nbclient", "ipykernel", "mir-eval", "ipywidgets", "soundfile", "pytorch-tcn"} <= set(names)
    assert not {"torch", "numpy", "scipy", "matplotlib"} & set(names), "the GPU image has these (its own CUDA torch)"


@pytest.mark.slow
def test_gpu_session_script_runs_a_notebook_in_smoke_mode(tmp_path):
    """.ci/gpu/run, as run on the device machine, checked here in quick mode on the CPU."""
    import os
    import sys

    import nbformat

    env = dict(os.environ, GPU_RUN_SMOKE="1", GPU_RUN_NO_WHEELS="1", PY=sys.executable, OUT=str(tmp_path))
    res = subprocess.run(["bash", str(ROOT / ".ci" / "gpu" / "run"), "nb02", "nb99"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 1, res.stdout + res.stderr          # nb99 does not exist: reported, not hidden
    nb = nbformat.read(tmp_path / "02_receptive_field.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code)
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)
    log = (tmp_path / "gpu-run.log").read_text()
    assert "imports ok" in log and "step nb02 took" in log


def test_readme_names_exist_in_tcnlib():
    """Every ``tcnlib.X`` (and ``beats.X``) the README shows is a real name of the package."""
    import importlib

    import tcnlib

    names = set(re.findall(r"\btcnlib\.([A-Za-z_]\w*)", README))
    assert {"track_beats", "load_beat_dataset", "split_clips"} <= names
    missing = sorted(n for n in names if not hasattr(tcnlib, n)
                     and importlib.util.find_spec(f"tcnlib.{n}") is None)
    assert not missing, f"the README names tcnlib.{missing}, which do not exist"
    beats = importlib.import_module("tcnlib.beats")
    missing = sorted(n for n in set(re.findall(r"\bbeats\.([A-Za-z_]\w*)\(", README)) if not hasattr(beats, n))
    assert not missing, f"the README calls beats.{missing}, which do not exist"


def test_assets_env_var_is_documented():
    from tcnlib.data import ASSETS_ENV_VAR

    assert ASSETS_ENV_VAR in README

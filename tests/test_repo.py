"""The README, CI script and requirements agree with what is in the repository."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

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

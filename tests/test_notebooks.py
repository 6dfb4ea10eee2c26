"""Every committed notebook was executed top to bottom on a fresh kernel and kept its outputs.

nbval (run on notebooks/ by the same pytest command) re-executes each notebook and compares its
outputs; these checks cover what nbval does not: the committed file itself.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(nb: dict) -> list:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no .ipynb files"


def test_notebooks_are_numbered_in_course_order():
    numbers = []
    for p in NOTEBOOKS:
        m = NAME.match(p.name)
        assert m, f"{p.name}: notebook names must look like NN_topic.ipynb"
        numbers.append(int(m.group(1)))
    assert numbers == list(range(1, len(numbers) + 1)), f"notebook numbers must run 01, 02, ... without gaps: {numbers}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_with_outputs(path):
    nb = _load(path)
    cells = _code_cells(nb)
    counts = [c.get("execution_count") for c in cells]
    assert None not in counts, f"{path.name}: some code cells were never executed: {counts}"
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(cells)}: re-run top to bottom on a fresh kernel")
    assert any(c.get("outputs") for c in cells), f"{path.name}: no outputs saved"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_errors_or_warning_walls(path):
    nb = _load(path)
    for i, cell in enumerate(_code_cells(nb)):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name} cell {i}: saved with an error: {out.get('ename')}"
            if out["output_type"] == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", ""))
                assert "Traceback" not in text and "Warning" not in text, (
                    f"{path.name} cell {i}: warning or traceback on stderr: {text[:300]}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opens_with_goals_and_ends_with_exercises(path):
    nb = _load(path)
    first = "".join(nb["cells"][0]["source"])
    assert nb["cells"][0]["cell_type"] == "markdown" and first.startswith("# "), f"{path.name}: first cell must be a markdown title"
    assert re.search(r"learning goals", first, re.I), f"{path.name}: first cell must list the learning goals"
    assert re.search(r"lecture", first, re.I), f"{path.name}: first cell must name the lecture section it covers"
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert re.search(r"^#+ .*Summary", text, re.M), f"{path.name}: needs a Summary section"
    assert re.search(r"^#+ .*Exercise", text, re.M), f"{path.name}: needs an Exercises section"
    outputs = json.dumps([c.get("outputs", []) for c in _code_cells(nb)])
    assert "PASS" in outputs, f"{path.name}: the exercises' checkers should show their PASS/FAIL output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_size_is_reasonable(path):
    size_mb = path.stat().st_size / 2**20
    assert size_mb < 8, f"{path.name} is {size_mb:.1f} MB: shorten embedded audio or figures"

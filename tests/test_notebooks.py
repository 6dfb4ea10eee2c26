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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_are_committed_open(path):
    nb = _load(path)
    outputs = json.dumps([c.get("outputs", []) for c in _code_cells(nb)])
    assert "NOT YET" in outputs, f"{path.name}: the exercises must be committed open (their checkers saying NOT YET)"


CHECK_CALL = re.compile(r"""check\(\s*["'](\d\d\.\d+)["']""")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_says_how_to_get_its_solution(path):
    """Below each exercise (concept checks aside, they answer at once) the next markdown cell names
    ``tcnlib.exercises.show_solution("NN.i")``: the deliberate step for a student who is stuck."""
    from tcnlib import exercises

    cells = _load(path)["cells"]
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        for key in CHECK_CALL.findall("".join(cell["source"])):
            if key in exercises.REGISTRY and exercises.get(key).kind == "concept":
                continue
            after = next(("".join(c["source"]) for c in cells[i + 1:] if c["cell_type"] == "markdown"), "")
            assert re.search(rf"""show_solution\(\s*["']{re.escape(key)}["']\s*\)""", after), (
                f"{path.name} cell {i}: exercise {key} needs a markdown line below it naming "
                f"tcnlib.exercises.show_solution(\"{key}\")")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_size_is_reasonable(path):
    size_mb = path.stat().st_size / 2**20
    assert size_mb < 8, f"{path.name} is {size_mb:.1f} MB: shorten embedded audio or figures"


AUDIO_SRC = re.compile(r'<audio[^>]*>\s*<source src="data:(audio/[a-z0-9.-]+);base64,([A-Za-z0-9+/=\s]+)"')


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_audio_players_hold_playable_sound(path):
    """Every audio player in the committed outputs decodes to finite, audible, unclipped sound."""
    import base64
    import io

    import numpy as np
    import soundfile as sf

    nb = _load(path)
    players = 0
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            if "<audio" not in html:
                continue
            found = AUDIO_SRC.findall(html)
            assert found, f"{path.name} cell {i}: an <audio> element without an embedded source"
            for mime, b64 in found:
                players += 1
                y, sr = sf.read(io.BytesIO(base64.b64decode(b64)), dtype="float32", always_2d=True)
                where = f"{path.name} cell {i} ({mime})"
                assert 4000 <= sr <= 48000, f"{where}: sample rate {sr}"
                assert len(y) >= 0.05 * sr, f"{where}: only {len(y)} samples"
                assert np.isfinite(y).all(), f"{where}: non-finite samples"
                assert np.abs(y).max() > 1e-3, f"{where}: silent"
                assert np.mean(np.abs(y) >= 0.999) < 0.01, f"{where}: clipped"
    if path.name.startswith(("01_", "07_", "08_")):
        assert players > 0, f"{path.name}: the lesson plays audio, but no player was saved"

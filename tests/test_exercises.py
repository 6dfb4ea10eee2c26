"""Every registered exercise has three states that work: the placeholder says NOT YET, the reference
solution passes, a typical mistake fails with a hint. And every exercise is open in its lesson."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tcnlib import exercises
from tcnlib.exercises import FAIL, NOT_YET, PASS

ROOT = Path(__file__).resolve().parents[1]
KEYS = exercises.keys()


def _notebook(key: str) -> Path:
    lesson = key.split(".")[0]
    found = sorted((ROOT / "notebooks").glob(f"{lesson}_*.ipynb"))
    assert found, f"exercise {key}: no notebook {lesson}_*.ipynb"
    return found[0]


@pytest.mark.parametrize("key", KEYS)
def test_placeholder_says_not_yet(key, capsys):
    result = exercises.check(key, exercises.placeholder(key))
    out = capsys.readouterr().out
    assert result.state == NOT_YET, f"{key}: the placeholder gave {result.state!r}: {out}"
    assert out.startswith(f"NOT YET {key}") and result.detail, f"{key}: NOT YET must say how to start: {out!r}"
    assert not result


@pytest.mark.parametrize("key", KEYS)
def test_reference_solution_passes(key, capsys):
    result = exercises.check(key, exercises.solution(key))
    out = capsys.readouterr().out
    assert result.state == PASS, f"{key}: the reference solution did not pass: {out}"
    assert result


@pytest.mark.parametrize("key", KEYS)
def test_typical_mistake_fails_with_a_hint(key, capsys):
    result = exercises.check(key, exercises.mistake(key))
    out = capsys.readouterr().out
    assert result.state == FAIL, f"{key}: the typical mistake gave {result.state!r}: {out}"
    assert result.hint and "hint:" in out, f"{key}: a failed answer must come with a hint: {out!r}"


@pytest.mark.parametrize("key", KEYS)
def test_show_solution_prints_code(key, capsys):
    exercises.show_solution(key)
    out = capsys.readouterr().out
    assert f"exercise {key}" in out and "answer" in out


@pytest.mark.parametrize("key", KEYS)
def test_exercise_is_open_in_its_lesson(key):
    """The committed notebook checks the exercise, and its saved output says NOT YET (not solved)."""
    path = _notebook(key)
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    calls = [c for c in code if re.search(rf"""check\(\s*["']{re.escape(key)}["']""", "".join(c["source"]))]
    assert calls, f"{path.name}: no cell calls tcnlib.exercises.check({key!r}, ...)"
    outputs = json.dumps([c.get("outputs", []) for c in calls])
    assert f"NOT YET {key}" in outputs, f"{path.name}: exercise {key} is committed solved or not run"


def test_lessons_have_at_least_three_exercises_and_a_modelling_one():
    lessons = sorted({int(k.split(".")[0]) for k in KEYS})
    for lesson in lessons:
        ks = exercises.keys(lesson)
        assert len(ks) >= 3, f"lesson {lesson:02d} has {len(ks)} exercises: {ks}"
        if 4 <= lesson <= 8:
            kinds = {exercises.get(k).kind for k in ks}
            assert "model" in kinds, f"lesson {lesson:02d} needs an exercise that changes a model or experiment"


def test_unknown_key_is_a_clear_error():
    with pytest.raises(KeyError, match="no exercise"):
        exercises.check("99.9", 1)


def test_core_states_on_a_toy_exercise(capsys):
    from tcnlib.exercises._core import Exercise, Verdict, call

    def checker(fn):
        got = call(fn, 2, name="double")
        return Verdict(got == 4, f"double(2) = {got!r}", "multiply by two")

    ex = Exercise("00.1", "toy", checker, start="write double", solution="answer = lambda x: 2 * x",
                  mistake="answer = lambda x: x + 1", kind="code")

    def not_done(x):
        raise NotImplementedError

    def crashes(x):
        return x / 0

    assert ex.check(...).state == NOT_YET
    assert ex.check(not_done).state == NOT_YET
    assert ex.check(lambda x: 2 * x).state == PASS
    res = ex.check(crashes)
    assert res.state == FAIL and "ZeroDivisionError" in res.detail
    assert ex.check(5).state == FAIL  # not callable
    out = capsys.readouterr().out
    assert "NOT YET 00.1 toy: write double" in out and "hint:" in out

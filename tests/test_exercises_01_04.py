"""Lessons 01-04: what the generic exercise tests do not cover. The checkers measure what they claim
(the model exercise finds each leak by measurement, not by reading the code), concept checks accept
only their letter, and the lessons carry their claim tags, predictions and concept checks."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from torch import nn

import tcnlib
from tcnlib import exercises
from tcnlib.exercises import FAIL, NOT_YET, PASS
from tcnlib.exercises.lesson04 import leaky_model

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {n: next((ROOT / "notebooks").glob(f"{n:02d}_*.ipynb")) for n in (1, 2, 3, 4)}
CLAIMS = {1: ["C04", "C05", "C06", "C09"], 2: ["C10", "C11"], 3: ["C12", "C13", "C14", "C15"], 4: ["C22", "C23"]}


@pytest.fixture(autouse=True)
def one_thread():
    """Hundreds of tiny backward passes: one thread is far faster than several on a shared CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _cells(n: int) -> list:
    return json.loads(NOTEBOOKS[n].read_text(encoding="utf-8"))["cells"]


def _fixed(**changes) -> nn.Module:
    """The reference fix of exercise 04.4, with single layers swapped for a deliberate bug."""
    layers = dict(
        conv1=tcnlib.DilatedConv1d(8, 16, 3, 1, causal=True), norm=tcnlib.ChannelLayerNorm(16), act1=nn.ReLU(),
        conv2=tcnlib.DilatedConv1d(16, 16, 3, 2, causal=True), act2=nn.ReLU(),
        pool=nn.Sequential(nn.ConstantPad1d((2, 0), 0.0), nn.AvgPool1d(3, stride=1)), out=nn.Conv1d(16, 1, 1))
    layers.update(changes)
    return nn.Sequential(*layers.values())


# --- the model exercise measures each kind of leak ------------------------------------------------

def test_leaky_model_leaks_in_both_modes():
    model = leaky_model()
    model.eval()
    assert tcnlib.future_leak(tcnlib.dependency_mask(model, 8, 32)) == 2 + 1   # 'same' conv (d=2) + pooling
    model.train()
    mask = tcnlib.dependency_mask(model, 8, 32)
    assert bool(mask.all()), "batch norm in training mode: every output depends on every input"


@pytest.mark.parametrize("bug, expected", [
    (dict(conv2=nn.Conv1d(16, 16, 3, dilation=2, padding=2)), "eval mode"),
    (dict(pool=nn.AvgPool1d(3, stride=1, padding=1)), "eval mode"),
    (dict(norm=nn.BatchNorm1d(16)), "train mode"),
    (dict(norm=nn.GroupNorm(1, 16)), "eval mode"),          # normalises over time as well: leaks in both modes
])
def test_each_remaining_leak_fails_and_is_located(bug, expected):
    result = exercises.check("04.4", _fixed(**bug))
    assert result.state == FAIL and expected in result.detail and "first leak appears at layer" in result.detail
    assert result.hint


def test_fixed_model_must_keep_its_window_and_weights():
    shortened = _fixed(conv2=tcnlib.DilatedConv1d(16, 16, 3, 1, causal=True))     # causal, but sees less
    res = exercises.check("04.4", shortened)
    assert res.state == FAIL and "frames back" in res.detail
    delayed = nn.Sequential(nn.ConstantPad1d((1, 0), 0.0), _fixed(), )             # a longer output: wrong shape
    assert exercises.check("04.4", delayed).state == FAIL
    dropped = nn.Sequential(tcnlib.DilatedConv1d(8, 1, 9, 1, causal=True))          # causal, wide, but not the model
    res = exercises.check("04.4", dropped)
    assert res.state == FAIL and "convolution weights were removed" in res.detail


def test_model_check_restores_the_mode_and_survives_a_crashing_model():
    model = _fixed()
    model.train()
    assert exercises.check("04.4", model).state == PASS
    assert model.training, "the checker must leave the student's model in the mode it found it"

    class Crashes(nn.Module):
        def forward(self, x):
            raise RuntimeError("boom")

    res = exercises.check("04.4", Crashes())
    assert res.state == FAIL and "boom" in res.detail
    assert exercises.check("04.4", "a model").state == FAIL


# --- the other checkers ------------------------------------------------------------------------

def test_concept_checks_take_one_letter_only():
    for key in [k for k in exercises.keys() if k.split(".")[0] in ("01", "02", "03", "04")
                and exercises.get(k).kind == "concept"]:
        right = exercises.solution(key)
        assert exercises.check(key, f" ({right.upper()}) ").state == PASS
        for wrong in "abcd":
            if wrong != right:
                res = exercises.check(key, wrong)
                assert res.state == FAIL and res.hint, (key, wrong)
        assert exercises.check(key, "e").state == FAIL
        assert exercises.check(key, 2).state == FAIL


def test_number_checkers_accept_numpy_and_reject_fractions():
    import numpy as np

    assert exercises.check("01.1", np.int64(4 * 60 * 48000 * 2)).state == PASS
    assert exercises.check("01.2", 3007.5).state == FAIL
    assert exercises.check("02.1", 49).state == FAIL and exercises.check("02.1", 50.0).state == PASS
    assert exercises.check("04.2", (126, ...)).state == NOT_YET
    assert exercises.check("04.2", (126, 126)).state == FAIL        # frames right, milliseconds not


def test_student_functions_that_crash_fail_with_the_error():
    def boom(*args):
        raise ValueError("oops")

    for key in ("02.2", "04.1"):
        res = exercises.check(key, boom)
        assert res.state == FAIL and "oops" in res.detail


def test_mystery_model_matches_the_answer_by_measurement():
    assert tcnlib.measure_receptive_field(exercises.lesson02.mystery_model(), 3) == exercises.solution("02.3")


# --- the notebooks ------------------------------------------------------------------------------

@pytest.mark.parametrize("n", sorted(CLAIMS))
def test_claim_cells_are_tagged(n):
    tags = [t for c in _cells(n) for t in c.get("metadata", {}).get("tags", [])]
    for claim in CLAIMS[n]:
        assert f"claim-{claim}" in tags, f"{NOTEBOOKS[n].name}: no cell tagged claim-{claim}"


@pytest.mark.parametrize("n", sorted(CLAIMS))
def test_predictions_are_printed_next_to_measurements(n):
    cells = _cells(n)
    src = ["".join(c["source"]) for c in cells]
    asks = [i for i, s in enumerate(src) if cells[i]["cell_type"] == "markdown" and s.startswith("**Predict first:**")]
    assert asks, f"{NOTEBOOKS[n].name}: no predict-first prompt"
    for i in asks:
        assert src[i + 1].startswith("my_prediction = ..."), f"{NOTEBOOKS[n].name}: prompt without a prediction cell"
        later = [j for j in range(i + 2, len(src)) if "my_prediction" in src[j]]
        assert later, f"{NOTEBOOKS[n].name}: the prediction of cell {i} is never compared"
        out = json.dumps(cells[later[0]].get("outputs", []))
        assert "(no prediction written)" in out


@pytest.mark.parametrize("n", sorted(CLAIMS))
def test_no_nbval_comments_and_no_issue_numbers(n):
    for c in _cells(n):
        s = "".join(c["source"])
        assert "NBVAL_" not in s, f"{NOTEBOOKS[n].name}: nbval markers belong in cell tags"
        assert not re.search(r"\bissue\s*#?\d|(?<![\w/])#\d{1,3}\b", s, re.I), s[:200]


def test_every_lesson_has_a_concept_check_and_solution_hints():
    for n in CLAIMS:
        keys = exercises.keys(n)
        assert any(exercises.get(k).kind == "concept" for k in keys), f"lesson {n:02d}: no concept check"
        text = "\n".join("".join(c["source"]) for c in _cells(n) if c["cell_type"] == "markdown")
        for k in keys:
            assert f'show_solution("{k}")' in text, f"lesson {n:02d}: no show_solution hint for {k}"


def test_lesson_02_has_an_explorer_and_04_keeps_internals_in_the_appendix():
    assert any("receptive_field_explorer(" in "".join(c["source"]) for c in _cells(2))
    cells = _cells(4)
    appendix = next(i for i, c in enumerate(cells) if "".join(c["source"]).startswith("## Appendix"))
    for i, c in enumerate(cells[:appendix]):
        s = "".join(c["source"])
        assert "ring buffer" not in s and "state_bytes, \"bytes" not in s, f"04 cell {i}: internals before the appendix"

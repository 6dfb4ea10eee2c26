"""Lessons 05 and 06: the checkers measure what they claim (beyond the generic three-state test)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import tcnlib
from tcnlib import exercises
from tcnlib.exercises import FAIL, NOT_YET, PASS, lesson05, lesson06


class _ValuesOnly(nn.Module):
    """A GRU that never sees the marker channel: it cannot beat the constant answer (MSE 1/6)."""

    def __init__(self) -> None:
        super().__init__()
        self.net = tcnlib.RNNNet(1, 16, 1, "gru")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x[:, :1])


def test_small_adding_model_is_trained_and_measured(capsys):
    res = exercises.check("05.4", _ValuesOnly())
    out = capsys.readouterr().out
    assert res.state == FAIL and "validation MSE" in res.detail and "hint:" in out
    mse = float(res.detail.split("validation MSE ")[1].split()[0])
    assert mse > 0.1, "a model blind to the markers cannot get far below 1/6"


def test_small_adding_model_limits_and_shapes():
    assert exercises.check("05.4", tcnlib.RNNNet(2, 64, 1, "gru")).state == FAIL  # > 5,000 parameters
    res = exercises.check("05.4", nn.Conv1d(2, 3, 1))  # wrong number of output channels
    assert res.state == FAIL and "(3, 3, 40)" in res.detail
    assert exercises.check("05.4", tcnlib.RNNNet).state == FAIL  # a class, not a model


def test_training_a_copy_leaves_the_students_model_unchanged():
    model = tcnlib.RNNNet(2, 8, 1, "gru")
    before = [p.detach().clone() for p in model.parameters()]
    lesson05._train_on_adding(model, steps=3)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


@pytest.mark.parametrize("key,bad", [("05.6", "ab"), ("05.7", 2), ("06.6", "bc")])
def test_concept_checks_want_one_letter(key, bad):
    res = exercises.check(key, bad)
    assert res.state == FAIL and "one letter" in res.hint


def test_dependent_steps_order_has_its_own_hint():
    res = exercises.check("05.5", (16, 100_000))
    assert res.state == FAIL and "order" in res.hint


def test_time_cell_forgetting_the_first_pool_gets_its_hint():
    res = exercises.check("06.4", 16 / tcnlib.beats.frame_rate())
    assert res.state == FAIL and "average pooling" in res.hint


def test_time_cell_and_context_of_the_style_cnn():
    cell, context = lesson06.time_cell_and_context(tcnlib.cnn2d.StyleCNN(n_mels=80).features)
    assert cell == pytest.approx(64 / tcnlib.beats.frame_rate(), rel=0.07)  # 400 frames -> 6 columns
    assert context > 1.0


def test_keep_time_without_dilation_fails_on_context():
    layers, c_in = [nn.AvgPool2d((1, 4))], 1
    for c_out in [8, 8]:
        layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d((2, 1))]
        c_in = c_out
    res = exercises.check("06.5", nn.Sequential(*layers))
    assert res.state == FAIL and "dilate" in res.hint


def test_keep_time_placeholder_function_is_not_yet():
    class NotDone(nn.Module):
        def forward(self, x):
            raise NotImplementedError

    assert exercises.check("06.5", NotDone()).state == NOT_YET


def test_reference_solution_of_the_keep_time_stack_measures():
    cell, context = lesson06.time_cell_and_context(exercises.solution("06.5"))
    assert cell <= 0.045 and context >= 1.0
    assert exercises.check("06.5", exercises.solution("06.5")).state == PASS

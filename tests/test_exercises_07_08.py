"""Lessons 07 and 08: what the exercise checkers measure (beyond the three states every exercise has),
and the precomputed receptive-field sweep that notebook 07 loads."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from tcnlib import exercises
from tcnlib.exercises import FAIL, NOT_YET, PASS
from tcnlib.exercises import lesson07, lesson08

ROOT = Path(__file__).resolve().parents[1]
SWEEP_DIR = ROOT / "assets" / "pretrained"


# --- 07.4: the dilation schedule is measured, not looked up ---------------------------------------


@pytest.mark.parametrize("dilations, words", [([1, 1, 1, 1], "0.33 s"), ([1, 2, 4, 8], "1.21 s"),
                                               ([1, 32, 64, 128], "holes"), ([1, 16, 256, 4096], "holes")])
def test_schedule_checker_measures_field_and_holes(dilations, words, capsys):
    result = exercises.check("07.4", dilations)
    out = capsys.readouterr().out
    assert result.state == FAIL and words in out, out


def test_schedule_measured_field_matches_the_formula():
    """The checker's gradient measurement gives the TCN's receptive field for a gap-free schedule."""
    from tcnlib.receptive import input_gradient

    for dilations in ([1, 4, 16, 64], [1, 3, 9, 27]):
        model = lesson07.schedule_model(dilations)
        length = 1 + 8 * sum(dilations) + 64
        grad = input_gradient(model.tcn, 16, length, position=length // 2, n_inputs=1)
        seen = np.flatnonzero(grad > 0)
        assert seen[-1] - seen[0] + 1 == len(seen) == model.tcn.receptive_field


@pytest.mark.parametrize("bad", ["1, 4, 16, 64", [1, 4, 16], [1, 4, 16, 0], [1, 4.5, 16, 64]])
def test_schedule_rejects_malformed_answers(bad, capsys):
    result = exercises.check("07.4", bad)
    assert result.state == FAIL and "hint:" in capsys.readouterr().out


def test_placeholder_schedule_is_not_yet():
    assert exercises.check("07.4", ...).state == NOT_YET


# --- 08.4: conditioning is measured by training ---------------------------------------------------


def test_toy_task_label_sets_the_pitch():
    x, label = lesson08.toy_batch(np.random.default_rng(0), batch_size=64, length=64)
    assert x.shape == (64, 64) and x.dtype == torch.int64 and label.shape == (64,)
    assert int(x.min()) >= 0 and int(x.max()) < lesson08.TOY_CLASSES
    spectrum = np.abs(np.fft.rfft(x.numpy() - x.numpy().mean(1, keepdims=True), axis=1))
    peak_bin = spectrum.argmax(1)
    for lab, period in enumerate(lesson08.TOY_PERIODS):
        assert np.all(np.abs(peak_bin[label.numpy() == lab] - 64 / period) <= 1)


NON_CAUSAL = '''
import torch
import tcnlib

class ConditionedWaveNet(torch.nn.Module):
    def __init__(self, n_classes, n_labels):
        super().__init__()
        self.net = tcnlib.WaveNet(n_classes=n_classes, residual_channels=8, dilation_channels=8,
                                  skip_channels=8, layers_per_stack=2, n_stacks=1)
        self.embed = torch.nn.Embedding(n_labels, n_classes)

    def forward(self, x, label):
        future = torch.roll(x, -1, dims=1)        # peeks at the next sample
        return self.net(future) + self.embed(label)[:, :, None]

answer = ConditionedWaveNet
'''


def test_conditioning_checker_catches_a_look_into_the_future(capsys):
    ns: dict = {}
    exec(NON_CAUSAL, ns)
    result = exercises.check("08.4", ns["answer"])
    out = capsys.readouterr().out
    assert result.state == FAIL and "t = 20" in out, out


def test_conditioning_checker_reports_both_losses(capsys):
    result = exercises.check("08.4", exercises.solution("08.4"))
    out = capsys.readouterr().out
    assert result.state == PASS
    right, other = (float(v) for v in
                    [out.split("right label ")[1].split(" nats")[0], out.split("other label ")[1].split(" nats")[0]])
    assert other - right >= 0.3


def test_conditioning_checker_wants_a_module_class(capsys):
    result = exercises.check("08.4", lambda n_classes, n_labels: "not a model")
    assert result.state == FAIL and "torch.nn.Module" in capsys.readouterr().out


# --- concept checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key, right", [("07.5", "a"), ("07.6", "b"), ("08.5", "a"), ("08.6", "a")])
def test_concept_checks_accept_letter_forms(key, right):
    for form in (right, right.upper(), f"({right})", f" {right} "):
        assert exercises.check(key, form).state == PASS
    assert exercises.check(key, "z").state == FAIL


# --- the precomputed receptive-field sweep ----------------------------------------------------------


def _sweep_module():
    spec = importlib.util.spec_from_file_location("sweep_receptive_field", SWEEP_DIR / "sweep_receptive_field.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sweep_control_has_the_same_size_as_the_dilated_model():
    from tcnlib import beats

    sweep = _sweep_module()
    kw = dict(sweep.configs([11]))
    dil, und = beats.BeatNet(**kw["dilated-11"]), beats.BeatNet(**kw["undilated-11"])
    assert beats.count_parameters(dil) == beats.count_parameters(und)
    assert len(dil.tcn.blocks) == len(und.tcn.blocks) == 11
    assert dil.receptive_field == 16381 and und.receptive_field == 93


def test_tempo_ramp_glides_between_its_rates():
    sweep = _sweep_module()
    rate = 100.0
    T = 3000
    S = np.random.default_rng(0).random((4, T)).astype(np.float32)
    beats_in = np.arange(50, T - 50, 50) / rate * (rate / sweep.beats.frame_rate())  # a beat every 50 frames
    Sw, beats_out = sweep.tempo_ramp(S, beats_in)
    intervals = np.diff(beats_out) * sweep.beats.frame_rate()
    assert Sw.shape[0] == 4 and len(beats_out) == len(beats_in)
    assert intervals[0] == pytest.approx(50 / sweep.RAMP[0], rel=0.03)
    assert intervals[-1] == pytest.approx(50 / sweep.RAMP[1], rel=0.03)
    assert np.all(np.diff(intervals) < 0)  # the tempo only rises


def test_sweep_results_are_complete():
    data = json.loads((SWEEP_DIR / "sweep_receptive_field.json").read_text())
    sweep = _sweep_module()
    models = [name for name, _ in sweep.configs()]
    assert sorted({(r["model"], r["seed"]) for r in data["runs"]}) == sorted((m, s) for m in models for s in sweep.SEEDS)
    for r in data["runs"]:
        assert set(r["scores"]) == set(sweep.CONDITIONS)
        for rows in r["scores"].values():
            assert [row["clip"] for row in rows] == data["test_clips"]
            assert all(0 <= row["F-measure"] <= 1 and 0 <= row["F peaks"] <= 1 for row in rows)
        assert r["threshold"] in sweep.THRESHOLDS

"""The capstone's checkers measure what they claim: beyond the generic three states
(tests/test_exercises.py), each stage rejects the specific shortcuts a student might take."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

import tcnlib
from tcnlib import exercises
from tcnlib.exercises import FAIL, NOT_YET


class SamePadConv(nn.Module):
    """nn.Conv1d's own padding: both sides, so outputs see the future."""

    def __init__(self, in_channels, out_channels, kernel_size, dilation=1):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation,
                              padding=(kernel_size - 1) * dilation // 2)
        self.fix = (kernel_size - 1) * dilation % 2

    def forward(self, x):
        return F.pad(self.conv(x), (self.fix, 0))


def test_causal_layer_rejects_symmetric_padding(capsys):
    res = exercises.check("09.1", SamePadConv)
    assert res.state == FAIL and "future" in res.detail


def test_causal_layer_rejects_a_missing_dilation(capsys):
    class NoDilation(nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, dilation=1):
            super().__init__()
            self.left = kernel_size - 1
            self.conv = nn.Conv1d(in_channels, out_channels, kernel_size)

        def forward(self, x):
            return self.conv(F.pad(x, (self.left, 0)))

    res = exercises.check("09.1", NoDilation)
    assert res.state == FAIL and "frames back" in res.detail


def test_tcn_built_from_tcnlib_is_refused(capsys):
    class Borrowed(nn.Module):
        def __init__(self, in_channels, out_channels, channels, kernel_size, dilations):
            super().__init__()
            self.tcn = tcnlib.TCN(in_channels, [channels] * len(dilations), kernel_size, dilations=dilations)
            self.out = nn.Conv1d(channels, out_channels, 1)

        def forward(self, x):
            return self.out(self.tcn(x))

    res = exercises.check("09.3", Borrowed)
    assert res.state == FAIL and "tcnlib" in res.detail


def test_stream_that_keeps_the_whole_past_is_refused(capsys):
    def whole_past(model, x, chunk, receptive_field):
        outs = []
        with torch.no_grad():
            for s in range(0, x.shape[-1], chunk):
                outs.append(model(x[:, :, :s + chunk])[:, :, s:s + chunk])   # exact, but unbounded memory
        return torch.cat(outs, dim=-1)

    res = exercises.check("09.4", whole_past)
    assert res.state == FAIL and "R - 1" in res.detail


def test_stream_starting_from_zeros_is_not_offline(capsys):
    def zeros_first(model, x, chunk, receptive_field):
        buffer = torch.zeros(x.shape[0], x.shape[1], receptive_field - 1)
        outs = []
        with torch.no_grad():
            for s in range(0, x.shape[-1], chunk):
                new = x[:, :, s:s + chunk]
                outs.append(model(torch.cat([buffer, new], -1))[:, :, -new.shape[-1]:])
                buffer = torch.cat([buffer, new], -1)[:, :, -(receptive_field - 1):]
        return torch.cat(outs, dim=-1)

    res = exercises.check("09.4", zeros_first)
    assert res.state == FAIL and "differ from offline" in res.detail


def test_beat_model_must_be_own_causal_module(capsys):
    assert exercises.check("09.5", ...).state == NOT_YET
    assert exercises.check("09.5", "my model").state == FAIL
    borrowed = nn.Sequential(tcnlib.TCN(80, [4, 4], 3), nn.Conv1d(4, 2, 1))
    res = exercises.check("09.5", borrowed)
    assert res.state == FAIL and "tcnlib" in res.detail
    lookahead = nn.Conv1d(80, 2, 3, padding=1)          # a "same" convolution sees one frame ahead
    res = exercises.check("09.5", lookahead)
    assert res.state == FAIL and "future" in res.detail


def test_beat_model_scored_on_the_held_out_clips(capsys):
    """An untrained model is scored (and fails) on exactly the 24 test clips; the model is not moved or changed."""
    MyTCN = exercises.solution("09.3")
    torch.manual_seed(0)
    model = MyTCN(80, 2, 4, 3, [1, 2]).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    res = exercises.check("09.5", model)
    assert res.state == FAIL and "on 24 test clips" in res.detail
    assert model.training and all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert exercises.lesson09.held_out_clips() == tcnlib.list_example_clips("test")

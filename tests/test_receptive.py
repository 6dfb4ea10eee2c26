"""Tests for tcnlib.receptive: the formula, its pieces, coverage, and the autograd measurement."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from torch import nn

from tcnlib import TCN, DilatedConv1d
from tcnlib.receptive import (cone_offsets, coverage_holes, exponential_dilations, field_span, input_gradient,
                              measure_field_span, measure_receptive_field, path_counts, receptive_field,
                              receptive_field_arithmetic, receptive_field_by_depth, repeat_stack,
                              stack_parameters, to_seconds)


def brute_force_lags(kernels, dilations):
    """Every path as the list of lags (steps back) it adds up, enumerated one by one."""
    choices = [range(0, (k - 1) * d + 1, d) for k, d in zip(kernels, dilations)]
    return [sum(c) for c in itertools.product(*choices)]


# --- formula -----------------------------------------------------------------------------------

def test_receptive_field_lecture_numbers():
    assert receptive_field(3, exponential_dilations(4)) == 31
    assert receptive_field(3, exponential_dilations(11)) == 4095
    assert receptive_field(3, [1] * 4) == 9
    assert receptive_field(3, [1] * 11) == 23
    # one extra undilated kernel-3 convolution gives the lecture's 33 and 4097
    assert receptive_field(3, [1] + exponential_dilations(4)) == 33
    assert receptive_field(3, [1] + exponential_dilations(11)) == 4097


def test_receptive_field_per_layer_kernels_and_blocks():
    assert receptive_field([2, 3, 5], [1, 2, 4]) == 1 + 1 + 4 + 16
    assert receptive_field(3, [1, 2, 4], convs_per_block=2) == 1 + 2 * 2 * 7
    assert receptive_field(1, [1, 8, 64]) == 1


@pytest.mark.parametrize("kwargs, match", [
    (dict(kernel_size=3, dilations=[1, 0, 4]), r"dilations must be positive integers, got \[1, 0, 4\]"),
    (dict(kernel_size=3, dilations=[]), "dilations must not be empty"),
    (dict(kernel_size=0, dilations=[1]), "kernel_size must be a positive integer, got 0"),
    (dict(kernel_size=[3, 3], dilations=[1]), "kernel_size has 2 entries but dilations has 1"),
    (dict(kernel_size="3", dilations=[1]), r"kernel_size must be a positive integer or a list of them, got '3'"),
    (dict(kernel_size=[3, True], dilations=[1, 2]), r"kernel_size must be positive integers, got \[3, True\]"),
    (dict(kernel_size=3, dilations="124"), r"dilations must be a list of positive integers, got '124'"),
    (dict(kernel_size=np.int64(3), dilations=[1], convs_per_block=np.int64(0)),
     r"convs_per_block must be a positive integer, got (np\.int64\()?0"),
    (dict(kernel_size=3, dilations=[1], convs_per_block=0), "convs_per_block must be a positive integer"),
])
def test_receptive_field_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        receptive_field(**kwargs)


def test_schedules_and_units():
    assert exponential_dilations(4) == [1, 2, 4, 8]
    assert exponential_dilations(3, base=3) == [1, 3, 9]
    assert repeat_stack([1, 2], 3) == [1, 2, 1, 2, 1, 2]
    assert to_seconds(4095, 100) == pytest.approx(40.95)
    assert to_seconds(5, 44100) == pytest.approx(5 / 44100)
    with pytest.raises(ValueError, match="n_layers must be a positive integer"):
        exponential_dilations(0)
    with pytest.raises(ValueError, match="base must be a positive integer"):
        exponential_dilations(3, base=0)
    with pytest.raises(ValueError, match="n_stacks must be a positive integer"):
        repeat_stack([1, 2], 0)
    with pytest.raises(ValueError, match="rate must be a positive number"):
        to_seconds(10, 0)


@given(st.lists(st.integers(1, 6), min_size=1, max_size=6), st.integers(1, 3), st.data())
@settings(max_examples=60, deadline=None)
def test_pieces_agree_with_formula(dilations, cpb, data):
    kernels = data.draw(st.lists(st.integers(1, 5), min_size=len(dilations), max_size=len(dilations)))
    rf = receptive_field(kernels, dilations, cpb)
    depth = receptive_field_by_depth(kernels, dilations, cpb)
    assert len(depth) == len(dilations) and depth[-1] == rf and depth == sorted(depth)
    text = receptive_field_arithmetic(kernels, dilations, cpb)
    lhs, rhs = text.split(" = ")
    assert eval(lhs) == int(rhs) == rf  # the written-out sum is the number
    for causal in (True, False):
        past, future = field_span(kernels, dilations, cpb, causal)
        assert past + future + 1 == rf
        assert future == 0 if causal else abs(past - future) <= len(dilations) * cpb
        offsets, counts = path_counts(kernels, dilations, cpb, causal)
        assert offsets[0] == -past and offsets[-1] == future and len(offsets) == rf
        assert int(sum(counts)) == math.prod(kernels) ** cpb  # every path lands somewhere
        cone = cone_offsets(kernels, dilations, cpb, causal)
        assert len(cone) == len(dilations) * cpb + 1 and list(cone[-1]) == [0]
        assert list(cone[0]) == [int(o) for o, c in zip(offsets, counts) if c > 0]
        holes = coverage_holes(kernels, dilations, cpb, causal)
        assert sorted(set(holes) | set(cone[0].tolist())) == list(range(-past, future + 1))


@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 5)), min_size=1, max_size=5))
@settings(max_examples=60, deadline=None)
def test_path_counts_match_enumeration(layers):
    kernels, dilations = [k for k, _ in layers], [d for _, d in layers]
    lags = brute_force_lags(kernels, dilations)
    offsets, counts = path_counts(kernels, dilations)
    expected = np.bincount(lags, minlength=len(offsets))[::-1]  # offset -lag
    assert counts.tolist() == expected.tolist()


def test_gridding_example_and_schedules_without_holes():
    holes = coverage_holes(2, [1, 4, 16])
    assert holes == [-19, -18, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -3, -2]
    assert coverage_holes(2, [1, 2, 4, 8]) == []
    assert coverage_holes(3, exponential_dilations(6, base=3)) == []
    assert coverage_holes(3, exponential_dilations(4, base=4)) != []
    assert coverage_holes(3, repeat_stack([1, 2, 5], 2)) == []


def test_path_counts_do_not_overflow():
    _, counts = path_counts(9, [1] * 25)  # 9**25 paths > 2**63
    assert counts.dtype == object and sum(counts) == 9**25


def test_stack_parameters_match_torch():
    for ks, n, c, cin, cpb, bias in [(3, 4, 32, None, 1, True), ([2, 3, 5], 3, 8, 1, 2, False), (1, 1, 4, 80, 1, True)]:
        kernels = [ks] * n if isinstance(ks, int) else ks
        convs, c_in = [], cin or c
        for k in kernels:
            for _ in range(cpb):
                convs.append(nn.Conv1d(c_in, c, k, bias=bias))
                c_in = c
        expected = sum(p.numel() for p in nn.Sequential(*convs).parameters())
        assert stack_parameters(ks, n, c, cin, cpb, bias) == expected
    with pytest.raises(ValueError, match="channels must be a positive integer"):
        stack_parameters(3, 2, 0)
    with pytest.raises(ValueError, match="kernel_size has 3 entries but dilations has 2"):
        stack_parameters([3, 3, 3], 2, 8)


# --- measurement with autograd ------------------------------------------------------------------

def conv_stack(kernels, dilations, channels, causal, activation=nn.ReLU):
    layers, c_in = [], 1
    for k, d in zip(kernels, dilations):
        layers += [DilatedConv1d(c_in, channels, k, d, causal=causal), activation()]
        c_in = channels
    return nn.Sequential(*layers)


@given(blocks=st.integers(1, 4), channels=st.integers(1, 3), kernel=st.integers(1, 4),
       dil=st.lists(st.integers(1, 5), min_size=4, max_size=4), causal=st.booleans(), cpb=st.integers(1, 3),
       norm=st.sampled_from(["weight", "batch", "layer", "none"]),
       activation=st.sampled_from(["relu", "gelu", "elu", "tanh", "silu"]), exponential=st.booleans(),
       stacks=st.integers(1, 2))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(blocks=1, channels=1, kernel=4, dil=[1, 1, 1, 1], causal=False, cpb=2, norm="layer", activation="relu",
         exponential=False, stacks=2)  # once failed: a channel *sum* of a LayerNorm output has no gradient
def test_tcn_formula_property_and_measurement_agree(blocks, channels, kernel, dil, causal, cpb, norm, activation,
                                                  exponential, stacks):
    torch.manual_seed(0)
    if norm == "layer":
        # LayerNorm over 1 channel outputs a constant and over 2 channels +-1: its gradient is 0 and
        # the conv branch is cut off (a real property of such a model, not of the measurement)
        channels = 3
    dilations = exponential_dilations(blocks) if exponential else dil[:blocks]
    dilations = repeat_stack(dilations, stacks)
    model = TCN(2, [channels] * len(dilations), kernel_size=kernel, dilations=dilations, causal=causal,
                norm=norm, activation=activation, convs_per_block=cpb)
    expected = receptive_field(kernel, dilations, cpb)
    assert model.receptive_field == expected
    assert measure_receptive_field(model, 2) == expected
    assert measure_field_span(model, 2) == field_span(kernel, dilations, cpb, causal)


@given(layers=st.lists(st.tuples(st.integers(1, 6), st.integers(1, 9)), min_size=1, max_size=6),
       causal=st.booleans(), channels=st.integers(1, 3))
@settings(max_examples=25, deadline=None)
def test_plain_stack_with_per_layer_kernels(layers, causal, channels):
    torch.manual_seed(1)
    kernels, dilations = [k for k, _ in layers], [d for _, d in layers]
    model = conv_stack(kernels, dilations, channels, causal)
    assert measure_receptive_field(model, 1) == receptive_field(kernels, dilations)
    assert measure_field_span(model, 1) == field_span(kernels, dilations, causal=causal)


def test_gradient_of_all_ones_linear_stack_is_the_path_count():
    kernels, dilations = [2, 3, 2], [1, 4, 16]
    model = conv_stack(kernels, dilations, 1, causal=True, activation=nn.Identity)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(1.0 if p.dim() > 1 else 0.0)
    length = 64
    g = input_gradient(model, 1, length, position=length - 1, n_inputs=1)
    offsets, counts = path_counts(kernels, dilations)
    assert g[length - len(offsets):].tolist() == counts.astype(float).tolist()
    assert not g[:length - len(offsets)].any()


def test_linearize_finds_the_field_a_dead_relu_hides():
    # one channel, a ReLU after a bias of -100: dead for every input, so the plain gradient is 0
    model = nn.Sequential(nn.Conv1d(1, 1, 3, padding=1), nn.ReLU(), nn.Conv1d(1, 1, 3, padding=1))
    with torch.no_grad():
        model[0].bias.fill_(-100.0)
    with pytest.raises(ValueError, match="does not depend on the input"):
        measure_receptive_field(model, 1, linearize=False)
    assert measure_receptive_field(model, 1) == 5


def test_measurement_leaves_the_model_alone():
    model = TCN(1, [4, 4], dropout=0.2)
    model.train()
    before = [p.detach().clone() for p in model.parameters()]
    measure_receptive_field(model, 1, randomize=True)
    assert model.training and all(p.dtype == torch.float32 for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_randomize_rescues_zero_initialised_models():
    model = conv_stack([3, 3], [1, 2], 2, causal=True)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    with pytest.raises(ValueError, match="randomize=True"):
        measure_receptive_field(model, 1)
    assert measure_receptive_field(model, 1, randomize=True) == 7


def test_measurement_errors():
    model = TCN(1, [4] * 6, kernel_size=3)  # receptive field 253
    with pytest.raises(ValueError, match="reaches an end of the length-100 input"):
        measure_receptive_field(model, 1, length=100)
    with pytest.raises(ValueError, match="reaches an end of the length-128 input"):
        measure_receptive_field(model, 1, max_length=200)
    assert measure_receptive_field(model, 1, length=600) == 253
    shrink = nn.Conv1d(1, 1, 3)  # no padding: T -> T - 2
    with pytest.raises(ValueError, match=r"must map \(B, C, T\) -> \(B, C', T\)"):
        measure_receptive_field(shrink, 1)
    class TwoOutputs(nn.Module):
        def forward(self, x):
            return x, x
    with pytest.raises(ValueError, match="model must return one tensor"):
        measure_receptive_field(TwoOutputs(), 1)
    with pytest.raises(ValueError, match="position must be in"):
        input_gradient(model, 1, 10, position=10)
    with pytest.raises(ValueError, match="in_channels must be a positive integer"):
        input_gradient(model, 0, 10)


def test_documented_caveat_a_far_jump_needs_an_explicit_length():
    model = conv_stack([2, 2], [1, 1000], 2, causal=True, activation=nn.Identity)
    assert measure_receptive_field(model, 1) == 2  # the doubling stops before it sees lag 1000
    assert measure_receptive_field(model, 1, length=2 * 1002 + 3) == receptive_field(2, [1, 1000]) == 1002


def test_output_channels_are_mixed_randomly_not_summed():
    # a LayerNorm's outputs sum to 0 over channels: a plain channel sum would have no gradient at all
    model = nn.Sequential(DilatedConv1d(1, 3, 3, causal=False), nn.Identity())
    model[1] = __import__("tcnlib").ChannelLayerNorm(3)
    assert measure_receptive_field(model, 1) == 3


# ----------------------------------------------------------------------------- stack diagram geometry


@pytest.mark.parametrize("k, dilations, cpb, causal", [
    (2, [1, 2, 4], 1, True), (2, [1, 4, 16], 1, True), (2, [1, 4, 16], 1, False), (3, [1, 2, 4, 8], 2, False),
    ([2, 3, 5], [1, 2, 4], 1, False), (4, [1, 3, 9], 1, True), (5, [1, 2, 4, 8, 16, 32], 2, True),
])
@pytest.mark.parametrize("max_inputs", [8, 64, 1000])
def test_stack_diagram_is_the_cone_and_the_holes_inside_the_drawing(k, dilations, cpb, causal, max_inputs):
    from tcnlib.receptive import stack_diagram

    g = stack_diagram(k, dilations, cpb, causal, max_inputs)
    rf = receptive_field(k, dilations, cpb)
    assert g.receptive_field == rf and (g.past, g.future) == field_span(k, dilations, cpb, causal)
    assert g.n_inputs == min(max_inputs, rf + 4) and g.cut == (rf > g.n_inputs)
    assert len(g.levels) == len(g.convs) + 1 == len(dilations) * cpb + 1
    assert g.levels[-1].tolist() == [g.t_out]
    if causal:
        assert g.t_out == g.n_inputs - 1
    # every row is the exact cone (cone_offsets) shifted to the output's column, cut to the drawing
    for row, offsets in zip(g.levels, cone_offsets(k, dilations, cpb, causal)):
        cols = offsets + g.t_out
        assert row.tolist() == cols[(cols >= 0) & (cols < g.n_inputs)].tolist()
    holes = np.array(coverage_holes(k, dilations, cpb, causal)) + g.t_out
    assert g.holes.tolist() == holes[(holes >= 0) & (holes < g.n_inputs)].tolist()
    from tcnlib.utils import padding_amounts
    assert g.pads == [padding_amounts(kk, d, causal) for kk, d in g.convs]


def test_stack_diagram_centres_a_same_stack_and_rejects_bad_input():
    from tcnlib.receptive import stack_diagram

    g = stack_diagram(3, [1, 2, 4], causal=False)  # field 15, drawn 19 wide: the output in the middle
    assert (g.n_inputs, g.t_out, g.past, g.future) == (19, 9, 7, 7)
    assert g.levels[0].tolist() == list(range(2, 17)) and g.holes.size == 0
    with pytest.raises(ValueError, match="max_inputs must be an integer >= 2, got 1"):
        stack_diagram(3, [1, 2], max_inputs=1)
    with pytest.raises(ValueError, match="causal must be True or False, got 'no'"):
        stack_diagram(3, [1, 2], causal="no")


@pytest.mark.parametrize("call, match", [
    (lambda: to_seconds(-1, 100), r"n_steps must be a number >= 0"),
    (lambda: to_seconds("5", 100), r"n_steps must be a number >= 0"),
    (lambda: stack_parameters(3, 4, 8, bias="no"), r"bias must be True or False, got 'no'"),
    (lambda: input_gradient("tcn", 2, 16), r"model must be a module mapping \(B, C, T\) -> \(B, C', T\) \(a torch.nn.Module\), got str"),
    (lambda: measure_receptive_field(None, 2), r"model must be a module mapping"),
    (lambda: measure_receptive_field(TCN(2, [4], kernel_size=3), 2, linearize="no"), r"linearize must be True or False"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()

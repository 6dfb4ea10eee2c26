"""Tests for tcnlib.tasks: the adding problem, copy memory, their losses and the two models."""
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from tcnlib.tasks import (RNNNet, TCNNet, adding_baseline_mse, adding_loss, adding_problem,
                          copy_accuracy, copy_loss, copy_memory, copy_memory_baseline_loss,
                          count_parameters)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), T=st.integers(2, 60), seed=st.integers(0, 2**31 - 1))
def test_adding_problem_structure(n, T, seed):
    x, y = adding_problem(n, T, torch.Generator().manual_seed(seed))
    assert x.shape == (n, 2, T) and y.shape == (n,)
    assert ((x[:, 0] >= 0) & (x[:, 0] < 1)).all()
    assert (x[:, 1].sum(1) == 2).all() and set(x[:, 1].unique().tolist()) <= {0.0, 1.0}
    torch.testing.assert_close(y, (x[:, 0] * x[:, 1]).sum(1))


def test_adding_problem_reproducible_and_positions_cover_sequence():
    a = adding_problem(4, 50, torch.Generator().manual_seed(3))
    b = adding_problem(4, 50, torch.Generator().manual_seed(3))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    x, _ = adding_problem(2000, 10, torch.Generator().manual_seed(0))
    assert (x[:, 1].sum(0) > 0).all()  # every position gets marked sometimes


def test_adding_baseline_is_variance_of_sum():
    _, y = adding_problem(200_000, 4, torch.Generator().manual_seed(0))
    assert adding_baseline_mse() == pytest.approx(1 / 6)
    assert ((y - 1) ** 2).mean().item() == pytest.approx(adding_baseline_mse(), rel=0.02)


def test_adding_bad_input():
    with pytest.raises(ValueError, match="T must be an integer >= 2"):
        adding_problem(3, 1)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        adding_problem(0, 10)
    with pytest.raises(ValueError, match=r"pred must have shape \(B, 1, T\)"):
        adding_loss(torch.zeros(2, 3, 5), torch.zeros(2))


def test_adding_loss_scores_last_step():
    pred = torch.zeros(2, 1, 5)
    pred[:, 0, -1] = torch.tensor([1.0, 2.0])
    assert adding_loss(pred, torch.tensor([1.0, 0.0])).item() == pytest.approx(2.0)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 5), T=st.integers(1, 40), memory=st.integers(1, 6), seed=st.integers(0, 1000))
def test_copy_memory_structure(n, T, memory, seed):
    x, y = copy_memory(n, T, memory, torch.Generator().manual_seed(seed))
    L = T + 2 * memory
    assert x.shape == (n, 1, L) and y.shape == (n, L) and y.dtype == torch.long
    digits = x[:, 0, :memory].long()
    assert ((digits >= 1) & (digits <= 8)).all()
    assert (x[:, 0, memory:memory + T - 1] == 0).all()
    assert (x[:, 0, memory + T - 1] == 9).all() and (x[:, 0, -memory:] == 0).all()
    assert (y[:, :-memory] == 0).all() and torch.equal(y[:, -memory:], digits)


def test_copy_memory_baseline_matches_memoryless_strategy():
    T, memory = 30, 5
    x, y = copy_memory(64, T, memory, torch.Generator().manual_seed(0))
    logits = torch.full((64, 10, T + 2 * memory), -1e4)
    logits[:, 0, :] = 0.0                       # blanks for sure ...
    logits[:, 0, -memory:] = -1e4
    logits[:, 1:9, -memory:] = 0.0              # ... and a uniform guess over 1..8 at the end
    assert copy_loss(logits, y).item() == pytest.approx(copy_memory_baseline_loss(T, memory), rel=1e-4)
    assert copy_memory_baseline_loss(1000) == pytest.approx(10 * math.log(8) / 1020)


def test_copy_accuracy_and_loss_errors():
    x, y = copy_memory(3, 5, 4, torch.Generator().manual_seed(1))
    perfect = torch.nn.functional.one_hot(y, 10).transpose(1, 2).float() * 50
    assert copy_accuracy(perfect, y, 4) == 1.0
    assert copy_loss(perfect, y).item() < 1e-6
    with pytest.raises(ValueError, match=r"pred must have shape \(B, 10, L\)"):
        copy_loss(perfect[:, :9], y)
    with pytest.raises(ValueError, match="memory must be a positive integer"):
        copy_memory(2, 5, 0)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_rnnnet_shapes_and_causality(cell):
    torch.manual_seed(0)
    net = RNNNet(2, 8, 3, cell=cell, layers=2)
    x = torch.randn(2, 2, 30)
    y = net(x)
    assert y.shape == (2, 3, 30)
    x2 = x.clone()
    x2[:, :, 20:] += 1.0
    torch.testing.assert_close(net(x2)[:, :, :20], y[:, :, :20])


def test_tcnnet_shapes_receptive_field_and_params():
    torch.manual_seed(0)
    net = TCNNet(2, [6, 6], 1, kernel_size=3)
    assert net(torch.randn(3, 2, 17)).shape == (3, 1, 17)
    assert net.receptive_field == net.tcn.receptive_field == 1 + 2 * 2 * (1 + 2)
    assert count_parameters(net) == sum(p.numel() for p in net.parameters())
    assert count_parameters(torch.nn.Linear(3, 2)) == 8


def test_model_bad_input():
    with pytest.raises(ValueError, match=r"cell must be one of \['gru', 'lstm', 'rnn'\]"):
        RNNNet(1, 4, 1, cell="transformer")
    with pytest.raises(ValueError, match="hidden must be a positive integer"):
        RNNNet(1, 0, 1)
    with pytest.raises(ValueError, match="out_channels must be a positive integer"):
        TCNNet(1, [4], 0)
    with pytest.raises(ValueError, match="channels but the model expects in_channels=2"):
        RNNNet(2, 4, 1)(torch.zeros(1, 3, 5))

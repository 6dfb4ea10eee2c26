"""Causality of tcnlib's TCN and the autograd dependency masks of tcnlib.causality."""
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from tcnlib import TCN, dependency_mask, future_leak


@st.composite
def tcn_configs(draw, norms=("weight", "layer", "none", "batch")):
    n_blocks = draw(st.integers(1, 3))
    return dict(
        in_channels=draw(st.integers(1, 3)),
        channels=draw(st.lists(st.integers(1, 5), min_size=n_blocks, max_size=n_blocks)),
        kernel_size=draw(st.integers(1, 4)),
        dilations=draw(st.lists(st.integers(1, 5), min_size=n_blocks, max_size=n_blocks)),
        norm=draw(st.sampled_from(norms)),
        activation=draw(st.sampled_from(["relu", "gelu", "elu", "tanh", "silu"])),
        convs_per_block=draw(st.integers(1, 3)),
        dropout=draw(st.sampled_from([0.0, 0.3])),
    )


def _outputs_after_future_change(model, cfg, T, t, seed):
    """Run the model on x and on x with every frame after t replaced; same dropout mask in both."""
    x = torch.randn(2, cfg["in_channels"], T)
    x2 = x.clone()
    x2[:, :, t + 1:] = torch.randn(2, cfg["in_channels"], T - t - 1) * 5
    torch.manual_seed(seed)
    y = model(x)
    torch.manual_seed(seed)
    y2 = model(x2)
    return y, y2


@settings(max_examples=60, deadline=None)
@given(cfg=tcn_configs(), T=st.integers(1, 40), frac=st.floats(0, 1), train=st.booleans(), seed=st.integers(0, 99))
def test_changing_the_future_leaves_the_past_exactly_unchanged(cfg, T, frac, train, seed):
    torch.manual_seed(seed)
    model = TCN(**cfg, causal=True)
    # batch norm in train mode normalises with statistics over the whole sequence: not causal
    model.train(train and cfg["norm"] != "batch")
    t = min(T - 1, int(frac * T))
    with torch.no_grad():
        y, y2 = _outputs_after_future_change(model, cfg, T, t, seed)
    assert torch.equal(y[:, :, :t + 1], y2[:, :, :t + 1])


def test_batch_norm_in_train_mode_leaks_the_future():
    torch.manual_seed(0)
    model = TCN(1, [4, 4], norm="batch").train()
    cfg = dict(in_channels=1)
    y, y2 = _outputs_after_future_change(model, cfg, 20, 9, 0)
    assert not torch.allclose(y[:, :, :10], y2[:, :, :10])  # the past changed: batch statistics leak
    model.eval()
    y, y2 = _outputs_after_future_change(model, cfg, 20, 9, 0)
    assert torch.equal(y[:, :, :10], y2[:, :, :10])


def test_non_causal_model_sees_the_future():
    torch.manual_seed(0)
    model = TCN(1, [4], kernel_size=3, causal=False).eval()
    y, y2 = _outputs_after_future_change(model, dict(in_channels=1), 10, 4, 0)
    assert not torch.equal(y[:, :, :5], y2[:, :, :5])


@pytest.mark.parametrize("kernel_size, dilations, convs", [(3, [1, 2, 4], 2), (2, [1, 3], 1), (5, [2], 2)])
def test_dependency_mask_causal_is_lower_band_of_receptive_field(kernel_size, dilations, convs):
    torch.manual_seed(0)
    model = TCN(2, [12] * len(dilations), kernel_size=kernel_size, dilations=dilations,
                convs_per_block=convs).eval()
    T = model.receptive_field + 6
    mask = dependency_mask(model, 2, T)
    assert mask.shape == (T, T) and mask.dtype == torch.bool
    # reachable lags t - s: each conv adds one of {0, d, ..., (k-1)d}; the skip path of a block adds 0
    lags = {0}
    for d in dilations:
        branch = {0}
        for _ in range(convs):
            branch = {a + j * d for a in branch for j in range(kernel_size)}
        lags = {a + b for a in lags for b in branch | {0}}
    assert max(lags) == model.receptive_field - 1
    idx = torch.arange(T)
    lag = idx[:, None] - idx[None, :]
    expected = torch.zeros(T, T, dtype=torch.bool)
    for a in lags:
        expected |= lag == a
    assert torch.equal(mask, expected)
    assert future_leak(mask) == 0


def test_dependency_mask_same_padding_sees_half_the_field_ahead():
    torch.manual_seed(0)
    model = TCN(1, [12, 12], kernel_size=3, dilations=[1, 2], causal=False).eval()
    mask = dependency_mask(model, 1, 30)
    ahead = sum(conv.pad_right for block in model.blocks for conv in block.convs)
    assert ahead == (model.receptive_field - 1) // 2
    assert future_leak(mask) == ahead
    assert mask[10, 10 + ahead] and not mask[10, 10 + ahead + 1]


def test_dependency_mask_any_module_and_output_length():
    conv = nn.Conv1d(1, 1, kernel_size=3)  # "valid": T_out = T_in - 2, output t sees inputs t..t+2
    with torch.no_grad():
        conv.weight.fill_(1.0)
    mask = dependency_mask(conv, 1, 6, trials=1)
    assert mask.shape == (4, 6)
    assert mask[0].tolist() == [True, True, True, False, False, False]


def test_future_leak_and_bad_arguments():
    assert future_leak(torch.zeros(3, 3, dtype=torch.bool)) == 0
    assert future_leak(torch.ones(3, 3, dtype=torch.bool)) == 2
    with pytest.raises(ValueError, match="mask must be a 2-D bool tensor"):
        future_leak(torch.ones(3, dtype=torch.bool))
    model = TCN(1, [2])
    with pytest.raises(ValueError, match="length must be a positive integer, got 0"):
        dependency_mask(model, 1, 0)
    with pytest.raises(ValueError, match="in_channels must be a positive integer"):
        dependency_mask(model, -1, 5)
    with pytest.raises(ValueError, match="trials must be a positive integer"):
        dependency_mask(model, 1, 5, trials=0)
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        dependency_mask(lambda x: x, 1, 5)

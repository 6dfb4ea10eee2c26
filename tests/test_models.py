"""Tests for tcnlib.models: the TCN, its blocks, padding and argument checks."""
import inspect

import pytest
import torch
from torch import nn

import tcnlib
from tcnlib.models import TCN, ChannelLayerNorm, DilatedConv1d, TemporalBlock, check_input


def test_constructor_signature_is_backwards_compatible():
    params = inspect.signature(TCN.__init__).parameters
    expected = {"in_channels": inspect.Parameter.empty, "channels": inspect.Parameter.empty, "kernel_size": 3,
                "dilations": None, "causal": True, "dropout": 0.0, "norm": "weight", "activation": "relu",
                "convs_per_block": 2, "dropout_kind": "channel"}
    assert list(params)[1:] == list(expected)
    for name, default in expected.items():
        assert params[name].default == default


@pytest.mark.parametrize("norm", ["weight", "batch", "layer", "none"])
@pytest.mark.parametrize("causal", [True, False])
def test_forward_shapes_any_length(norm, causal):
    model = TCN(3, [4, 5, 6], kernel_size=3, causal=causal, norm=norm).eval()
    for T in (1, 2, 17):
        assert model(torch.randn(2, 3, T)).shape == (2, 6, T)


def test_attributes_and_receptive_field():
    model = TCN(1, [8] * 4, kernel_size=3)
    assert model.dilations == [1, 2, 4, 8]
    assert len(model.blocks) == 4
    assert model.receptive_field == 1 + 2 * 2 * (1 + 2 + 4 + 8)
    assert model.receptive_field == tcnlib.receptive_field(3, [1, 2, 4, 8], 2)
    assert TCN(1, [8] * 3, kernel_size=5, dilations=[1, 3, 9], convs_per_block=1).receptive_field == 1 + 4 * 13
    assert model.out_channels == 8 and model.activation == "relu"
    assert "receptive_field=61" in repr(model)


def test_blocks_structure():
    model = TCN(2, [4, 4, 6], kernel_size=3, convs_per_block=3, norm="batch", activation="gelu")
    b0, b1, b2 = model.blocks
    assert isinstance(b0, TemporalBlock) and len(b0.convs) == 3
    assert b0.downsample is not None and b1.downsample is None and b2.downsample is not None
    assert all(isinstance(n, nn.BatchNorm1d) for n in b0.norms)
    assert b0.convs[0].conv.bias is None  # batch norm makes the conv bias redundant
    assert isinstance(b0.act, nn.GELU)
    layer = TCN(2, [4], norm="layer")
    assert isinstance(layer.blocks[0].norms[0], ChannelLayerNorm)
    weight = TCN(2, [4], norm="weight")
    assert nn.utils.parametrize.is_parametrized(weight.blocks[0].convs[0].conv)


def test_dilated_conv_padding_causal_and_same():
    conv = DilatedConv1d(1, 1, kernel_size=3, dilation=2, causal=True)
    assert (conv.pad_left, conv.pad_right) == (4, 0)
    same = DilatedConv1d(1, 1, kernel_size=3, dilation=2, causal=False)
    assert (same.pad_left, same.pad_right) == (2, 2)
    even = DilatedConv1d(1, 1, kernel_size=2, dilation=3, causal=False)
    assert (even.pad_left, even.pad_right) == (2, 1)  # odd total: the extra step goes left
    # a by-hand causal convolution: left-pad with zeros, then a plain "valid" conv
    x = torch.randn(1, 1, 10)
    ref = nn.functional.conv1d(nn.functional.pad(x, (4, 0)), conv.conv.weight, conv.conv.bias, dilation=2)
    assert torch.allclose(conv(x), ref)


def test_channel_layer_norm_normalises_each_frame():
    ln = ChannelLayerNorm(5)
    y = ln(torch.randn(2, 5, 7) * 3 + 1)
    assert torch.allclose(y.mean(dim=1), torch.zeros(2, 7), atol=1e-5)


@pytest.mark.parametrize("kwargs, match", [
    (dict(in_channels=0, channels=[4]), "in_channels must be a positive integer"),
    (dict(in_channels=1, channels=4), "channels must be a list"),
    (dict(in_channels=1, channels=[4, 0]), "channels must be positive integers"),
    (dict(in_channels=1, channels=[4], kernel_size=0), "kernel_size must be a positive integer"),
    (dict(in_channels=1, channels=[4, 4], dilations=[1, 0]), r"dilations must be positive integers, got \[1, 0\]"),
    (dict(in_channels=1, channels=[4, 4], dilations=[1]), "dilations has 1 entries but channels has 2"),
    (dict(in_channels=1, channels=[4], dropout=1.0), r"dropout must be a probability in \[0, 1\)"),
    (dict(in_channels=1, channels=[4], norm="group"), "norm must be one of"),
    (dict(in_channels=1, channels=[4], activation="sigmoid"), "activation must be one of"),
    (dict(in_channels=1, channels=[4], convs_per_block=0), "convs_per_block must be a positive integer"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TCN(**kwargs)


def test_check_input_messages():
    with pytest.raises(ValueError, match="must be a torch.Tensor"):
        check_input([1, 2], 1)
    with pytest.raises(ValueError, match=r"must have shape \(B, C, T\)"):
        check_input(torch.zeros(3, 4), 3)
    with pytest.raises(ValueError, match="in_channels=2"):
        TCN(2, [4])(torch.zeros(1, 3, 5))
    with pytest.raises(ValueError, match="T >= 1"):
        check_input(torch.zeros(1, 2, 0), 2)


def test_stream_method():
    model = TCN(2, [4, 4])
    stream = model.stream(batch_size=3)
    assert isinstance(stream, tcnlib.TCNStream) and stream.batch_size == 3
    with pytest.raises(ValueError, match="cannot stream a non-causal TCN"):
        TCN(2, [4], causal=False).stream()


# --- the fast CPU path: same numbers, same parameters ------------------------------------------

def _reference_forward(model: TCN, x: torch.Tensor) -> torch.Tensor:
    """The TCN as locuslab/TCN computes it: pad every convolution's input, plain conv1d, no shortcuts."""
    F = nn.functional
    for block in model.blocks:
        h = x
        for conv, norm in zip(block.convs, block.norms):
            pad = F.pad(h, (conv.pad_left, conv.pad_right))
            h = block.dropout(block.act(norm(F.conv1d(pad, conv.conv.weight, conv.conv.bias,
                                                      dilation=conv.dilation))))
        res = x if block.downsample is None else block.downsample(x)
        x = block.act(h + res)
    return x


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("norm", ["weight", "layer", "none"])
@pytest.mark.parametrize("T", [1, 5, 300])
def test_fast_path_equals_plain_convolutions(causal, norm, T):
    """Channels-last oneDNN convolutions and skipped all-padding taps (T shorter than the dilated
    kernel) give the plain computation's outputs and gradients."""
    torch.manual_seed(0)
    model = TCN(3, [6, 6, 5], kernel_size=5, dilations=[1, 16, 128], causal=causal, norm=norm).eval()
    x = torch.randn(2, 3, T, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_(True)
    out, ref = model(x), _reference_forward(model, x_ref)
    assert out.shape == (2, 5, T) and out.is_contiguous()
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    g = torch.randn_like(out)
    grads = torch.autograd.grad(out, [x, *model.parameters()], g)
    grads_ref = torch.autograd.grad(ref, [x_ref, *model.parameters()], g)
    for a, b in zip(grads, grads_ref):  # float32 sums in another order: tolerance relative to the scale
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-4 * float(b.abs().max()) + 1e-7)


def test_live_taps_drop_only_taps_that_see_padding():
    conv = DilatedConv1d(1, 1, kernel_size=5, dilation=1024, causal=True)
    assert conv.live_taps(3000) == (2, 5, 2048, 0)     # taps at t-4096, t-3072 never see data
    assert conv.live_taps(5000) == (0, 5, 4096, 0)
    same = DilatedConv1d(1, 1, kernel_size=5, dilation=1024, causal=False)
    assert same.live_taps(1000) == (2, 3, 0, 0)        # only the centre tap
    assert same.live_taps(1025) == (1, 4, 1024, 1024)


def test_float64_and_channel_dropout():
    model = TCN(2, [4, 4], kernel_size=3, dropout=0.5).double()
    x = torch.randn(3, 2, 50, dtype=torch.float64)
    assert model.eval()(x).dtype == torch.float64
    # channel dropout: in training mode a dropped channel is zero over the whole sequence
    block = TemporalBlock(2, 6, 3, 1, dropout=0.5, norm="none", convs=1)
    torch.manual_seed(1)
    h = block.train().residual_branch(torch.randn(8, 2, 30))
    dead = (h == 0).all(dim=2)
    assert dead.any() and not dead.all()
    assert ((h == 0).any(dim=2) == dead).sum() > 0
    element = TemporalBlock(2, 6, 3, 1, dropout=0.5, norm="none", convs=1, dropout_kind="element")
    assert isinstance(element.dropout, nn.Dropout) and isinstance(block.dropout, nn.Dropout1d)


def test_state_dict_keys_unchanged_by_dropout_kind():
    """The committed checkpoints were written with element dropout: same keys, same eval outputs."""
    torch.manual_seed(0)
    a = TCN(3, [4, 4], kernel_size=3, dropout=0.1, dropout_kind="element")
    b = TCN(3, [4, 4], kernel_size=3, dropout=0.1)
    assert list(a.state_dict()) == list(b.state_dict())
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 3, 20)
    assert torch.equal(a.eval()(x), b.eval()(x))
    keys = list(a.state_dict())
    assert "blocks.0.convs.0.conv.parametrizations.weight.original0" in keys
    assert "blocks.0.downsample.weight" in keys


@pytest.mark.parametrize("kwargs, match", [
    (dict(causal="no"), "causal must be True or False, got 'no'"),
    (dict(causal=1), "causal must be True or False"),
    (dict(norm="batchnorm"), r"norm must be one of \['weight', 'batch', 'layer', 'none'\], got 'batchnorm'"),
    (dict(dropout_kind="spatial"), r"dropout_kind must be one of \['channel', 'element'\]"),
    (dict(dropout=True), "dropout must be a probability"),
])
def test_bad_arguments_of_tcn_and_block(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TCN(1, [4], **kwargs)
    block_kwargs = {k: v for k, v in kwargs.items()}
    with pytest.raises(ValueError, match=match):
        TemporalBlock(1, 4, 3, 1, **block_kwargs)


def test_block_and_conv_check_their_arguments():
    with pytest.raises(ValueError, match="activation must be one of"):
        TemporalBlock(1, 4, 3, 1, activation="relu6")
    with pytest.raises(ValueError, match="dilation must be a positive integer, got 0"):
        DilatedConv1d(1, 1, 3, dilation=0)
    with pytest.raises(ValueError, match="causal must be True or False"):
        DilatedConv1d(1, 1, 3, causal="yes")


def test_numpy_integers_are_accepted():
    import numpy as np
    model = TCN(np.int64(2), [np.int64(4), 4], kernel_size=np.int32(3), dilations=np.array([1, 2]),
                convs_per_block=np.int64(1), causal=np.bool_(True))
    assert model.in_channels == 2 and type(model.kernel_size) is int and model.receptive_field == 7
    assert model(torch.zeros(1, 2, 9)).shape == (1, 4, 9)


@pytest.mark.slow
@pytest.mark.parametrize("dropout_kind", ["channel", "element"])
def test_fast_default_learns_the_adding_problem_as_well(dropout_kind):
    """The faster model (channel dropout, channels-last convolutions) learns the adding problem like
    the old one (element dropout): both end far below the always-answer-1 baseline (MSE 1/6).

    Measured (T=40, dropout 0.1, validation MSE after 300/600/900/1200 steps): channel dropout
    seed 0 0.148/0.021/0.017/0.013, seed 1 0.137/0.060/0.014/0.012; element dropout seed 0
    0.153/0.018/0.015/0.007. Both leave the plateau at about the same step.
    """
    from tcnlib.tasks import TCNNet, adding_loss, adding_problem
    torch.manual_seed(0)
    model = TCNNet(2, [16] * 4, 1, kernel_size=4, dropout=0.1, dropout_kind=dropout_kind)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    for step in range(1, 901):
        x, y = adding_problem(32, 40, torch.Generator().manual_seed(step))
        opt.zero_grad()
        adding_loss(model.train()(x), y).backward()
        opt.step()
    x, y = adding_problem(500, 40, torch.Generator().manual_seed(99))
    with torch.no_grad():
        final = adding_loss(model.eval()(x), y).item()
    assert final < 0.03, final   # baseline 1/6 = 0.167


def test_lone_convolution_keeps_the_usual_layout():
    """Outside a TCN (e.g. in WaveNet) a DilatedConv1d returns an ordinary contiguous tensor."""
    conv = DilatedConv1d(3, 4, kernel_size=2, dilation=8)
    x = torch.randn(2, 3, 50)
    y = conv(x)
    assert y.is_contiguous()
    ref = nn.functional.conv1d(nn.functional.pad(x, (8, 0)), conv.conv.weight, conv.conv.bias, dilation=8)
    torch.testing.assert_close(y, ref)
    # time-major input (as inside a TCN): the channels-last path, same values
    torch.testing.assert_close(conv(x.transpose(1, 2).contiguous().transpose(1, 2)), ref, rtol=1e-5, atol=1e-6)

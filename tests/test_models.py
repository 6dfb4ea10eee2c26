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
                "convs_per_block": 2}
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

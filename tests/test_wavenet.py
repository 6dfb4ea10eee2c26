"""Tests of tcnlib.wavenet: the WaveNet's causality and receptive field, its loss and training
batches, and cached generation producing exactly the samples of naive generation (the mu-law
quantization it models is tested in tests/test_quantize.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F

import tcnlib
from tcnlib.quantize import mu_law_encode
from tcnlib.wavenet import (WaveNet, WaveNetCache, generate_cached, generate_naive, random_segments,
                            sample_from_logits, segment_batches, wavenet_loss)


# --- the model ----------------------------------------------------------------------------------

def _tiny(**kw) -> WaveNet:
    torch.manual_seed(0)
    args = dict(residual_channels=8, dilation_channels=8, skip_channels=16, layers_per_stack=3, n_stacks=2)
    args.update(kw)
    return WaveNet(**args).eval()


def test_receptive_field_comes_from_the_formula():
    m = WaveNet(layers_per_stack=10, n_stacks=2)
    assert m.dilations == [2 ** i for i in range(10)] * 2
    assert m.receptive_field == tcnlib.receptive_field([2] * 21, [1] + [2 ** i for i in range(10)] * 2)
    assert m.receptive_field == 2 + 2 * sum(2 ** i for i in range(10))


@pytest.mark.parametrize("kw", [{}, {"kernel_size": 3, "input_kernel_size": 3}, {"n_stacks": 1}])
def test_receptive_field_is_exact_by_gradient(kw):
    """The last output's gradient is non-zero on exactly the last receptive_field inputs."""
    m = _tiny(**kw).double()
    T = m.receptive_field + 10
    x = torch.randint(0, 256, (1, T), generator=torch.Generator().manual_seed(0))
    onehot = F.one_hot(x, 256).transpose(1, 2).double().requires_grad_(True)
    logits = m.forward_onehot(onehot)
    assert torch.equal(logits, m(x))
    logits[0, :, -1].sum().backward()
    touched = (onehot.grad.abs().sum(dim=1)[0] > 0).nonzero().squeeze(1)
    assert touched.min().item() == T - m.receptive_field and touched.max().item() == T - 1


def test_forward_shape_and_causality():
    m = _tiny()
    x = torch.randint(0, 256, (2, 50))
    y = m(x)
    assert y.shape == (2, 256, 50)
    x2 = x.clone()
    x2[:, 30:] = (x2[:, 30:] + 7) % 256
    y2 = m(x2)
    assert torch.allclose(y[:, :, :30], y2[:, :, :30], atol=1e-6)
    assert not torch.allclose(y[:, :, 30:], y2[:, :, 30:], atol=1e-3)


@pytest.mark.parametrize("kw, match", [
    ({"n_classes": 1}, "n_classes must be an integer >= 2"),
    ({"kernel_size": 1}, "kernel_size must be an integer >= 2"),
    ({"n_stacks": 0}, "n_stacks must be a positive integer"),
    ({"residual_channels": 2.0}, "residual_channels must be a positive integer"),
])
def test_bad_model_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        WaveNet(**kw)


@pytest.mark.parametrize("x, match", [
    (torch.zeros(2, 5), "int64 class indices"),
    (torch.zeros(5, dtype=torch.int64), r"shape \(B, T\)"),
    (torch.full((1, 5), 256), r"\[0, 255\], got values in \[256, 256\]"),
    (np.zeros((1, 5), dtype=np.int64), "must be a torch.Tensor"),
])
def test_bad_model_input(x, match):
    with pytest.raises(ValueError, match=match):
        _tiny()(x)


def test_loss_is_next_sample_cross_entropy():
    m = _tiny()
    x = torch.randint(0, 256, (2, 40))
    expected = F.cross_entropy(m(x[:, :-1]), x[:, 1:])
    assert torch.allclose(wavenet_loss(m, x), expected)
    expected_skip = F.cross_entropy(m(x[:, :-1])[:, :, 5:], x[:, 6:])
    assert torch.allclose(wavenet_loss(m, x, skip=5), expected_skip)
    with pytest.raises(ValueError, match="T >= skip \\+ 2 = 42"):
        wavenet_loss(m, x, skip=40)
    with pytest.raises(ValueError, match="skip must be an integer >= 0"):
        wavenet_loss(m, x, skip=-1)


def test_random_segments_are_slices_of_the_sequence():
    q = torch.arange(100)
    seg = random_segments(q, 10, 5, torch.Generator().manual_seed(0))
    assert seg.shape == (5, 10) and seg.dtype == torch.int64
    assert torch.equal(seg - seg[:, :1], torch.arange(10).expand(5, 10))
    with pytest.raises(ValueError, match="longer than the sequence"):
        random_segments(q, 101, 1)
    with pytest.raises(ValueError, match="1-D tensor"):
        random_segments(q[None], 10, 1)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        random_segments(q, 10, 0)


def test_training_with_fit_lowers_the_loss_on_a_tone():
    t = np.arange(4000)
    q = torch.as_tensor(mu_law_encode(0.8 * np.sin(2 * np.pi * t / 16)))
    m = _tiny(n_stacks=1)
    torch.manual_seed(0)
    batch_fn = segment_batches(q, 64, 4, torch.Generator().manual_seed(0))
    x, y = batch_fn(0)
    assert x.shape == y.shape == (4, 64) and torch.equal(x[:, 1:], y[:, :-1])
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    history = tcnlib.fit(m, batch_fn, F.cross_entropy, opt, epochs=4, steps_per_epoch=10, device="cpu",
                         progress=False)
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]
    with pytest.raises(ValueError, match="length must be a positive integer"):
        segment_batches(q, 0, 4)
    with pytest.raises(ValueError, match="longer than the sequence"):
        segment_batches(q, 4000, 4)


def test_public_names_are_exported():
    for name in ("WaveNet", "WaveNetCache", "generate_cached", "generate_naive", "sample_from_logits",
                 "segment_batches", "wavenet_loss"):
        assert getattr(tcnlib, name) is getattr(tcnlib.wavenet, name), name


# --- sampling and generation ----------------------------------------------------------------------

def test_sample_from_logits_inverse_cdf():
    logits = torch.log(torch.tensor([[0.2, 0.3, 0.5]] * 4))
    u = torch.tensor([0.0, 0.19, 0.21, 0.99])
    assert sample_from_logits(logits, u).tolist() == [0, 0, 1, 2]
    # frequencies follow the softmax
    gen = torch.Generator().manual_seed(0)
    draws = sample_from_logits(logits[:1].expand(20000, 3), torch.rand(20000, generator=gen, dtype=torch.float64))
    freq = torch.bincount(draws, minlength=3).double() / 20000
    assert torch.allclose(freq, torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64), atol=0.015)
    # a low temperature concentrates on the most likely class
    assert sample_from_logits(logits, u + 0.005, temperature=0.01).tolist() == [2, 2, 2, 2]
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        sample_from_logits(logits, u, temperature=0)
    with pytest.raises(ValueError, match=r"logits must be \(B, n_classes\) and u \(B,\)"):
        sample_from_logits(logits, u[:2])


@pytest.mark.parametrize("kw, prime_len, temperature", [
    ({}, 0, 1.0),                                        # start from one silent sample
    ({}, 5, 0.8),                                        # prime shorter than the largest dilation
    ({}, 40, 1.0),                                       # prime longer than the receptive field
    ({"kernel_size": 3, "input_kernel_size": 3}, 12, 1.0),
])
def test_cached_generation_equals_naive_generation_exactly(kw, prime_len, temperature):
    """Same uniforms -> same integer samples.

    Robustness: the models run in float64, where the two computations' logits agree to ~1e-13,
    and both sample by inverse CDF (in float64) from the same precomputed uniforms; a class can
    only differ if a uniform lands within ~1e-13 of a CDF step. The logits are compared too.
    """
    m = _tiny(**kw).double()
    B, N = 3, 3 * m.receptive_field
    prime = None if prime_len == 0 else torch.randint(0, 256, (B, prime_len), generator=torch.Generator().manual_seed(1))
    a, la = generate_naive(m, N, prime=prime, batch_size=B, temperature=temperature,
                           generator=torch.Generator().manual_seed(2), return_logits=True)
    b, lb = generate_cached(m, N, prime=prime, batch_size=B, temperature=temperature,
                            generator=torch.Generator().manual_seed(2), return_logits=True)
    assert a.shape == (B, N) and a.dtype == torch.int64
    assert torch.allclose(la, lb, rtol=0, atol=1e-9)
    assert torch.equal(a, b)
    assert len(torch.unique(a)) > 10  # the test is not trivially comparing constants


def test_different_draws_give_different_samples():
    m = _tiny()
    a = generate_cached(m, 50, generator=torch.Generator().manual_seed(0))
    b = generate_cached(m, 50, generator=torch.Generator().manual_seed(1))
    assert not torch.equal(a, b)


@pytest.mark.parametrize("backend", [None, "numpy", "torch"])
def test_float32_cache_matches_full_forward_teacher_forced(backend):
    """In float32 the per-step logits equal the full forward pass's within float tolerance."""
    m = _tiny()
    x = torch.randint(0, 256, (2, 60), generator=torch.Generator().manual_seed(0))
    full = m(x)
    cache = WaveNetCache(m, batch_size=2, backend=backend)
    stepped = torch.stack([cache.step(x[:, t]) for t in range(60)], dim=2)
    assert stepped.dtype == torch.float32
    assert torch.allclose(stepped, full, atol=1e-4)
    cache2 = WaveNetCache(m, batch_size=2, backend=backend)
    assert torch.allclose(cache2.prime(x[:, :30]), full[:, :, 29], atol=1e-5)
    stepped2 = torch.stack([cache2.step(x[:, t]) for t in range(30, 60)], dim=2)
    assert torch.allclose(stepped2, full[:, :, 30:], atol=1e-4)
    with pytest.raises(ValueError, match="prime\\(\\) must come before any step"):
        cache2.prime(x)
    with pytest.raises(ValueError, match="backend must be None, 'numpy' or 'torch'"):
        WaveNetCache(m, backend="jax")


def test_torch_backend_cache_is_exact_in_float64():
    """The torch path (used on GPUs) against the full forward pass, in float64, with a prime."""
    m = _tiny(kernel_size=3).double()
    x = torch.randint(0, 256, (2, 80), generator=torch.Generator().manual_seed(3))
    full = m(x)
    cache = WaveNetCache(m, batch_size=2, backend="torch")
    assert torch.allclose(cache.prime(x[:, :50]), full[:, :, 49], rtol=0, atol=1e-12)
    stepped = torch.stack([cache.step(x[:, t]) for t in range(50, 80)], dim=2)
    assert torch.allclose(stepped, full[:, :, 50:], rtol=0, atol=1e-12)


def test_generate_method_and_given_uniforms():
    m = _tiny().double()
    u = torch.rand(2, 30, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    a = generate_naive(m, 30, batch_size=2, uniforms=u)
    b = m.generate(30, batch_size=2, generator=torch.Generator().manual_seed(5))
    c = m.generate(30, batch_size=2, generator=torch.Generator().manual_seed(5), cached=False)
    assert torch.equal(a, b) and torch.equal(b, c)
    prime_1d = torch.tensor([10, 20, 30])
    assert m.generate(5, prime=prime_1d, batch_size=2).shape == (2, 5)


@pytest.mark.parametrize("kw, match", [
    ({"n_samples": 0}, "n_samples must be a positive integer"),
    ({"n_samples": 5, "batch_size": 0}, "batch_size must be a positive integer"),
    ({"n_samples": 5, "uniforms": torch.rand(1, 4)}, r"uniforms must have shape \(B, n_samples\) = \(1, 5\)"),
    ({"n_samples": 5, "prime": torch.full((1, 3), 300)}, r"prime must hold class indices in \[0, 255\]"),
])
@pytest.mark.parametrize("fn", [generate_naive, generate_cached])
def test_generate_rejects_bad_arguments(fn, kw, match):
    with pytest.raises(ValueError, match=match):
        fn(_tiny(), **kw)


# --- exercise checkers of notebook 08 ---------------------------------------------------------------

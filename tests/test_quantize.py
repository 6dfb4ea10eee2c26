"""Tests of tcnlib.quantize: mu-law round trips, edges and bad input, linear classes, SNR."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tcnlib
import tcnlib.quantize
import tcnlib.wavenet
from tcnlib.quantize import (MU, linear_decode, linear_encode, mu_law_compress, mu_law_decode, mu_law_encode,
                             mu_law_expand, snr_db)


@pytest.mark.parametrize("mu", [255, 15, 1])
def test_encode_decode_every_class_round_trips_exactly(mu):
    q = np.arange(mu + 1)
    assert np.array_equal(mu_law_encode(mu_law_decode(q, mu), mu), q)


def test_round_trip_on_tensors_keeps_type_and_shape():
    q = torch.arange(256).reshape(16, 16)
    x = mu_law_decode(q)
    assert isinstance(x, torch.Tensor) and x.dtype == torch.float32 and x.shape == (16, 16)
    back = mu_law_encode(x)
    assert isinstance(back, torch.Tensor) and back.dtype == torch.int64
    assert torch.equal(back, q)


def test_edges_map_to_extreme_and_middle_classes():
    assert mu_law_encode(np.array([-1.0, 0.0, 1.0])).tolist() == [0, (MU + 1) // 2, MU]
    assert mu_law_decode(np.array([0, MU])).tolist() == [-1.0, 1.0]
    assert mu_law_encode(np.float64(1.0)).shape == ()


def _half_bins(q: np.ndarray, mu: int = MU) -> np.ndarray:
    """For each class q, the largest distance from its amplitude to an edge of its bin.

    Class q holds the companded values within 1/mu of its level 2q/mu - 1 (clipped to [-1, 1]);
    expanding those edges gives the bin in amplitude. Mu-law's expansion is convex for x > 0, so
    the bins are lopsided: this is the exact bound, not half the step to a neighbour.
    """
    level = 2.0 * np.arange(mu + 1) / mu - 1.0
    centre = mu_law_expand(level, mu).astype(np.float64)
    upper = mu_law_expand(np.minimum(level + 1.0 / mu, 1.0), mu).astype(np.float64)
    lower = mu_law_expand(np.maximum(level - 1.0 / mu, -1.0), mu).astype(np.float64)
    return np.maximum(upper - centre, centre - lower)[q]


def _steps(q: np.ndarray, mu: int = MU) -> np.ndarray:
    """The quantization step at class q: the distance to its farther neighbouring class."""
    centres = mu_law_decode(np.arange(mu + 1), mu).astype(np.float64)
    return np.maximum(np.diff(centres, prepend=centres[0]), np.diff(centres, append=centres[-1]))[q]


def test_decode_of_encode_is_within_the_quantization_step_on_a_dense_grid():
    x = np.linspace(-1, 1, 200_001)
    q = mu_law_encode(x)
    err = np.abs(mu_law_decode(q).astype(np.float64) - x)
    assert np.all(err <= _half_bins(q) + 1e-7)
    assert np.all(err <= _steps(q) + 1e-7)
    assert np.max(err) > 0.5 * np.max(_half_bins(q))  # the bound is tight, not vacuous
    # the steps really are small near zero and large near full scale (the point of mu-law)
    steps = _steps(np.arange(MU + 1))
    assert steps[(MU + 1) // 2] < steps[MU] / 100


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1.0, max_value=1.0, allow_nan=False))
def test_decode_of_encode_is_the_nearest_class(x):
    q = int(mu_law_encode(np.array([x]))[0])
    err = abs(float(mu_law_decode(np.array([q]))[0]) - x)
    assert err <= _half_bins(np.array([q]))[0] + 1e-7
    # compared in the companded domain, the class is the nearest level
    f = float(mu_law_compress(np.array([x]))[0])
    assert abs((f + 1) / 2 * MU - q) <= 0.5 + 1e-5


def test_encode_is_monotonic():
    q = mu_law_encode(np.linspace(-1, 1, 10_001))
    assert np.all(np.diff(q) >= 0) and q[0] == 0 and q[-1] == MU


def test_compress_expand_are_inverse():
    x = np.linspace(-1, 1, 1001)
    assert np.allclose(mu_law_expand(mu_law_compress(x)), x, atol=1e-6)
    assert np.allclose(mu_law_compress(np.array([-1.0, 0.0, 1.0])), [-1, 0, 1])


@pytest.mark.parametrize("fn", [mu_law_encode, mu_law_compress, linear_encode])
def test_out_of_range_signal_is_rejected(fn):
    with pytest.raises(ValueError, match=r"must lie in \[-1, 1\].*max \|x\| = 1.5"):
        fn(np.array([0.0, -1.5]))
    with pytest.raises(ValueError, match="NaN or infinite"):
        fn(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="real numbers"):
        fn(np.array(["a"]))


@pytest.mark.parametrize("mu", [0, -255, 2.5, True, "255"])
def test_bad_mu_is_rejected(mu):
    with pytest.raises(ValueError, match="mu must be a positive integer"):
        mu_law_encode(np.zeros(3), mu)
    with pytest.raises(ValueError, match="mu must be a positive integer"):
        mu_law_decode(np.zeros(3, dtype=int), mu)


def test_decode_rejects_bad_classes():
    with pytest.raises(ValueError, match=r"class indices in \[0, 255\], got values in \[0, 256\]"):
        mu_law_decode(np.array([0, 256]))
    with pytest.raises(ValueError, match=r"class indices in \[0, 255\], got values in \[-1, 3\]"):
        mu_law_decode(torch.tensor([-1, 3]))
    with pytest.raises(ValueError, match="integer class indices"):
        mu_law_decode(np.array([0.5]))


def test_linear_quantization_round_trips_and_loses_to_mu_law_on_quiet_audio():
    q = np.arange(256)
    assert np.array_equal(linear_encode(linear_decode(q)), q)
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2"):
        linear_encode(np.zeros(2), n_classes=1)
    t = np.arange(8000) / 8000
    quiet = 0.02 * np.sin(2 * np.pi * 220 * t)
    loud = 0.9 * np.sin(2 * np.pi * 220 * t)
    snr = {name: (snr_db(y, linear_decode(linear_encode(y))), snr_db(y, mu_law_decode(mu_law_encode(y))))
           for name, y in (("quiet", quiet), ("loud", loud))}
    assert snr["quiet"][1] > snr["quiet"][0] + 10  # mu-law keeps quiet audio much cleaner
    assert snr["loud"][0] > snr["loud"][1]          # linear wins at full scale, where mu-law steps are big


def test_snr_db():
    x = np.array([1.0, -1.0, 0.5])
    assert snr_db(x, x) == math.inf
    assert snr_db(x, x * 0.9) == pytest.approx(20.0)
    with pytest.raises(ValueError, match="same shape"):
        snr_db(x, x[:2])
    with pytest.raises(ValueError, match="silent"):
        snr_db(np.zeros(3), x)


@pytest.mark.parametrize("name", ["MU", "linear_decode", "linear_encode", "mu_law_compress", "mu_law_decode",
                                  "mu_law_encode", "mu_law_expand", "snr_db"])
def test_names_are_the_same_objects_at_every_address(name):
    """``tcnlib.X``, ``tcnlib.quantize.X`` and the re-export ``tcnlib.wavenet.X`` are one object."""
    assert getattr(tcnlib, name) is getattr(tcnlib.quantize, name) is getattr(tcnlib.wavenet, name)
    assert name in tcnlib.wavenet.__all__ and name in tcnlib.__all__


def test_mu_law_classes_are_the_compress_curve_quantized():
    """Encode is compress then the uniform quantizer, decode is the level then expand."""
    x = np.linspace(-1, 1, 1001)
    assert np.array_equal(mu_law_encode(x), linear_encode(mu_law_compress(x).astype(np.float64)))
    q = np.arange(256)
    assert np.allclose(mu_law_decode(q), mu_law_expand(linear_decode(q).astype(np.float64)), atol=1e-6)

"""The online beat tracker: causal features equal block by block, strict causality of the reported
beats (cut points and block splits as properties), the declared latency, no beats on silence/noise,
and the shipped checkpoint on a held-out clip."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tcnlib
from tcnlib.features import SR, beat_features
from tcnlib.online import (HOP, N_FFT, ONLINE_PRETRAINED, CausalFeatureStream, CausalPeakPicker, OnlineBeatModel,
                           OnlineBeatTracker, causal_beat_features, decode_online, load_online_model, online_targets,
                           save_online_model)


def _audio(seed: int, seconds: float = 1.5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    y = 0.05 * rng.standard_normal(n)
    for t in np.arange(0.1, seconds, 0.5 + 0.1 * rng.uniform()):     # clicks: something to track
        i = int(t * SR)
        y[i:i + 200] += rng.uniform(0.3, 1.0) * np.hanning(200)
    return y.astype(np.float32)


def _small_model(seed: int = 0, lookahead: int = 2) -> OnlineBeatModel:
    torch.manual_seed(seed)
    m = OnlineBeatModel(channels=6, n_blocks=3, kernel_size=3, lookahead=lookahead).eval()
    with torch.no_grad():
        m.head.bias.fill_(0.5)  # a random model that fires often: many beats to compare
    return m


def _splits(n: int, cuts: list) -> list:
    edges = sorted({0, n, *[min(n, c) for c in cuts]})
    return list(zip(edges[:-1], edges[1:]))


# ----------------------------------------------------------------------------- features


def test_causal_features_shape_and_parameters_match_the_offline_features():
    y = _audio(0)
    S, Sc = causal_beat_features(y, SR), beat_features(y, SR)
    assert S.shape == Sc.shape and S.dtype == np.float32
    # the centred frame t covers [t*HOP - 1024, t*HOP + 1024): the causal frame whose window ends at t*HOP + 1024
    shift = (N_FFT // 2) // HOP  # 4 whole hops (+ 144 samples)
    d_shift = np.abs(S[:, 20:-20] - Sc[:, 20 - shift - 1:-20 - shift - 1]).mean()
    d_same = np.abs(S[:, 20:-20] - Sc[:, 20:-20]).mean()
    assert d_shift < 0.5 * d_same


def test_causal_frame_sees_no_sample_at_or_after_its_time_stamp():
    y = _audio(1)
    S = causal_beat_features(y, SR)
    t = 60
    y2 = y.copy()
    y2[t * HOP:] = np.random.default_rng(9).standard_normal(len(y) - t * HOP)  # change the future from t*HOP on
    S2 = causal_beat_features(y2, SR)
    assert np.array_equal(S[:, :t + 1], S2[:, :t + 1])     # frames 0..t unchanged, bit for bit
    assert not np.array_equal(S[:, t + 1], S2[:, t + 1])   # frame t+1 holds sample t*HOP


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10 ** 6), st.lists(st.integers(0, 20000), max_size=8))
def test_feature_stream_equals_offline_for_any_block_split(seed, cuts):
    y = _audio(seed % 7, seconds=1.0)
    fs = CausalFeatureStream()
    S = np.concatenate([fs.process(y[a:b]) for a, b in _splits(len(y), cuts)] + [fs.process(y[:0])], axis=1)
    assert np.array_equal(S, causal_beat_features(y, SR))


def test_feature_stream_rejects_bad_blocks():
    fs = CausalFeatureStream()
    with pytest.raises(ValueError, match="block"):
        fs.process(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="block"):
        fs.process(np.array([0.0, np.nan]))


# ----------------------------------------------------------------------------- targets, model, decoder


def test_online_targets_are_delayed_by_the_lookahead():
    beats = np.array([0.5, 1.0])
    t0, t3 = online_targets(beats, 200, 0, widen=0), online_targets(beats, 200, 3, widen=0)
    assert np.array_equal(np.flatnonzero(t3), np.flatnonzero(t0) + 3)


def test_model_is_causal_and_streams_equal_offline():
    m = _small_model()
    x = torch.randn(1, 80, 120)
    mask = tcnlib.dependency_mask(m, 80, 40)
    assert tcnlib.future_leak(mask) == 0
    with torch.no_grad():
        off = m(x)[0, 0].numpy()
    st_ = m.tcn.stream()
    h = np.stack([st_.step(x[:, :, t].numpy())[0] for t in range(120)])
    on = h @ m.head.weight.detach().numpy()[0, :, 0] + float(m.head.bias.detach())
    assert np.abs(on - off).max() < 1e-4


def test_save_and_load_round_trip(tmp_path):
    m = _small_model(lookahead=3)
    p = save_online_model(tmp_path / "m.pt", m, {"threshold": 0.4})
    m2 = load_online_model(p)
    assert m2.lookahead == 3 and m2.info["threshold"] == 0.4
    x = torch.randn(1, 80, 50)
    with torch.no_grad():
        assert torch.equal(m(x), m2(x))
    with pytest.raises(FileNotFoundError):
        load_online_model(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not an online beat model"):
        load_online_model(tmp_path / "junk.pt")


def test_peak_picker_threshold_refractory_and_delay():
    a = np.zeros(100)
    a[[10, 12, 40, 80]] = [0.9, 0.95, 0.2, 0.6]
    pp = CausalPeakPicker(threshold=0.3, refractory=5)
    decided = [(t, pp.step(v)) for t, v in enumerate(a)]
    beats = [(t, p) for t, p in decided if p is not None]
    assert beats == [(11, 10), (81, 80)]          # 12 is inside the refractory period; 40 is below threshold
    assert np.allclose(decode_online(a, lookahead=2, threshold=0.3, refractory=5 / tcnlib.online.RATE),
                       np.array([8, 78]) * HOP / SR)


# ----------------------------------------------------------------------------- the tracker: strict causality


def _beats(tracker: OnlineBeatTracker, y: np.ndarray, cuts: list) -> np.ndarray:
    tracker.reset()
    out = [tracker.process(y[a:b]) for a, b in _splits(len(y), cuts)]
    return np.concatenate(out) if out else np.zeros(0)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10 ** 6), st.integers(1, 33000), st.integers(0, 6))
def test_feeding_audio_up_to_t_reports_exactly_the_beats_before_t_minus_latency(seed, cut, lookahead):
    y = _audio(seed % 5)
    tr = OnlineBeatTracker(SR, model=_small_model(seed % 3, lookahead), threshold=0.5, refractory=0.1)
    full = tr.run(y, block=512)
    assert len(full) > 3                       # the property is not vacuous
    cut = min(cut, len(y))
    part = _beats(tr, y[:cut], [441 * k for k in range(1, 80)])
    t = cut / SR
    assert np.allclose(part, full[full <= t - tr.latency + 1e-9])
    assert np.all(part <= t - tr.latency + 1e-9)   # nothing was reported earlier than the latency allows


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10 ** 6), st.lists(st.integers(0, 33000), max_size=10))
def test_any_block_split_reports_the_same_beats(seed, cuts):
    y = _audio(seed % 5)
    tr = OnlineBeatTracker(SR, model=_small_model(seed % 3), threshold=0.5, refractory=0.1)
    assert np.array_equal(_beats(tr, y, cuts), tr.run(y, block=len(y)))


def test_beats_are_never_revised_and_reported_within_the_latency():
    y = _audio(3)
    tr = OnlineBeatTracker(SR, model=_small_model(1, lookahead=4), threshold=0.5, refractory=0.1)
    n, seen = 0, []
    for a in range(0, len(y), 220):
        new = tr.process(y[a:a + 220])
        n = min(len(y), a + 220)
        for b in new:
            assert b + tr.latency >= n / SR - 220 / SR - 1e-9   # decided in the block where it became due
            assert b <= n / SR - tr.latency + 1e-9              # and not before
        if seen and len(new):
            assert new[0] > seen[-1]
        seen.extend(new)
    assert tr.latency == pytest.approx((4 + 1) * HOP / SR)
    assert tr.latency_parts["window"] == 0.0


def test_tracker_rejects_bad_arguments():
    with pytest.raises(ValueError, match="22050"):
        OnlineBeatTracker(44100, model=_small_model())
    with pytest.raises(ValueError, match="threshold"):
        OnlineBeatTracker(SR, model=_small_model(), threshold=0.0)
    with pytest.raises(ValueError, match="OnlineBeatModel"):
        OnlineBeatTracker(SR, model=torch.nn.Linear(2, 2))


# ----------------------------------------------------------------------------- the shipped checkpoint


needs_checkpoint = pytest.mark.skipif(not ONLINE_PRETRAINED.exists(), reason="no online checkpoint shipped yet")


@needs_checkpoint
def test_shipped_tracker_on_a_held_out_clip_reproduces_its_recorded_score_and_is_causal():
    tr = OnlineBeatTracker(SR)
    assert tr.latency <= 0.050
    name = tcnlib.list_example_clips("test")[0]
    clip = tcnlib.load_example_clip(name)
    beats = tr.run(clip.y, block=512)                     # streamed in blocks, as live
    f = tcnlib.evaluate_beats(clip.beats, beats)["F-measure"]
    recorded = tr.model.info["test_online_f_per_clip"][0]  # scored offline by the training script
    assert f == pytest.approx(recorded, abs=0.02)
    assert f > 0.5                                          # a ballad, the hardest clip style for it
    cut = 8 * SR + 123
    part = _beats(tr, clip.y[:cut], [441 * k for k in range(1, 400)])
    assert np.allclose(part, beats[beats <= cut / SR - tr.latency + 1e-9])


@needs_checkpoint
@pytest.mark.parametrize("kind", ["silence", "noise"])
def test_shipped_tracker_reports_no_beat_on_silence_or_noise(kind):
    n = 10 * SR
    y = np.zeros(n, np.float32) if kind == "silence" else (0.1 * np.random.default_rng(0).standard_normal(n)).astype(np.float32)
    assert len(OnlineBeatTracker(SR).run(y)) == 0

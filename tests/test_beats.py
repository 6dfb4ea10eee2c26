"""Tests of tcnlib.beats: targets, augmentation, models, decoders, evaluation, the pretrained tracker."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tcnlib
from tcnlib import beats

RATE = beats.frame_rate()


def click_track(bpm: float, seconds: float, sr: int = 22050, offset: float = 0.5) -> tuple:
    """A metronome: short decaying noise bursts at every beat, louder on every 4th."""
    rng = np.random.default_rng(0)
    y = 0.001 * rng.normal(size=int(seconds * sr)).astype(np.float32)
    times = np.arange(offset, seconds - 0.2, 60.0 / bpm)
    burst = (rng.normal(size=int(0.03 * sr)) * np.exp(-np.linspace(0, 8, int(0.03 * sr)))).astype(np.float32)
    for i, t in enumerate(times):
        s = int(t * sr)
        y[s:s + len(burst)] += (0.8 if i % 4 == 0 else 0.4) * burst[: len(y) - s]
    return y, times


# ----------------------------------------------------------------------------- features and targets


def test_frame_rate_is_exact_hop():
    assert beats.frame_rate() == pytest.approx(22050 / 220)
    assert beats.frame_rate(44100, 100) == pytest.approx(100.0)


def test_beat_features_shape_any_rate():
    y = np.random.default_rng(0).normal(size=22050).astype(np.float32) * 0.1
    S = beats.beat_features(y, 22050)
    assert S.shape == (beats.N_MELS, 1 + 22050 // 220) and S.dtype == np.float32
    S2 = beats.beat_features(np.repeat(y, 2), 44100)  # same second at another rate: same frames
    assert S2.shape == S.shape


@pytest.mark.parametrize("y, sr, match", [
    (np.zeros(0), 22050, "y is empty"),
    (np.array([0.0, np.nan, 0.1]), 22050, "y contains NaN or infinite"),
    (np.array([0.0, np.inf]), 22050, "y contains NaN or infinite"),
    (np.zeros((2, 100)), 22050, r"y must be a 1-D \(mono\) waveform"),
    (np.zeros(100), 0, "sr must be a positive integer"),
    (np.zeros(100), 22050.5, "sr must be a positive integer"),
])
def test_beat_features_errors(y, sr, match):
    with pytest.raises(ValueError, match=match):
        beats.beat_features(y, sr)


def test_targets_use_tcnlib_data_and_drop_events_outside():
    times = np.array([10 / RATE, 50 / RATE, 99 / RATE, 500 / RATE])
    t = beats._targets(times, 100, widen=0.5)
    assert t.shape == (100,) and t.dtype == np.float32
    np.testing.assert_array_equal(np.flatnonzero(t == 1.0), [10, 50, 99])
    np.testing.assert_array_equal(np.flatnonzero(t == 0.5), [9, 11, 49, 51, 98])
    # the same as tcnlib.data.beat_targets at 22050 Hz / 100 fps with one frame of widening
    np.testing.assert_array_equal(t, tcnlib.data.beat_targets(times[:3], 100, beats.SR, beats.FPS, widen=1))
    assert beats._targets(np.array([10 / RATE]), 20, widen=0).sum() == 1.0
    with pytest.raises(ValueError, match=r"widen must be in \[0, 1\]"):
        beats._targets(np.array([0.1]), 10, widen=2)


def test_targets_adjacent_beats_keep_their_peak():
    t = beats._targets(np.array([10 / RATE, 11 / RATE]), 20, widen=0.5)
    assert t[10] == 1.0 and t[11] == 1.0 and t[9] == 0.5 and t[12] == 0.5


def test_stretch_features():
    S = np.tile(np.arange(10, dtype=np.float32), (3, 1))
    L = beats.stretch_features(S, 2.0)
    assert L.shape == (3, 20)
    np.testing.assert_allclose(L[0, ::2], np.arange(10))  # original frames kept, midpoints between
    np.testing.assert_allclose(L[0, 1:-1:2], np.arange(9) + 0.5)
    assert beats.stretch_features(S, 0.5).shape == (3, 5)
    with pytest.raises(ValueError, match="factor must be a positive number"):
        beats.stretch_features(S, 0)


def test_augment_features_changes_level_but_keeps_shape():
    S = beats.beat_features(click_track(120, 3)[0], 22050)
    A = beats.augment_features(S, np.random.default_rng(0))
    B = beats.augment_features(S, np.random.default_rng(0))
    assert A.shape == S.shape and A.dtype == np.float32 and np.all(np.isfinite(A)) and A.min() >= 0
    np.testing.assert_array_equal(A, B)
    assert not np.allclose(A, S)
    np.testing.assert_allclose(beats.augment_features(S, np.random.default_rng(1), 0, 0, 0), S, rtol=1e-5, atol=1e-5)


def test_make_beat_batch_shapes_targets_and_reproducibility():
    names = tcnlib.list_example_clips("validation")[:2]
    x, y = beats.make_beat_batch(names, seed=3, batch_size=2, frames=300)
    x2, y2 = beats.make_beat_batch(names, seed=3, batch_size=2, frames=300)
    assert x.shape == (2, beats.N_MELS, 300) and y.shape == (2, 2, 300)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    # downbeats are beats: every downbeat frame is a beat frame
    assert torch.all(y[:, 0][y[:, 1] == 1] == 1)
    assert (y[:, 0] == 1).sum() > 0
    # without augmentation, the first crop's targets are those of the clip at its offset
    xa, ya = beats.make_beat_batch(names[:1], seed=0, batch_size=1, frames=300, augment=False)
    S, b, _, _ = beats.example_features(names[0])
    full = beats._targets(b, S.shape[1])
    start = next(s for s in range(S.shape[1] - 299) if np.array_equal(S[:, s:s + 300], xa[0].numpy()))
    np.testing.assert_array_equal(ya[0, 0].numpy(), full[start:start + 300])
    with pytest.raises(ValueError, match="names must list at least one"):
        beats.make_beat_batch([], 0)


def test_example_features_cached_and_read_only(tmp_path, monkeypatch):
    monkeypatch.setattr(beats, "_FEATURE_CACHE", tcnlib.data.FeatureCache(tmp_path))
    name = tcnlib.list_example_clips("test")[0]
    beats._example_features_cached.cache_clear()
    S, b, d, label = beats.example_features(name)
    assert S.shape[0] == beats.N_MELS and label == tcnlib.STYLES.index(name.rsplit("_", 1)[0])
    assert len(list(tmp_path.glob("*.npy"))) == 1 and beats.feature_cache().misses == 1
    assert not S.flags.writeable
    clip = tcnlib.data.load_example_clip(name, sr=None)
    np.testing.assert_array_equal(S, beats.beat_features(clip.y, clip.sr))  # exactly beat_features
    beats._example_features_cached.cache_clear()
    beats.feature_cache().clear()
    S2, *_ = beats.example_features(name)  # from the disk cache
    np.testing.assert_array_equal(S, S2)
    assert beats.feature_cache().hits == 1
    beats._example_features_cached.cache_clear()


def test_feature_cache_defaults_to_the_course_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setattr(beats, "_FEATURE_CACHE", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert beats.feature_cache().directory == tcnlib.data.default_cache_dir() == tmp_path / "tcn-course" / "features"
    assert beats.feature_cache() is beats.feature_cache()


# ----------------------------------------------------------------------------- models


@pytest.mark.parametrize("kind, kwargs, field", [
    ("tcn", {}, 1 + 2 * 4 * 2047 + 4),
    ("cnn", dict(channels=32, kernel_size=3, n_blocks=4), 1 + 2 * 2 * 4 + 4),
])
def test_beatnet_shapes_and_receptive_field(kind, kwargs, field):
    m = beats.BeatNet(kind, **kwargs).eval()
    assert m(torch.randn(2, beats.N_MELS, 37)).shape == (2, 2, 37)
    assert m.receptive_field == field


def test_beatnet_causal_does_not_see_the_future():
    torch.manual_seed(0)
    m = beats.BeatNet("tcn", n_blocks=4, causal=True).eval()
    x = torch.randn(1, beats.N_MELS, 60)
    x2 = x.clone()
    x2[..., 40:] = torch.randn(1, beats.N_MELS, 20)
    with torch.no_grad():
        a, b = m(x), m(x2)
    torch.testing.assert_close(a[..., :40], b[..., :40])
    assert not torch.allclose(a[..., 40:], b[..., 40:])
    nc = beats.BeatNet("tcn", n_blocks=4, causal=False).eval()
    with torch.no_grad():
        assert not torch.allclose(nc(x)[..., :40], nc(x2)[..., :40])


def test_beatnet_errors():
    with pytest.raises(ValueError, match=r"kind must be one of \['tcn', 'cnn'\]"):
        beats.BeatNet("rnn")
    with pytest.raises(ValueError, match=r"x must have shape \(B, 80, T\)"):
        beats.BeatNet()(torch.randn(1, 40, 10))
    with pytest.raises(ValueError, match="n_mels must be at least 26"):
        beats.BeatNet(n_mels=20)


def test_save_and_load_beat_model(tmp_path):
    m = beats.BeatNet("cnn", channels=8, kernel_size=3, n_blocks=2)
    p = beats.save_beat_model(tmp_path / "m.pt", m, {"note": "test", "score": 0.5})
    ckpt = torch.load(p, weights_only=True)  # plain tensors and containers only
    assert ckpt["config"]["kind"] == "cnn"
    m2 = beats.load_beat_model(p)
    assert not m2.training and m2.info == {"note": "test", "score": 0.5}
    x = torch.randn(1, beats.N_MELS, 30)
    with torch.no_grad():
        torch.testing.assert_close(m.eval()(x), m2(x))
    with pytest.raises(FileNotFoundError, match="no beat-model checkpoint"):
        beats.load_beat_model(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="is not a beat-model checkpoint"):
        beats.load_beat_model(tmp_path / "junk.pt")


def test_beat_activations_range_and_errors():
    m = beats.BeatNet("cnn", channels=8, kernel_size=3, n_blocks=2).train()
    a = beats.beat_activations(m, np.zeros((beats.N_MELS, 25), dtype=np.float32))
    assert a.shape == (2, 25) and np.all((a >= 0) & (a <= 1))
    assert m.training  # restored
    with pytest.raises(ValueError, match=r"S must be a spectrogram of shape \(n_mels, T\)"):
        beats.beat_activations(m, np.zeros(10))


def test_count_parameters():
    assert beats.count_parameters(torch.nn.Linear(3, 2)) == 8


# ----------------------------------------------------------------------------- decoding


def test_pick_peaks():
    a = np.zeros(300)
    a[[20, 25, 100, 200]] = [0.9, 0.6, 0.4, 0.8]
    np.testing.assert_allclose(beats.pick_peaks(a, 0.5, 0.1), np.array([20, 200]) / RATE)
    np.testing.assert_allclose(beats.pick_peaks(a, 0.3, 0.01), np.array([20, 25, 100, 200]) / RATE)
    with pytest.raises(ValueError, match=r"activation must hold finite values in \[0, 1\]"):
        beats.pick_peaks(a * 3)
    with pytest.raises(ValueError, match="activation must be 1-D"):
        beats.pick_peaks(a[None])
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
        beats.pick_peaks(a, threshold=2)
    with pytest.raises(ValueError, match="min_distance must be a positive"):
        beats.pick_peaks(a, min_distance=0)


def test_beat_state_space():
    intervals, ios, pos = beats.beat_state_space(60, 120, rate=100)
    assert intervals[0] == 50 and intervals[-1] == 100
    assert len(ios) == len(pos) == intervals.sum()
    starts = np.flatnonzero(pos == 0)
    np.testing.assert_array_equal(ios[starts], np.arange(len(intervals)))
    np.testing.assert_array_equal(np.diff(np.append(starts, len(pos))), intervals)
    with pytest.raises(ValueError, match="need 0 < min_bpm < max_bpm"):
        beats.beat_state_space(120, 60)


def _activation(times, n, rng=None, noise=0.0):
    a = 0.9 * beats._targets(np.asarray(times), n, widen=0.5) + 0.02
    if rng is not None:
        a = np.clip(a + noise * rng.uniform(size=n), 0, 1)
    return a


@settings(max_examples=8, deadline=None)
@given(bpm=st.floats(70, 190), offset=st.floats(0.0, 0.6), seed=st.integers(0, 100))
def test_decode_beats_recovers_a_steady_tempo(bpm, offset, seed):
    rng = np.random.default_rng(seed)
    times = np.arange(offset, 20.0, 60.0 / bpm)
    est = beats.decode_beats(_activation(times, int(20.5 * RATE), rng=rng, noise=0.15))
    assert beats.evaluate_beats(times, est)["F-measure"] >= 0.95


def test_decode_beats_bridges_missing_beats_and_follows_tempo_change():
    times = np.concatenate([np.arange(0.5, 10, 0.5), 10 + np.arange(0, 10, 0.45)])
    act = _activation(times, 2100)
    gap = (np.arange(2100) > 600) & (np.arange(2100) < 850)
    act[gap] = 0.02  # 2.5 s without any evidence: the HMM keeps the tempo going
    est = beats.decode_beats(act)
    assert beats.evaluate_beats(times, est)["F-measure"] >= 0.95
    peaks = beats.pick_peaks(act)
    assert beats.evaluate_beats(times, peaks)["F-measure"] < beats.evaluate_beats(times, est)["F-measure"]


def test_decode_beats_edge_cases_and_errors():
    assert beats.decode_beats(np.array([0.5])).size == 0
    assert beats.decode_beats(np.zeros(0)).size == 0
    with pytest.raises(ValueError, match="transition_lambda must be positive"):
        beats.decode_beats(np.zeros(10), transition_lambda=0)
    with pytest.raises(ValueError, match="beat_width must be a positive integer"):
        beats.decode_beats(np.zeros(10), beat_width=0)
    with pytest.raises(ValueError, match="beat_width must be shorter than the shortest beat interval"):
        beats.decode_beats(np.zeros(10), beat_width=40)
    with pytest.raises(ValueError, match=r"activation must hold finite values in \[0, 1\]"):
        beats.decode_beats(np.array([0.1, np.nan]))
    with pytest.raises(ValueError, match="tempo_prior must be"):
        beats.decode_beats(np.zeros(10), tempo_prior=(0.0, 0.5))


def test_tempo_prior_breaks_octave_ties_but_not_clear_evidence():
    # strong peaks at 70 BPM with weak ones (0.2) half-way between: the "eighth notes" of a ballad
    strong = np.arange(0.5, 20, 60 / 70)
    weak = strong + 30 / 70
    a = np.clip(0.9 * beats._targets(strong, 2100, widen=0.5)
                + 0.2 * beats._targets(weak, 2100, widen=0.5) + 0.01, 0, 1)
    bpm = lambda est: 60 / np.median(np.diff(est))  # noqa: E731
    assert abs(bpm(beats.decode_beats(a, tempo_prior=None)) - 140) < 3   # every peak is worth a beat
    assert abs(bpm(beats.decode_beats(a)) - 70) < 2                       # the prior prefers 70 BPM
    # equally strong peaks at 140 BPM stay at 140 BPM: the prior only breaks near-ties
    even = np.clip(0.9 * beats._targets(np.sort(np.concatenate([strong, weak])), 2100, widen=0.5) + 0.01, 0, 1)
    assert abs(bpm(beats.decode_beats(even)) - 140) < 3


@pytest.mark.parametrize("meter, phase", [(4, 0), (4, 2), (3, 1)])
def test_decode_downbeats_finds_meter_and_phase(meter, phase):
    b = np.arange(0.5, 20, 0.5)
    down = b[phase::meter]
    act = 0.8 * beats._targets(down, 2100, widen=0.5) + 0.05
    got, m = beats.decode_downbeats(b, act)
    assert m == meter
    np.testing.assert_allclose(got, down)
    assert beats.decode_downbeats(np.zeros(0), act)[0].size == 0
    with pytest.raises(ValueError, match="meters must be a non-empty list of integers >= 2"):
        beats.decode_downbeats(b, act, meters=[1])


# ----------------------------------------------------------------------------- evaluation


def test_evaluate_beats_perfect_shifted_and_double():
    ref = np.arange(0.5, 30, 0.5)
    perfect = beats.evaluate_beats(ref, ref)
    assert perfect == {"F-measure": 1.0, "CMLt": 1.0, "AMLt": 1.0}
    off = beats.evaluate_beats(ref, ref + 0.25)  # off-beat: wrong at every beat, but AMLt allows it
    assert off["F-measure"] == 0.0 and off["CMLt"] == 0.0 and off["AMLt"] > 0.95
    double = beats.evaluate_beats(ref, np.arange(0.5, 30, 0.25))
    assert double["F-measure"] == pytest.approx(2 / 3, rel=0.05)  # precision 1/2, recall 1
    assert double["AMLt"] > 0.95 and double["CMLt"] == 0.0
    assert beats.evaluate_beats(ref, np.zeros(0))["F-measure"] == 0.0


def test_mean_scores():
    assert beats.mean_scores([{"a": 1.0, "b": 0.0}, {"a": 0.5, "b": 1.0}]) == {"a": 0.75, "b": 0.5}
    with pytest.raises(ValueError, match="at least one"):
        beats.mean_scores([])


def test_librosa_beats_on_a_click_track():
    y, times = click_track(120, 12)
    est = beats.librosa_beats(y, 22050)
    assert beats.evaluate_beats(times, est)["AMLt"] > 0.8
    with pytest.raises(ValueError, match="y is empty"):
        beats.librosa_beats(np.zeros(0), 22050)


def test_beat_f_metric_matches_evaluate():
    names = tcnlib.list_example_clips("test")[:1]
    x, y = beats.clip_arrays(names[0])
    logits = torch.where(y > 0.99, 4.0, -4.0)  # a "perfect" model
    assert beats.beat_f_metric(logits, y) == 1.0
    assert beats.beat_f_metric(torch.full_like(y, -6.0), y) < 0.5  # no evidence: beats at random


def test_train_beat_model_runs_and_evaluates():
    names = tcnlib.list_example_clips("train")[:2]
    val = tcnlib.list_example_clips("validation")[:1]
    model, history = beats.train_beat_model("cnn", epochs=1, steps_per_epoch=2, batch_size=2, frames=200,
                                            train_names=names, val_names=val, progress=False,
                                            channels=8, kernel_size=3, n_blocks=2)
    assert len(history) == 1 and "val_beat_f" in history
    assert not model.training
    rows = beats.evaluate_beat_model(model, val)
    assert set(rows[0]) == {"F-measure", "CMLt", "AMLt", "F-measure (peaks)", "downbeat F-measure"}


def test_train_beat_model_device_is_automatic_and_checked():
    names = tcnlib.list_example_clips("train")[:2]
    val = tcnlib.list_example_clips("validation")[:1]
    kw = dict(epochs=1, steps_per_epoch=2, batch_size=2, frames=200, train_names=names, val_names=val,
              progress=False, channels=8, kernel_size=3, n_blocks=2)
    auto, _ = beats.train_beat_model("cnn", **kw)       # None: the GPU when present, else the CPU
    cpu, _ = beats.train_beat_model("cnn", device="cpu", **kw)
    assert next(auto.parameters()).device.type == "cpu"   # returned on the CPU either way
    if not torch.cuda.is_available():
        for a, b in zip(auto.state_dict().values(), cpu.state_dict().values()):
            assert torch.equal(a, b)
    with pytest.raises(ValueError, match=r"device must be None, 'cpu', 'cuda', 'cuda:N' or 'mps', got 'tpu'"):
        beats.train_beat_model("cnn", device="tpu", **kw)


# ----------------------------------------------------------------------------- the pretrained tracker


pretrained = pytest.mark.skipif(not beats.PRETRAINED.exists(), reason="no committed checkpoint yet")


@pretrained
def test_pretrained_checkpoint_is_small_and_weights_only():
    assert beats.PRETRAINED.stat().st_size < 1_000_000
    ckpt = torch.load(beats.PRETRAINED, weights_only=True)
    assert ckpt["config"]["kind"] == "tcn" and not ckpt["config"]["causal"]
    assert "test" in ckpt["info"]


@pretrained
def test_track_beats_on_a_test_clip_and_any_rate():
    clip = tcnlib.load_example_clip(tcnlib.list_example_clips("test", "rock")[0])
    est = tcnlib.track_beats(clip.y, clip.sr)
    assert est.ndim == 1 and np.all(np.diff(est) > 0)
    assert beats.evaluate_beats(clip.beats, est)["F-measure"] >= 0.8
    y16 = tcnlib.resample(clip.y, clip.sr, 16000)
    est16 = tcnlib.track_beats(y16, 16000)
    assert beats.evaluate_beats(clip.beats, est16)["F-measure"] >= 0.8
    down = tcnlib.track_downbeats(clip.y, clip.sr)
    assert len(down) >= 1 and np.all(np.isin(np.round(down, 6), np.round(est, 6)))


@pretrained
def test_track_beats_short_and_silent_audio():
    assert tcnlib.track_beats(np.zeros(100, dtype=np.float32), 22050).size == 0
    assert tcnlib.track_beats(np.zeros(22050 * 3, dtype=np.float32), 22050).ndim == 1


@pytest.mark.parametrize("fn", [tcnlib.track_beats, tcnlib.track_downbeats] if hasattr(tcnlib, "track_beats") else [])
def test_track_beats_errors(fn):
    with pytest.raises(ValueError, match="y is empty"):
        fn(np.zeros(0), 22050)
    with pytest.raises(ValueError, match="y contains NaN or infinite"):
        fn(np.array([0.0, np.nan] * 100), 22050)
    with pytest.raises(ValueError, match="sr must be a positive integer"):
        fn(np.zeros(1000), -1)

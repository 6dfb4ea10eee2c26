"""tcnlib.features: the beat models' input (one function), the feature cache, augmentation."""
import numpy as np
import pytest

import tcnlib
from tcnlib import data, features
from tcnlib.audio import hop_length, log_mel_spectrogram

RATE = features.frame_rate()


def _clip(name: str = "c", seconds: float = 3.0, sr: int = 8000, bpm: float = 120.0, meter: int = 4) -> data.Clip:
    """A click track with beats every 60/bpm s starting at 0.25 s."""
    n = int(seconds * sr)
    beats = np.arange(0.25, seconds, 60.0 / bpm)
    y = np.zeros(n, np.float32)
    for k, b in enumerate(beats):
        s = int(round(b * sr))
        y[s:s + 80] += (1.0 if k % meter == 0 else 0.5) * np.hanning(80)[: len(y[s:s + 80])]
    return data.Clip(name=name, y=y, sr=sr, beats=beats, beat_in_bar=np.arange(len(beats)) % meter + 1, style="rock")


# ----------------------------------------------------------------------------- beat_features


def test_frame_rate_is_exact_hop():
    assert features.frame_rate() == pytest.approx(22050 / 220)
    assert features.frame_rate(44100, 100) == pytest.approx(100.0)
    from tcnlib.beat_decode import RATE as DECODER_RATE

    assert DECODER_RATE == features.frame_rate()  # the decoders' default is the features' rate


def test_beat_features_shape_any_rate():
    y = np.random.default_rng(0).normal(size=22050).astype(np.float32) * 0.1
    S = features.beat_features(y, 22050)
    assert S.shape == (features.N_MELS, 1 + 22050 // 220) and S.dtype == np.float32
    S2 = features.beat_features(np.repeat(y, 2), 44100)  # same second at another rate: same frames
    assert S2.shape == S.shape


@pytest.mark.parametrize("y, sr, match", [
    (np.zeros(0), 22050, "y is empty"),
    (np.array([0.0, np.nan, 0.1]), 22050, "y contains NaN or infinite"),
    (np.array([0.0, np.inf]), 22050, "y contains NaN or infinite"),
    (np.zeros((2, 100)), 22050, r"y must be a 1-D \(mono\) waveform"),
    (np.zeros(100), 0, "sr must be a positive integer"),
    (np.zeros(100), 22050.5, "sr must be a positive integer"),
    (np.zeros(100), True, "sr must be a positive integer"),
    (np.zeros(100), 100, r"from 4000 to 384000, got 100; a frame rate .* is not a sample rate"),
])
def test_beat_features_errors(y, sr, match):
    with pytest.raises(ValueError, match=match):
        features.beat_features(y, sr)


def test_beat_features_with_a_cache_is_the_same_array_read_only(tmp_path):
    c = _clip(sr=22050)
    cache = features.FeatureCache(tmp_path)
    S = features.beat_features(c.y, c.sr, cache=cache)
    np.testing.assert_array_equal(S, features.beat_features(c.y, c.sr))
    assert features.beat_features(c.y, c.sr, cache=cache) is S and (cache.hits, cache.misses) == (1, 1)
    assert not S.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        S -= S.mean()  # an in-place change cannot poison what the next epoch reads


# ----------------------------------------------------------------------------- clip_features


def test_clip_features_of_an_example_name_and_of_a_clip_agree(tmp_path, monkeypatch):
    monkeypatch.setattr(features, "_FEATURE_CACHE", features.FeatureCache(tmp_path))
    name = tcnlib.list_example_clips("test")[0]
    S, b, d = features.clip_features(name)
    assert features.feature_cache().misses == 1 and len(list(tmp_path.glob("*.npy"))) == 1
    clip = data.load_example_clip(name, sr=None)
    np.testing.assert_array_equal(S, features.beat_features(clip.y, clip.sr))  # exactly beat_features
    np.testing.assert_array_equal(b, clip.beats)
    np.testing.assert_array_equal(d, clip.downbeats)
    S2, b2, d2 = features.clip_features(clip)  # the same clip as a Clip object (your own data)
    np.testing.assert_array_equal(S, S2)
    features.feature_cache().clear()
    S3, *_ = features.clip_features(name)  # from the disk cache, without decoding the audio
    np.testing.assert_array_equal(S, S3)
    for arr in (S, b, d, S2, b2, d2):
        assert not arr.flags.writeable
    with pytest.raises(ValueError, match=r"clip must be a tcnlib.Clip or an example clip's name"):
        features.clip_features(3)
    with pytest.raises(ValueError, match="name must be an example clip"):
        features.clip_features("rock_99")


def test_example_features_returns_the_label():
    name = tcnlib.list_example_clips("validation", "waltz")[0]
    S, b, d, label = features.example_features(name)
    assert S.shape[0] == features.N_MELS and label == tcnlib.STYLES.index("waltz")
    assert len(d) > 0 and np.all(np.isin(d, b))


def test_feature_cache_defaults_to_the_course_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setattr(features, "_FEATURE_CACHE", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert features.feature_cache().directory == features.default_cache_dir() == tmp_path / "tcn-course" / "features"
    assert features.feature_cache() is features.feature_cache()
    assert not features.default_cache_dir().exists()


# ----------------------------------------------------------------------------- FeatureCache


def test_feature_cache_memory_and_disk(tmp_path):
    c = _clip()
    cache = features.FeatureCache(tmp_path / "cache")
    S = cache.features(c.y, c.sr, fps=100, n_mels=20, fmin=30, n_fft=256)
    np.testing.assert_array_equal(S, log_mel_spectrogram(c.y, c.sr, fps=100, n_mels=20, n_fft=256))
    assert (cache.hits, cache.misses) == (0, 1)
    assert cache.features(c.y, c.sr, fps=100, n_mels=20, n_fft=256) is S
    assert (cache.hits, cache.misses) == (1, 1)
    cache.features(c.y, c.sr, fps=50, n_mels=20, n_fft=256)  # other parameters: computed
    cache.features(c.y * 0.5, c.sr, fps=100, n_mels=20, n_fft=256)  # other audio: computed
    assert cache.misses == 3 and len(cache) == 3
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 3
    assert not list((tmp_path / "cache").glob("*.tmp"))
    fresh = features.FeatureCache(tmp_path / "cache")  # a new session reads the files
    np.testing.assert_array_equal(fresh.features(c.y, c.sr, fps=100, n_mels=20, n_fft=256), S)
    assert (fresh.hits, fresh.misses) == (1, 0)
    fresh.clear()
    assert len(fresh) == 0 and "FeatureCache(0 in memory" in repr(fresh)


@pytest.mark.parametrize("bad", ["bytes", "shape", "frames", "dtype", "nan", "pickle"])
def test_feature_cache_recomputes_damaged_or_foreign_files(tmp_path, bad):
    c = _clip()
    kw = dict(fps=100, n_mels=20, n_fft=256)
    S = features.FeatureCache(tmp_path).features(c.y, c.sr, **kw)
    (f,) = tmp_path.glob("*.npy")
    if bad == "bytes":
        f.write_bytes(b"broken")
    elif bad == "pickle":
        np.save(f, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    else:
        wrong = {"shape": np.zeros((7, S.shape[1]), np.float32), "frames": np.zeros((20, 3), np.float32),
                 "dtype": S.astype(np.float64), "nan": np.where(S > S.mean(), np.nan, S).astype(np.float32)}[bad]
        np.save(f, wrong)
    fresh = features.FeatureCache(tmp_path)
    again = fresh.features(c.y, c.sr, **kw)
    np.testing.assert_array_equal(again, S)
    assert fresh.misses == 1
    np.testing.assert_array_equal(np.load(f), S)  # the file was repaired


def test_feature_cache_rejects_bad_n_mels():
    with pytest.raises(ValueError, match="n_mels must be a positive integer, got 0"):
        features.FeatureCache().features(np.zeros(100, np.float32), 8000, n_mels=0)


# ----------------------------------------------------------------------------- augmentation


def test_stretch_features():
    S = np.tile(np.arange(10, dtype=np.float32), (3, 1))
    L = features.stretch_features(S, 2.0)
    assert L.shape == (3, 20)
    np.testing.assert_allclose(L[0, ::2], np.arange(10))  # original frames kept, midpoints between
    np.testing.assert_allclose(L[0, 1:-1:2], np.arange(9) + 0.5)
    assert features.stretch_features(S, 0.5).shape == (3, 5)
    with pytest.raises(ValueError, match="factor must be a positive number"):
        features.stretch_features(S, 0)


def test_augment_features_changes_level_but_keeps_shape():
    S = features.beat_features(_clip(sr=22050).y, 22050)
    A = features.augment_features(S, np.random.default_rng(0))
    B = features.augment_features(S, np.random.default_rng(0))
    assert A.shape == S.shape and A.dtype == np.float32 and np.all(np.isfinite(A)) and A.min() >= 0
    np.testing.assert_array_equal(A, B)
    assert not np.allclose(A, S)
    np.testing.assert_allclose(features.augment_features(S, np.random.default_rng(1), 0, 0, 0), S, rtol=1e-5, atol=1e-5)


def test_hop_matches_the_frame_count():
    c = _clip(sr=22050)
    assert features.beat_features(c.y, 22050).shape[1] == 1 + len(c.y) // hop_length(22050, features.FPS)


@pytest.mark.parametrize("call, match", [
    (lambda: features.augment_features(np.zeros(10), np.random.default_rng(0)), r"S must be a spectrogram of shape \(F, T\)"),
    (lambda: features.augment_features(np.zeros((4, 10)), None), r"rng must be a numpy.random.Generator"),
    (lambda: features.augment_features(np.zeros((4, 10)), np.random.default_rng(0), gain_db=-1), r"gain_db must be >= 0"),
])
def test_augment_features_rejects_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_feature_cache_directory_must_be_a_folder(tmp_path):
    f = tmp_path / "tone.wav"
    f.write_bytes(b"x")
    with pytest.raises(ValueError, match=r"directory must be a folder .*tone.wav.* is a file"):
        features.FeatureCache(f)

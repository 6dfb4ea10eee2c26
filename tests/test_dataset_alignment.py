"""The example music set: its annotations line up with the audio, and it regenerates bit for bit."""
from __future__ import annotations

import io
import subprocess

import numpy as np
import pytest
import soundfile as sf

from tcnlib import data, synth

from conftest import skip_or_fail

HOP = 220  # 10 ms at 22050 Hz


def _onset_envelope(y: np.ndarray, sr: int) -> np.ndarray:
    import librosa

    return librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP)


def beat_contrast(env: np.ndarray, beats: np.ndarray, sr: int, tol: float = 0.05) -> float:
    """Mean onset strength at the beats over its mean between the beats.

    "At a beat" is the maximum over frames -20 ms to +40 ms around it: the onset strength of a
    note peaks 10-40 ms after the note starts (fluidsynth starts a note 4-6 ms after its MIDI
    time, soft attacks rise slowly, and spectral flux lags by a frame); "between" are the frames
    more than ``tol`` seconds from every beat.
    """
    times = np.arange(len(env)) * HOP / sr
    frames = np.round(beats * sr / HOP).astype(int)
    at = np.array([env[max(0, f - 2):f + 5].max() for f in frames if f < len(env)])
    far = np.min(np.abs(times[:, None] - beats[None, :]), axis=1) > tol
    return float(at.mean() / env[far].mean())


@pytest.mark.parametrize("name", data.list_example_clips())
def test_onsets_line_up_with_the_beats(name):
    """Onset strength at the annotated beats is clearly above its level between beats, and
    above what the same test gives for the annotation shifted by a quarter beat."""
    clip = data.load_example_clip(name)
    env = _onset_envelope(clip.y, clip.sr)
    true = beat_contrast(env, clip.beats, clip.sr)
    assert true >= 1.5, f"{name}: onset strength at beats is only {true:.2f}x its level between beats"
    quarter = 0.25 * np.median(np.diff(clip.beats))
    for shift in (-quarter, quarter):
        moved = clip.beats + shift
        moved = moved[(moved >= 0) & (moved < clip.duration)]
        other = beat_contrast(env, moved, clip.sr)
        assert true > other, f"{name}: beats shifted by {shift * 1000:.0f} ms fit the onsets better"


def test_contrast_detects_misaligned_annotations():
    """The alignment test can fail: annotations off by a third of a beat score well below 1.5."""
    clip = data.load_example_clip("rock_00")
    env = _onset_envelope(clip.y, clip.sr)
    ibi = np.median(np.diff(clip.beats))
    wrong = clip.beats[:-1] + ibi / 3
    assert beat_contrast(env, wrong, clip.sr) < 1.5 <= beat_contrast(env, clip.beats, clip.sr)


def test_downbeats_are_every_meter_beats():
    for r in data.example_index():
        _, bib = data.read_beats(data.example_dir() / f"{r['name']}.beats")
        assert bib.max() == r["meter"]
        np.testing.assert_array_equal(np.diff(bib) % r["meter"], np.ones(len(bib) - 1) % r["meter"])


def _fluidsynth_version() -> str:
    out = subprocess.run([synth.fluidsynth_path() or "fluidsynth", "--version"], capture_output=True, text=True)
    return out.stdout.splitlines()[0] if out.stdout else "unknown"


@pytest.mark.slow
def test_regenerates_bit_for_bit(tmp_path):
    """Re-render clips of both meters, with a break and swing: same bytes and samples as committed."""
    if synth.fluidsynth_path() is None:
        skip_or_fail("the fluidsynth program is not installed; it is only needed to regenerate the set")
    names = ["rock_00", "waltz_03", "swing_01"]
    rows = synth.generate_example_set(tmp_path, only=names)
    assert [r["name"] for r in rows] == names
    committed = data.example_dir()
    for n in names:
        new = (tmp_path / f"{n}.ogg").read_bytes()
        old = (committed / f"{n}.ogg").read_bytes()
        a, sr_a = sf.read(io.BytesIO(new), dtype="float32")
        b, sr_b = sf.read(io.BytesIO(old), dtype="float32")
        assert sr_a == sr_b == synth.SAMPLE_RATE
        assert a.shape == b.shape, f"{n}: {a.shape} samples rendered, {b.shape} committed"
        assert np.array_equal(a, b), (
            f"{n}: re-rendered samples differ from the committed ones (max |diff| "
            f"{np.max(np.abs(a - b)):.2e}) with {_fluidsynth_version()} and libsndfile "
            f"{sf.__libsndfile_version__}; the set was made with FluidSynth 2.3.1 and libsndfile 1.2.2")
        assert new == old, f"{n}: same samples but different bytes (Ogg serial or encoder version?)"
        assert (tmp_path / f"{n}.beats").read_text() == (committed / f"{n}.beats").read_text()


def test_ogg_serial_fix_is_deterministic_and_valid():
    y = (0.1 * np.sin(np.arange(22050) * 0.05)).astype(np.float32)
    a = synth.encode_ogg(y, 22050, serial=7)
    b = synth.encode_ogg(y, 22050, serial=7)
    assert a == b
    assert synth.encode_ogg(y, 22050, serial=8) != a
    back, sr = sf.read(io.BytesIO(a), dtype="float32")  # checksums valid: libvorbis reads it
    assert sr == 22050 and back.shape == y.shape
    with pytest.raises(ValueError, match="not an Ogg page at byte 0"):
        synth.fix_ogg_serial(b"RIFF1234", 1)


def test_plan_clip_rejects_unknown_styles():
    with pytest.raises(ValueError, match=r"style must be one of \['rock', .*got 'polka'"):
        synth.plan_clip("x", "polka", 0, 0)
    with pytest.raises(ValueError, match="n_per_style must be at least 3"):
        synth.example_set_plans(n_per_style=2)
    with pytest.raises(ValueError, match=r"only must name clips of the set such as 'rock_00', got unknown \['rock_99'\]"):
        synth.generate_example_set("/nonexistent/never-created", only=["rock_00", "rock_99"])


def test_position_to_time_swing():
    grid = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(synth.position_to_time(np.array([0, 0.5, 1.0, 1.25]), grid, 0.5),
                               [0, 0.5, 1.0, 1.25])
    np.testing.assert_allclose(synth.position_to_time(np.array([0.5, 1.5, 1.75]), grid, 2 / 3),
                               [2 / 3, 1 + 2 / 3, 1 + 2 / 3 + 1 / 6])

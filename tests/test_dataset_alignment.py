"""The example music set: its annotations line up with the audio (the generator's own tests: test_synth.py)."""
from __future__ import annotations

import numpy as np
import pytest

from tcnlib import data

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

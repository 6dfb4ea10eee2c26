"""The varied training generator (assets/varied_music.py): annotations, coverage, determinism.

Fast: plans and performances are drawn without audio; only a few short clips are rendered.
"""
from __future__ import annotations

import collections
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "assets"), str(ROOT)]

import varied_music as vm  # noqa: E402

import tcnlib  # noqa: E402

FONTS = [Path(p) for p in vm.SOUNDFONT_CANDIDATES if Path(p).is_file()]
needs_render = pytest.mark.skipif(not FONTS or vm.synth.fluidsynth_path() is None,
                                  reason="needs the fluidsynth program and a General MIDI soundfont")
FAKE_FONT = [Path("/nonexistent/font.sf2")]  # plans only: nothing is rendered with it


def _plans(n: int, seed: int = 1):
    return [vm.plan_varied(seed, i, 30.0, FAKE_FONT) for i in range(n)]


def test_plans_cover_meters_tempi_textures_and_drumless_music():
    plans = _plans(1500)
    assert {p.meter for p in plans} == set(vm.METERS)
    assert {p.texture for p in plans} == set(vm.TEXTURES)
    assert {p.tempo_curve for p in plans} == {"steady", "drift", "accelerando", "ritardando", "sudden"}
    bpm = np.array([p.bpm for p in plans])
    assert 40 <= bpm.min() <= 45 and 200 <= bpm.max() <= 240
    assert 80 <= np.median(bpm) <= 110
    drumless = np.mean([p.texture in vm.DRUMLESS for p in plans])
    assert 0.4 <= drumless <= 0.6
    assert np.mean([p.swing > 0.5 for p in plans]) > 0.1
    assert np.mean([p.rubato > 0.03 for p in plans if p.texture in vm.DRUMLESS]) > 0.5
    prod = collections.Counter(k for p in plans for k, v in p.production.items() if v and np.isfinite(v))
    for k in ("reverb_rt60", "compress", "comb_ms", "noise_snr_db", "lowpass_hz", "highpass_hz", "codec", "level_changes"):
        assert prod[k] > 100, k


def test_same_seed_same_clip_other_seed_other_clip():
    a, b = vm.plan_varied(5, 3, 20.0, FAKE_FONT), vm.plan_varied(5, 3, 20.0, FAKE_FONT)
    assert a == b
    assert vm.plan_varied(6, 3, 20.0, FAKE_FONT) != a
    _, t0a, beats_a, bib_a, on_a = vm.annotate_varied(a)
    _, t0b, beats_b, bib_b, on_b = vm.annotate_varied(b)
    assert t0a == t0b and np.array_equal(beats_a, beats_b) and np.array_equal(bib_a, bib_b)
    assert np.array_equal(on_a, on_b)


@pytest.mark.parametrize("meter", list(vm.METERS))
def test_beats_follow_the_meter_and_stay_in_the_clip(meter):
    plans = [p for p in _plans(600) if p.meter == meter][:5]
    for p in plans:
        _, _, beats, bib, _ = vm.annotate_varied(p)
        n_beats = len(vm.METERS[meter])
        assert beats[0] >= 0 and beats[-1] < p.duration and np.all(np.diff(beats) > 0)
        assert set(bib) == set(range(1, n_beats + 1))
        assert np.all(np.diff(bib)[np.diff(bib) != 1] == 1 - n_beats)   # 1, 2, .., n, 1, 2, ..
        ibi = np.diff(beats)
        assert ibi.min() > 60 / 240 * 0.5 and ibi.max() < 60 / 40 * 4   # fermatas hold, never stop
    if meter == "7/8":   # two short beats and a long one: 2 + 2 + 3 eighths
        p = next(q for q in _plans(600) if q.meter == "7/8" and q.tempo_curve == "steady" and q.rubato < 0.03
                 and q.fermata_prob == 0)
        _, _, beats, bib, _ = vm.annotate_varied(p)
        ibi = np.diff(beats)
        long_ = ibi[bib[:-1] == 3]
        short = ibi[bib[:-1] == 1]
        assert np.median(long_) / np.median(short) == pytest.approx(1.5, rel=0.1)


def test_annotated_beats_match_the_performed_note_onsets():
    """Band textures have a note at every beat: the annotation is where the performers played it."""
    checked = 0
    for p in _plans(200):
        if p.texture not in ("band_full", "chamber"):
            continue
        _, _, beats, _, onsets = vm.annotate_varied(p)
        d = np.abs(onsets[None, :] - beats[:, None]).min(axis=1)
        tol = 0.045 + 2.5 * p.onset_jitter_ms / 1000 + max(abs(v) for v in p.part_offsets_ms.values()) / 1000
        assert np.mean(d <= tol) >= 0.9, (p.name, np.mean(d <= tol))
        assert np.median(d) < 0.03
        checked += 1
    assert checked >= 10


def test_performed_timing_is_expressive_where_planned():
    steady = [p for p in _plans(300) if p.tempo_curve == "steady" and p.rubato < 0.01 and p.fermata_prob == 0]
    rubato = [p for p in _plans(300) if p.rubato > 0.08]
    cv = lambda p: np.std(np.diff(vm.annotate_varied(p)[2])) / np.mean(np.diff(vm.annotate_varied(p)[2]))  # noqa: E731
    assert max(cv(p) for p in steady[:5] if max(vm.METERS[p.meter]) == 2 and p.meter != "7/8") < 0.03
    assert np.median([cv(p) for p in rubato[:5]]) > 0.05


def test_missing_soundfonts_are_skipped_and_none_is_a_clear_error(tmp_path):
    real = tmp_path / "font.sf2"
    real.write_bytes(b"x")
    assert vm.available_soundfonts([str(tmp_path / "missing.sf2"), str(real)]) == [real]
    with pytest.raises(FileNotFoundError, match="apt-get install"):
        vm.available_soundfonts([str(tmp_path / "missing.sf2")])
    plan = vm.plan_varied(1, 0, 5.0, [tmp_path / "gone.sf2"])
    with pytest.raises(FileNotFoundError, match="soundfont is missing"):
        vm.render_varied(plan)


def test_production_changes_the_sound_not_the_length():
    rng = np.random.default_rng(0)
    y = rng.standard_normal(22050 * 3).astype(np.float32) * 0.1
    for p in _plans(20):
        z = vm.produce(y, 22050, p.production, np.random.default_rng(1))
        assert z.shape == y.shape and z.dtype == np.float32 and np.all(np.isfinite(z))
        assert 0.0 < np.abs(z).max() <= 0.99


@needs_render
def test_rendered_clips_have_onsets_on_the_annotated_beats_and_reproduce(tmp_path):
    import librosa

    plan = next(p for p in (vm.plan_varied(1, i, 8.0, FONTS) for i in range(200)) if p.texture == "band_full")
    clip = vm.render_varied(plan, produce_audio=False)
    assert clip.y.shape == (8 * 22050,)
    env = librosa.onset.onset_strength(y=clip.y, sr=22050, hop_length=220)
    frames = np.round(clip.beats * 22050 / 220).astype(int)
    near = np.array([env[max(0, f - 3):f + 4].max() for f in frames if f + 4 < len(env)])
    assert np.median(near) > 2 * np.median(env)              # the beats sit on onsets
    again = vm.render_varied(plan, produce_audio=False)
    assert np.array_equal(clip.y, again.y) and np.array_equal(clip.beats, again.beats)
    rows = vm.generate_varied_set(tmp_path, 2, seed=4, duration=6.0, progress=False, soundfonts=FONTS[:1])
    assert [r["name"] for r in rows] == ["varied_4_0000", "varied_4_0001"]
    clips = tcnlib.load_beat_dataset(tmp_path)
    assert len(clips) == 2 and all(len(c.beats) >= 2 for c in clips)
    assert (tmp_path / "index.csv").read_text().count("\n") == 3

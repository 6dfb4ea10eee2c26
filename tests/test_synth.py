"""The example-set generator, assets/synth.py: it reproduces the committed set (annotations always,
audio bit for bit where fluidsynth is installed) from tcnlib.data's styles and .beats writer."""
from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tcnlib import data

from conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[1]


def _load_synth():
    spec = importlib.util.spec_from_file_location("course_synth", ROOT / "assets" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["course_synth"] = module
    spec.loader.exec_module(module)
    return module


synth = _load_synth()


def test_the_generator_is_not_part_of_tcnlib():
    assert not (ROOT / "tcnlib" / "synth.py").exists()
    assert (ROOT / "assets" / "make_dataset.py").read_text().count("import synth") == 1


def test_example_index_matches_the_generator_and_the_files():
    rows = data.example_index()
    plans = synth.example_set_plans()
    assert [r["name"] for r in rows] == [p.name for p, _ in plans]
    assert [r["split"] for r in rows] == [s for _, s in plans]
    assert synth.STYLES is data.STYLES  # one list of styles: tcnlib.data's
    d = data.example_dir()
    for r, (plan, _) in zip(rows, plans):
        assert r["style"] == plan.style and r["meter"] == plan.meter and r["seed"] == plan.seed
        assert 60 <= r["bpm_start"] <= 200 and 60 <= r["bpm_end"] <= 200
        assert (d / f"{r['name']}.ogg").exists() and (d / f"{r['name']}.beats").exists()
    assert {r["meter"] for r in rows} == {3, 4}
    assert {r["tempo_curve"] for r in rows} == {"steady", "gradual", "sudden"}
    assert any(r["swing"] > 0.55 for r in rows) and any(r["swing"] == 0.5 for r in rows)
    assert sum(bool(r["breaks"]) for r in rows) >= 20
    assert min(min(r["bpm_start"], r["bpm_end"]) for r in rows) < 70
    assert max(max(r["bpm_start"], r["bpm_end"]) for r in rows) > 180


def test_annotations_regenerate_without_a_synthesizer(tmp_path):
    """Every .beats file is exactly what the generator's beat grid gives (no fluidsynth needed)."""
    d = data.example_dir()
    rows = {r["name"]: r for r in data.example_index()}
    for plan, split in synth.example_set_plans():
        _, _, times, pos, info = synth.annotate_clip(plan)
        written = data.write_beats(tmp_path / f"{plan.name}.beats", times, pos)  # tcnlib's writer
        assert (d / f"{plan.name}.beats").read_text() == written.read_text(), plan.name
        for k in ("bpm_start", "bpm_end", "breaks", "instruments", "key", "tempo_curve"):
            assert str(rows[plan.name][k]) == str(info[k]), (plan.name, k)


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

"""tcnlib.data: .beats files, the example set, where the assets are, user datasets, frame targets."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tcnlib
from tcnlib import data
from tcnlib.audio import hop_length, log_mel_spectrogram, save_audio


# ----------------------------------------------------------------------------- helpers


def _clip(name: str = "c", seconds: float = 3.0, sr: int = 8000, bpm: float = 120.0, meter: int = 4,
          style: str = "rock") -> data.Clip:
    """A click track with beats every 60/bpm s starting at 0.25 s."""
    n = int(seconds * sr)
    beats = np.arange(0.25, seconds, 60.0 / bpm)
    y = np.zeros(n, np.float32)
    for k, b in enumerate(beats):
        s = int(round(b * sr))
        y[s:s + 80] += (1.0 if k % meter == 0 else 0.5) * np.hanning(80)[: len(y[s:s + 80])]
    return data.Clip(name=name, y=y, sr=sr, beats=beats, beat_in_bar=np.arange(len(beats)) % meter + 1,
                     style=style)


def _write(tmp_path, text: str, name: str = "a.beats"):
    p = tmp_path / name
    p.write_text(text)
    return p


# ----------------------------------------------------------------------------- .beats files


def test_read_beats_with_and_without_positions(tmp_path):
    t, b = data.read_beats(_write(tmp_path, "# comment\n0.5 1\n\n1.0\t2\n1.5 3.0\n"))
    np.testing.assert_allclose(t, [0.5, 1.0, 1.5])
    assert b.tolist() == [1, 2, 3] and b.dtype.kind == "i"
    t, b = data.read_beats(_write(tmp_path, "0.25\n0.75\n"))
    np.testing.assert_allclose(t, [0.25, 0.75])
    assert b is None


@pytest.mark.parametrize("text, match", [
    ("0.5 1\n1.0 2 x\n", r"a\.beats, line 2: expected 'time \[beat-in-bar\]', got 3 fields"),
    ("0.5 1\nabc 2\n", r"line 2: the time must be a number of seconds, got 'abc'"),
    ("-0.5 1\n", r"line 1: the time must be a finite number >= 0 seconds, got '-0.5'"),
    ("nan 1\n", r"line 1: the time must be a finite number >= 0"),
    ("0.5 1\n0.5 2\n", r"line 2: times must increase, but 0.5 follows 0.5"),
    ("0.5 1\n0.4 2\n", r"line 2: times must increase"),
    ("0.5 0\n", r"line 1: beat-in-bar must be a positive integer \(1 = downbeat\), got '0'"),
    ("0.5 1.5\n", r"line 1: beat-in-bar must be a positive integer"),
    ("0.5 one\n", r"line 1: beat-in-bar must be a positive integer"),
    ("0.5 1\n1.0\n", r"line 2: every line must have the same fields"),
    ("0.5\n1.0 2\n", r"line 2: every line must have the same fields"),
    ("\n# nothing\n", r"a\.beats: the annotation holds no beats"),
])
def test_read_beats_rejects_malformed_lines(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        data.read_beats(_write(tmp_path, text))


def test_read_beats_rejects_beats_outside_the_audio(tmp_path):
    p = _write(tmp_path, "0.5 1\n1.0 2\n2.5 3\n")
    with pytest.raises(ValueError, match=r"a\.beats, line 3: beat at 2\.500 s lies outside the audio, "
                                         r"which is 2\.000 s long"):
        data.read_beats(p, duration=2.0)
    assert len(data.read_beats(p, duration=2.6)[0]) == 3


def test_read_beats_missing_or_binary_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="annotation file not found"):
        data.read_beats(tmp_path / "nope.beats")
    p = tmp_path / "bin.beats"
    p.write_bytes(b"\x81\x82\x00\xff")
    with pytest.raises(ValueError, match=r"bin\.beats: not a text file"):
        data.read_beats(p)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.001, 2.0), min_size=1, max_size=40), st.integers(2, 7), st.booleans())
def test_write_read_beats_roundtrip(tmp_path_factory, gaps, meter, with_pos):
    times = np.cumsum(gaps)
    pos = np.arange(len(times)) % meter + 1 if with_pos else None
    p = data.write_beats(tmp_path_factory.mktemp("b") / "x.beats", times, pos)
    t, b = data.read_beats(p)
    np.testing.assert_allclose(t, times, atol=1e-6)
    assert (b is None) == (pos is None)
    if pos is not None:
        assert b.tolist() == pos.tolist()


def test_write_beats_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="times must be a 1-D sequence of increasing"):
        data.write_beats(tmp_path / "x.beats", [1.0, 0.5])
    with pytest.raises(ValueError, match="times must be a 1-D sequence of increasing"):
        data.write_beats(tmp_path / "x.beats", [-1.0, 0.5])
    with pytest.raises(ValueError, match=r"beat_in_bar must have one entry per beat \(2\)"):
        data.write_beats(tmp_path / "x.beats", [0.5, 1.0], [1])
    with pytest.raises(ValueError, match="beat_in_bar must hold positive integers"):
        data.write_beats(tmp_path / "x.beats", [0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match="beat_in_bar must hold positive integers"):
        data.write_beats(tmp_path / "x.beats", [0.5, 1.0], [True, 1])


def test_write_beats_writes_only_what_read_beats_reads(tmp_path):
    with pytest.raises(ValueError, match="times must hold at least one beat: read_beats rejects"):
        data.write_beats(tmp_path / "x.beats", [])
    with pytest.raises(ValueError, match=r"times must be at least 1 microsecond apart .* beats 0 and 1"):
        data.write_beats(tmp_path / "x.beats", [1.0, 1.0000001])
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file
    p = data.write_beats(tmp_path / "x.beats", [1.0, 1.000001], np.array([1, 2], dtype=np.int64))
    assert data.read_beats(p)[0].tolist() == [1.0, 1.000001]


def test_write_beats_is_atomic(tmp_path, monkeypatch):
    """A failed write leaves the old annotation whole and no temporary file behind."""
    p = data.write_beats(tmp_path / "x.beats", [0.5, 1.0], [1, 2])
    old = p.read_text()

    def fail(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", fail)
    with pytest.raises(OSError, match="no space left on device while writing"):
        data.write_beats(p, [0.25, 0.75, 1.25], [1, 2, 3])
    assert p.read_text() == old
    assert [f.name for f in tmp_path.iterdir()] == ["x.beats"]


def test_read_beats_accepts_windows_notepad_files(tmp_path):
    p = tmp_path / "win.beats"
    p.write_bytes("\ufeff0.500 1\r\n1.000 2\r\n\r\n".encode("utf-8"))  # UTF-8 BOM and CRLF
    t, b = data.read_beats(p)
    assert t.tolist() == [0.5, 1.0] and b.tolist() == [1, 2]


# ----------------------------------------------------------------------------- the example set


def test_splits_are_disjoint_fixed_and_stratified():
    splits = {s: set(data.list_example_clips(split=s)) for s in data.SPLITS}
    assert not (splits["train"] & splits["validation"])
    assert not (splits["train"] & splits["test"])
    assert not (splits["validation"] & splits["test"])
    assert set().union(*splits.values()) == set(data.list_example_clips())
    assert [len(splits[s]) for s in data.SPLITS] == [96, 24, 24]
    for s in data.SPLITS:
        assert {n.rsplit("_", 1)[0] for n in splits[s]} == set(data.STYLES)
    with open(data.example_dir() / "index.csv", newline="") as f:
        names = [r["name"] for r in csv.DictReader(f)]
    assert len(names) == len(set(names))


def test_list_example_clips_filters_and_rejects():
    funk = data.list_example_clips(style="funk")
    assert len(funk) == 18 and all(n.startswith("funk_") for n in funk)
    assert funk == sorted(funk)
    assert set(data.list_example_clips("test", "waltz")) <= set(data.list_example_clips(style="waltz"))
    with pytest.raises(ValueError, match=r"split must be one of \['train', 'validation', 'test'\] or None, got 'valid'"):
        data.list_example_clips(split="valid")
    with pytest.raises(ValueError, match=r"style must be one of \['rock', .*got 'jazz'"):
        data.list_example_clips(style="jazz")


def test_load_example_clip():
    name = data.list_example_clips(split="test", style="waltz")[0]
    c = tcnlib.load_example_clip(name)
    assert isinstance(c, data.Clip) and c.name == name
    assert c.y.dtype == np.float32 and c.y.ndim == 1 and c.sr == 22050
    assert c.duration == pytest.approx(24.0)  # every example clip is 24 s long
    assert c.style == "waltz" and c.split == "test" and c.meta["meter"] == 3
    assert np.all(np.diff(c.beats) > 0) and 0 <= c.beats[0] and c.beats[-1] < c.duration
    assert set(c.beat_in_bar.tolist()) == {1, 2, 3}
    np.testing.assert_array_equal(c.downbeats, c.beats[c.beat_in_bar == 1])
    assert c.label == data.STYLES.index("waltz")
    assert "waltz" in repr(c) and "24.0 s" in repr(c)
    low = tcnlib.load_example_clip(name, sr=16000)
    assert low.sr == 16000 and len(low.y) == 16000 * 24
    np.testing.assert_array_equal(low.beats, c.beats)


def test_load_example_clip_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"name must be an example clip such as \['rock_00'.*got 'rock_99'"):
        data.load_example_clip("rock_99")
    with pytest.raises(ValueError, match=r"name must be an example clip such as .*got 'nothing'"):
        data.load_example_clip("nothing")


def test_load_example_set():
    clips = data.load_example_set(split="validation", style="swing")
    assert [c.name for c in clips] == data.list_example_clips("validation", "swing")
    assert all(c.split == "validation" for c in clips)


def test_example_dir_env_override(tmp_path, monkeypatch):
    monkeypatch.setenv(data.EXAMPLES_ENV_VAR, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"TCN_COURSE_EXAMPLES=.* does not hold the example music"):
        data.example_dir()
    (tmp_path / "index.csv").write_text("name\n")
    assert data.example_dir() == tmp_path


def test_assets_env_var_names_itself_when_files_are_missing(tmp_path, monkeypatch):
    monkeypatch.setenv(data.ASSETS_ENV_VAR, str(tmp_path))
    assert data.assets_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match=r"example music \(index.csv\) was not found .*TCN_COURSE_ASSETS"):
        data.example_dir()
    with pytest.raises(FileNotFoundError, match=r"pretrained model 'beat_tcn.pt' was not found .*TCN_COURSE_ASSETS"):
        data.pretrained_path("beat_tcn.pt")
    assert data.pretrained_path("beat_tcn.pt", must_exist=False) == tmp_path / "pretrained" / "beat_tcn.pt"
    repo_assets = Path(data.__file__).resolve().parents[1] / "assets"
    monkeypatch.setenv(data.ASSETS_ENV_VAR, str(repo_assets))
    assert data.example_dir() == repo_assets / "example_music"
    assert data.pretrained_path().is_file()


def test_installed_without_editable_mode_finds_assets_through_the_env_var(tmp_path):
    """A copy of the package outside the repository (as `pip install .` makes): a clear error that
    names TCN_COURSE_ASSETS when an asset is first used, and everything works once it is set."""
    import os
    import shutil
    import subprocess
    import sys

    repo = Path(data.__file__).resolve().parents[1]
    site = tmp_path / "site-packages"
    shutil.copytree(repo / "tcnlib", site / "tcnlib", ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import tcnlib\n"
            "try:\n"
            "    tcnlib.load_example_clip('rock_00')\n"
            "except FileNotFoundError as err:\n"
            "    print('ERROR', err)\n"
            "else:\n"
            "    print('LOADED')\n")
    env = {k: v for k, v in os.environ.items() if k not in (data.ASSETS_ENV_VAR, data.EXAMPLES_ENV_VAR)}
    env["PYTHONPATH"] = str(site)
    run = lambda e: subprocess.run([sys.executable, "-c", code], env=e, cwd=tmp_path, capture_output=True,  # noqa: E731
                                   text=True, timeout=300)
    out = run(env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("ERROR") and "TCN_COURSE_ASSETS" in out.stdout and "pip install -e ." in out.stdout
    out = run({**env, data.ASSETS_ENV_VAR: str(repo / "assets")})
    assert out.returncode == 0 and out.stdout.strip() == "LOADED", out.stderr[-2000:]


def test_clip_without_positions_or_style():
    c = data.Clip("x", np.zeros(100, np.float32), 100, np.array([0.1, 0.5]))
    assert c.downbeats.shape == (0,)
    with pytest.raises(ValueError, match=r"clip 'x' has style None, not one of"):
        _ = c.label


# ----------------------------------------------------------------------------- your own data


def _make_dataset(root, names=("a", "b", "c"), sr=8000, seconds=2.0):
    root.mkdir(parents=True, exist_ok=True)
    for n in names:
        save_audio(root / f"{n}.wav", np.zeros(int(sr * seconds), np.float32) + 0.01, sr)
        (root / f"{n}.beats").write_text("0.5 1\n1.0 2\n1.5 3\n")
    return root


def test_find_and_load_beat_dataset(tmp_path):
    root = _make_dataset(tmp_path / "ds")
    sub = _make_dataset(tmp_path / "ds" / "more", names=("d",))
    (root / ".hidden").write_text("x")
    pairs = data.find_beat_files(root)
    assert [a.name for a, _ in pairs] == ["a.wav", "b.wav", "c.wav", "d.wav"]
    assert all(a.with_suffix(".beats") == b for a, b in pairs)
    clips = data.load_beat_dataset(root, sr=None, styles={"a": "rock"})
    assert [c.name for c in clips] == ["a", "b", "c", "more/d"]
    assert clips[0].style == "rock" and clips[1].style is None and clips[0].sr == 8000
    np.testing.assert_allclose(clips[0].downbeats, [0.5])
    assert sub.exists()


def test_find_beat_files_names_unpaired_files(tmp_path):
    root = _make_dataset(tmp_path / "ds")
    (root / "a.beats").unlink()
    (root / "z.beats").write_text("0.5\n")
    with pytest.raises(ValueError, match=r"unpaired files in .*audio without a \.beats file: \['a\.wav'\] "
                                         r"\.beats without an audio file: \['z\.beats'\]"):
        data.find_beat_files(root)


def test_find_beat_files_rejects_bad_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="dataset folder not found"):
        data.find_beat_files(tmp_path / "missing")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(ValueError, match="folder must be a directory, got the file"):
        data.find_beat_files(tmp_path / "f.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"no audio \(\.wav, .*\) or \.beats files found"):
        data.find_beat_files(tmp_path / "empty")
    root = _make_dataset(tmp_path / "dup", names=("a",))
    save_audio(root / "a.flac", np.zeros(800, np.float32), 8000)
    with pytest.raises(ValueError, match=r"two audio files share the name 'a': a\.flac and a\.wav"):
        data.find_beat_files(root)


def test_load_beat_dataset_rejects_beats_outside_audio_and_bad_lines(tmp_path):
    root = _make_dataset(tmp_path / "ds", seconds=1.2)
    with pytest.raises(ValueError, match=r"a\.beats, line 3: beat at 1\.500 s lies outside the audio, "
                                         r"which is 1\.200 s long"):
        data.load_beat_dataset(root)
    root = _make_dataset(tmp_path / "ds2")
    (root / "b.beats").write_text("0.5 1\n0.7 x\n")
    with pytest.raises(ValueError, match=r"b\.beats, line 2: beat-in-bar must be a positive integer"):
        data.load_beat_dataset(root)
    (root / "b.beats").write_text("0.5 1\n1.0 2\n")
    (root / "c.wav").write_bytes(b"not audio at all")
    with pytest.raises(ValueError, match=r"could not decode .*c\.wav"):
        data.load_beat_dataset(root)


def test_split_clips_disjoint_reproducible_order_free():
    clips = [_clip(f"c{i:02d}") for i in range(20)]
    a = data.split_clips(clips, seed=3)
    b = data.split_clips(list(reversed(clips)), seed=3)
    names = {s: [c.name for c in a[s]] for s in data.SPLITS}
    assert names == {s: [c.name for c in b[s]] for s in data.SPLITS}
    assert [len(names[s]) for s in data.SPLITS] == [14, 3, 3]
    assert sorted(sum(names.values(), [])) == sorted(c.name for c in clips)
    assert all(c.split == s for s in data.SPLITS for c in a[s])
    assert data.split_clips(clips, seed=4)["test"] != a["test"]


def test_split_clips_rejects_bad_input():
    with pytest.raises(ValueError, match=r"fractions must be three numbers >= 0 summing to 1"):
        data.split_clips([_clip()], fractions=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match=r"fractions must be three numbers"):
        data.split_clips([_clip()], fractions=(1.0, 0.0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"clip names must be unique to split them, repeated: \['c'\]"):
        data.split_clips([_clip(), _clip()])


# ----------------------------------------------------------------------------- targets


def test_beat_targets_positions_and_widening():
    sr, fps = 22050, 100
    hop = hop_length(sr, fps)
    times = np.array([0.0, 1.0, 2.0]) * hop / sr * 10  # frames 0, 10, 20 exactly
    t = data.beat_targets(times, 30, sr, fps)
    assert t.dtype == np.float32 and t.shape == (30,)
    assert np.nonzero(t)[0].tolist() == [0, 10, 20] and t.max() == 1
    w = data.beat_targets(times, 30, sr, fps, widen=2, widen_value=0.25)
    assert np.nonzero(w == 1)[0].tolist() == [0, 10, 20]
    assert np.nonzero(w == 0.25)[0].tolist() == [1, 2, 8, 9, 11, 12, 18, 19, 21, 22]
    # widening never lowers a neighbouring beat
    close = data.beat_targets([0.1, 0.11], 30, 100, 100, widen=1)
    assert close[10] == 1 and close[11] == 1 and close[9] == 0.5 and close[12] == 0.5
    assert data.beat_frames([0.1049], 22050, 100).tolist() == [round(0.1049 * 22050 / 220)]


def test_beat_targets_drop_events_after_the_last_frame():
    times = np.array([0.1, 0.5, 0.99, 5.0])  # frames 10, 50, 99, 500 at 100 fps
    t = data.beat_targets(times, 100, 100, 100, widen=1, outside="drop")
    np.testing.assert_array_equal(np.flatnonzero(t == 1.0), [10, 50, 99])
    np.testing.assert_array_equal(np.flatnonzero(t == 0.5), [9, 11, 49, 51, 98])
    np.testing.assert_array_equal(t, data.beat_targets(times[:3], 100, 100, 100, widen=1))
    assert data.beat_targets([5.0], 100, 100, 100, outside="drop").sum() == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 9.9), max_size=30), st.integers(0, 3))
def test_beat_targets_property(times, widen):
    t = data.beat_targets(sorted(times), 1000, 22050, 100, widen=widen)
    frames = data.beat_frames(times, 22050, 100)
    assert set(np.nonzero(t == 1)[0].tolist()) == set(frames.tolist())
    assert np.all((t == 0) | (t == 0.5) | (t == 1))
    if widen == 0:
        assert np.all(t[t > 0] == 1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(times=[0.5], n_frames=0), r"n_frames must be a positive integer, got 0"),
    (dict(times=[0.5], n_frames=10, widen=-1), r"widen must be an integer >= 0 frames, got -1"),
    (dict(times=[0.5], n_frames=10, widen=1.5), r"widen must be an integer >= 0 frames"),
    (dict(times=[0.05], n_frames=10, widen_value=0), r"widen_value must be in \(0, 1\], got 0"),
    (dict(times=[-0.1], n_frames=10), r"times must be finite and >= 0 seconds"),
    (dict(times=[0.5], n_frames=10), r"a beat at 0\.500 s falls on frame 50, after the last of n_frames=10"),
    (dict(times=[0.5], n_frames=10, outside="ignore"), r"outside must be 'error' or 'drop', got 'ignore'"),
    (dict(times=[-0.1], n_frames=10, outside="drop"), r"times must be finite and >= 0 seconds"),
    (dict(times=[0.5], n_frames=True), r"n_frames must be a positive integer, got True"),
])
def test_beat_targets_rejects(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.beat_targets(sr=100, fps=100, **kwargs)


def test_clip_breaks_from_metadata():
    c = data.Clip("x", np.zeros(100, np.float32), 100, np.array([0.1]), meta={"breaks": "1.500-3.250;7.000-9.000"})
    assert c.breaks == [(1.5, 3.25), (7.0, 9.0)]
    assert data.Clip("y", np.zeros(10, np.float32), 10, np.array([0.1])).breaks == []
    with_breaks = [r["name"] for r in data.example_index() if r["breaks"]]
    clip = data.load_example_clip(with_breaks[0])
    assert clip.breaks and all(0 <= a < b <= clip.duration for a, b in clip.breaks)


def test_plot_beats_draws_every_beat_and_downbeat():
    import matplotlib.pyplot as plt

    from tcnlib.plots import plot_beats

    c = _clip()
    S = log_mel_spectrogram(c.y, c.sr, fps=100, n_mels=16, n_fft=256)
    ax, img, lines = plot_beats(S, c.sr, 100, c.beats, c.downbeats, title="t", shade=[(0.5, 1.0)])
    assert len(lines) == len(c.beats) + len(c.downbeats)
    assert [ln.get_xdata()[0] for ln in lines[:len(c.beats)]] == list(c.beats)
    assert img.get_array().shape == S.shape and ax.get_title() == "t"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["beat", "downbeat"]
    _, _, only_beats = plot_beats(S, c.sr, 100, c.beats)
    assert len(only_beats) == len(c.beats)
    plt.close("all")


def test_example_set_loads_without_a_synthesizer(tmp_path):
    """No fluidsynth on PATH and pretty_midi unimportable: the set still loads and trains."""
    import os
    import subprocess
    import sys

    code = ("import sys, shutil; sys.modules['pretty_midi'] = None\n"
            "assert shutil.which('fluidsynth') is None\n"
            "import tcnlib\n"
            "c = tcnlib.load_example_clip('ballad_01')\n"
            "from tcnlib import beats\n"
            "x, y = beats.clip_arrays(c)\n"
            "assert 'pretty_midi' not in [m for m in sys.modules if sys.modules[m]]\n"
            "print(len(c.beats), int((y[0, 0] == 1).sum()))\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PATH", "PYTHONPATH")}
    env["PATH"] = str(tmp_path)  # an empty folder: no programs at all
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    n_beats, n_targets = map(int, out.stdout.split())
    assert n_beats == n_targets == len(data.load_example_clip("ballad_01").beats)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="0123456789.-+eE nai\t#x", max_size=12), min_size=1, max_size=6))
def test_read_beats_never_crashes_on_garbage(tmp_path_factory, lines):
    """Any text either parses into increasing times or fails with a ValueError naming the file."""
    p = tmp_path_factory.mktemp("g") / "garbage.beats"
    p.write_text("\n".join(lines))
    try:
        t, b = data.read_beats(p)
    except ValueError as err:
        assert "garbage.beats" in str(err)
    else:
        assert len(t) >= 1 and np.all(np.diff(t) > 0) and np.all(t >= 0)
        assert b is None or (len(b) == len(t) and b.min() >= 1)


@pytest.mark.parametrize("call, match", [
    (lambda p: data.read_beats(p), r"is a folder \(directory\), not a \.beats file"),
    (lambda p: data.read_beats(_write(p, "0.5\n"), duration=-1), r"duration must be a positive number of seconds"),
    (lambda p: data.write_beats(p, [0.5]), r"path .* is a folder \(directory\), not a file"),
    (lambda p: data.write_beats(p / "w.beats", ["a", "b"]), r"times must be numbers of seconds"),
    (lambda p: data.load_beat_dataset(p, styles="rock"), r"styles must be a dict \{clip name: style\} or None, got str"),
    (lambda p: data.split_clips([]), r"clips must not be empty"),
    (lambda p: data.beat_frames([0.5, np.nan], 22050, 100), r"times must be finite"),
    (lambda p: data.Clip("c", np.zeros((2, 10), np.float32), 22050, np.array([0.5])), r"y must be a mono waveform of shape \(N,\)"),
    (lambda p: data.Clip("c", np.zeros(10, np.float32), 0, np.array([0.5])), r"sr must be a positive integer sample rate"),
    (lambda p: data.Clip("c", np.zeros(10, np.float32), 100, np.array([1.0, 0.5])), r"beats must be finite, increasing"),
    (lambda p: data.Clip("c", np.zeros(10, np.float32), 100, np.array([0.5]), np.array([1, 2])),
     r"beat_in_bar must have one entry per beat \(1\)"),
])
def test_bad_input_names_the_argument(tmp_path, call, match):
    with pytest.raises(ValueError, match=match):
        call(tmp_path)


def test_read_beats_utf16_with_bom(tmp_path):
    p = tmp_path / "u16.beats"
    p.write_bytes("0.5 1\r\n1.0 2\r\n".encode("utf-16"))
    assert data.read_beats(p)[0].tolist() == [0.5, 1.0]

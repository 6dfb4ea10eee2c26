"""Beat data: the course's example music, your own audio + ``.beats`` files, frame targets.

The example set (``assets/example_music/``) holds synthetic but real-sounding music clips made by
``assets/make_dataset.py`` (the generator is ``assets/synth.py``, beside the files it makes), each
with its exact beat annotation in a ``.beats`` file and a style label. The same ``.beats`` format is
read for your own data:

* one beat per line: ``time`` or ``time beat-in-bar``, separated by spaces or a tab;
* ``time`` in seconds from the start of the audio, strictly increasing;
* ``beat-in-bar`` counts 1, 2, 3, ... within the bar; ``1`` marks a downbeat
  (the format of the GTZAN and Ballroom beat annotations).

Frame-level targets follow the convention of :mod:`tcnlib.audio`: at frame rate ``fps`` the hop
is ``round(sr / fps)`` samples and frame ``t`` is centred at ``t * hop / sr`` seconds, so a
beat at time ``b`` lands on frame ``round(b * sr / hop)``.

Where the files are: the repository's ``assets/`` folder next to the package (an editable install,
``pip install -e .``), or the folder named by ``$TCN_COURSE_ASSETS`` (a copy of the repository's
``assets/``: needed when tcnlib is installed without ``-e``). ``$TCN_COURSE_EXAMPLES`` points to
another copy of the example music alone.

Notebook: 01_audio_as_sequences.ipynb, 04_causality.ipynb, 07_tcn_beat_tracking.ipynb
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .audio import AUDIO_EXTENSIONS, hop_length, load_audio
from .utils import atomic_write, check_non_negative_int, check_positive_int, is_int

PathLike = Union[str, os.PathLike]

ASSETS_ENV_VAR = "TCN_COURSE_ASSETS"
"""Environment variable naming the course's ``assets`` folder (example music, pretrained models)."""

EXAMPLES_ENV_VAR = "TCN_COURSE_EXAMPLES"
"""Environment variable that points to another copy of the example-music folder."""

STYLES: Tuple[str, ...] = ("rock", "waltz", "bossa_nova", "electronic", "swing", "ballad", "funk",
                           "reggae")
"""The clip-level style labels of the example set; a label's index is its class number."""

SPLITS: Tuple[str, ...] = ("train", "validation", "test")
"""The fixed splits of the example set (no clip is in two of them)."""

_INDEX_CACHE: Dict[str, List[Dict[str, object]]] = {}


# ----------------------------------------------------------------------------- clips


@dataclass
class Clip:
    """One annotated audio clip.

    Attributes:
        name: the clip's name (file stem).
        y: waveform, shape ``(N,)``, float32.
        sr: sample rate of ``y`` in Hz.
        beats: beat times in seconds, shape ``(n_beats,)``, increasing.
        beat_in_bar: position of each beat in its bar (1 = downbeat), shape ``(n_beats,)``, int;
            ``None`` when the annotation has no bar positions.
        style: clip-level label (one of :data:`STYLES` for the example set), or ``None``.
        split: ``"train"``, ``"validation"``, ``"test"`` or ``None``.
        meta: everything else known about the clip (tempo curve, meter, instruments, ...).
        path: the audio file it was read from, or ``None``.

    Notebook: none (what load_example_clip and load_beat_dataset return)
    """

    name: str
    y: np.ndarray
    sr: int
    beats: np.ndarray
    beat_in_bar: Optional[np.ndarray] = None
    style: Optional[str] = None
    split: Optional[str] = None
    meta: Dict[str, object] = field(default_factory=dict)
    path: Optional[Path] = None

    @property
    def downbeats(self) -> np.ndarray:
        """Downbeat times in seconds, shape ``(n_downbeats,)`` (empty without bar positions)."""
        if self.beat_in_bar is None:
            return np.zeros(0)
        return self.beats[self.beat_in_bar == 1]

    @property
    def duration(self) -> float:
        """Length of the audio in seconds."""
        return len(self.y) / float(self.sr)

    @property
    def breaks(self) -> List[Tuple[float, float]]:
        """``(start, end)`` spans in seconds where the drums drop out (example clips; else ``[]``)."""
        text = str(self.meta.get("breaks") or "")
        return [(float(a), float(b)) for a, b in (span.split("-") for span in text.split(";") if span)]

    @property
    def label(self) -> int:
        """The style's class number (its index in :data:`STYLES`)."""
        if self.style not in STYLES:
            raise ValueError(f"clip {self.name!r} has style {self.style!r}, not one of {list(STYLES)}")
        return STYLES.index(self.style)

    def __post_init__(self) -> None:
        y = np.asarray(self.y)
        if y.ndim != 1:
            raise ValueError(f"y must be a mono waveform of shape (N,), got shape {y.shape}")
        if not is_int(self.sr) or self.sr < 1:
            raise ValueError(f"sr must be a positive integer sample rate in Hz, got {self.sr!r}")
        beats = np.asarray(self.beats, dtype=float)
        if beats.ndim != 1 or not np.all(np.isfinite(beats)) or np.any(np.diff(beats) <= 0):
            raise ValueError(f"beats must be finite, increasing times in seconds of shape (n_beats,), got {self.beats!r}")
        if self.beat_in_bar is not None and np.shape(self.beat_in_bar) != beats.shape:
            raise ValueError(f"beat_in_bar must have one entry per beat ({len(beats)}), got shape "
                             f"{np.shape(self.beat_in_bar)}")

    def __repr__(self) -> str:
        return (f"Clip({self.name!r}, {self.duration:.1f} s at {self.sr} Hz, {len(self.beats)} beats, "
                f"{len(self.downbeats)} downbeats, style={self.style!r}, split={self.split!r})")


# ----------------------------------------------------------------------------- .beats files


def read_beats(path: PathLike, duration: Optional[float] = None) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read a ``.beats`` annotation: one ``time [beat-in-bar]`` per line.

    Blank lines and lines starting with ``#`` are skipped; Windows line ends and a UTF-8 byte-order
    mark (as Notepad writes them) are accepted.

    Args:
        path: the annotation file.
        duration: length of the audio in seconds; when given, every beat must lie inside it.

    Returns:
        ``(times, beat_in_bar)``: times in seconds ``(n,)`` float64; beat_in_bar ``(n,)`` int,
        or ``None`` when the file has times only.

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: naming the file and line, for a malformed line, a negative, non-finite or
            non-increasing time, a beat-in-bar that is not a positive integer, a mix of lines with
            and without beat-in-bar, an empty file, or a beat outside ``[0, duration)``.

    Notebook: none (used by load_example_clip and load_beat_dataset)
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"annotation file not found: {str(p)!r}")
    if p.is_dir():
        raise ValueError(f"{str(p)!r} is a folder (directory), not a .beats file")
    if duration is not None and not float(duration) > 0:
        raise ValueError(f"duration must be a positive number of seconds, got {duration!r}")
    raw = p.read_bytes()
    try:  # UTF-8 (with or without Notepad's byte-order mark) or UTF-16 with its byte-order mark
        text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{p}: not a text file ({err})") from err
    times: List[float] = []
    positions: List[Optional[int]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        where = f"{p}, line {lineno}"
        parts = s.split()
        if len(parts) > 2:
            raise ValueError(f"{where}: expected 'time [beat-in-bar]', got {len(parts)} fields: {s!r}")
        try:
            t = float(parts[0])
        except ValueError:
            raise ValueError(f"{where}: the time must be a number of seconds, got {parts[0]!r}") from None
        if not np.isfinite(t) or t < 0:
            raise ValueError(f"{where}: the time must be a finite number >= 0 seconds, got {parts[0]!r}")
        if times and t <= times[-1]:
            raise ValueError(f"{where}: times must increase, but {t} follows {times[-1]}")
        pos: Optional[int] = None
        if len(parts) == 2:
            try:
                fpos = float(parts[1])
            except ValueError:
                fpos = float("nan")
            if not np.isfinite(fpos) or fpos < 1 or fpos != int(fpos):
                raise ValueError(f"{where}: beat-in-bar must be a positive integer (1 = downbeat), "
                                 f"got {parts[1]!r}")
            pos = int(fpos)
        if positions and (positions[0] is None) != (pos is None):
            raise ValueError(f"{where}: every line must have the same fields; some lines give "
                             "'time beat-in-bar', others only 'time'")
        if duration is not None and t >= duration:
            raise ValueError(f"{where}: beat at {t:.3f} s lies outside the audio, which is "
                             f"{duration:.3f} s long")
        times.append(t)
        positions.append(pos)
    if not times:
        raise ValueError(f"{p}: the annotation holds no beats")
    bib = None if positions[0] is None else np.array(positions, dtype=int)
    return np.array(times, dtype=float), bib


def write_beats(path: PathLike, times: Sequence[float], beat_in_bar: Optional[Sequence[int]] = None) -> Path:
    """Write a ``.beats`` file (``time [beat-in-bar]`` per line, times with 6 decimals) that
    :func:`read_beats` reads back.

    The file is written atomically: a reader sees the old annotation or the new one, never a
    half-written file, and a failed write leaves the old file as it was.

    Args:
        path: the file to write (its folder is created).
        times: beat times in seconds, increasing, at least 1 microsecond apart (the file keeps 6
            decimals), finite and >= 0; at least one beat.
        beat_in_bar: position of each beat in its bar (1 = downbeat), positive integers, or None.

    Returns:
        The path written.

    Raises:
        ValueError: for no beats, times that are not increasing, finite and >= 0 or that would be
            written equal, or a ``beat_in_bar`` of another length or with other than positive integers.

    Notebook: none (used by assets/synth.py, which writes the example set)
    """
    try:
        t = np.asarray(times, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"times must be numbers of seconds, got {times!r}") from None
    if t.ndim != 1:
        raise ValueError(f"times must be a 1-D sequence of seconds, got shape {t.shape}")
    if len(t) == 0:
        raise ValueError("times must hold at least one beat: read_beats rejects an annotation without beats")
    if np.any(~np.isfinite(t)) or t[0] < 0 or np.any(np.diff(t) <= 0):
        raise ValueError("times must be a 1-D sequence of increasing, finite seconds >= 0")
    lines = [f"{x:.6f}" for x in t]
    same = [i for i in range(1, len(lines)) if float(lines[i]) <= float(lines[i - 1])]
    if same:
        i = same[0]
        raise ValueError(f"times must be at least 1 microsecond apart (the file keeps 6 decimals), but beats "
                         f"{i - 1} and {i} ({t[i - 1]!r} and {t[i]!r} s) would be written as the same time")
    if beat_in_bar is not None:
        b = np.asarray(beat_in_bar, dtype=object)
        if b.shape != t.shape:
            raise ValueError(f"beat_in_bar must have one entry per beat ({len(t)}), got shape {b.shape}")
        if not all((is_int(k) or (isinstance(k, float) and k.is_integer())) and k >= 1 for k in b):
            raise ValueError("beat_in_bar must hold positive integers (1 = downbeat)")
        lines = [f"{x} {int(k)}" for x, k in zip(lines, b)]
    p = Path(path)
    with atomic_write(p) as f:
        f.write("".join(line + "\n" for line in lines))
    return p


# ----------------------------------------------------------------------------- the example set


def _assets_hint(what: str, where: Path) -> str:
    return (f"{what} was not found in {str(where)!r}. tcnlib reads the course's files from the repository's "
            f"assets/ folder, which it finds only when installed from the repository with `pip install -e .`; "
            f"otherwise set the environment variable {ASSETS_ENV_VAR} to the assets/ folder of a copy of the "
            f"course repository (it holds example_music/ and pretrained/)")


def assets_dir() -> Path:
    """The course's ``assets`` folder: ``$TCN_COURSE_ASSETS`` when set, else ``assets/`` beside the package.

    The folder is not checked here; :func:`example_dir` and :func:`pretrained_path` say what to do
    when a file is missing.

    Notebook: none (used by example_dir and pretrained_path)
    """
    env = os.environ.get(ASSETS_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[1] / "assets"


def pretrained_path(name: str = "beat_tcn.pt", must_exist: bool = True) -> Path:
    """The path of a committed checkpoint, ``<assets>/pretrained/<name>`` (see :func:`assets_dir`).

    Raises:
        FileNotFoundError: with ``must_exist``, if the file is not there; the message names
            ``$TCN_COURSE_ASSETS`` and the editable install.

    Notebook: none (used by tcnlib.beats)
    """
    p = assets_dir() / "pretrained" / name
    if must_exist and not p.is_file():
        raise FileNotFoundError(_assets_hint(f"the pretrained model {name!r}", p.parent))
    return p


def example_dir() -> Path:
    """The folder of the example music: ``$TCN_COURSE_EXAMPLES``, else ``example_music`` in the
    course's assets (``$TCN_COURSE_ASSETS`` or the repository's ``assets/``, see :func:`assets_dir`).

    Raises:
        FileNotFoundError: if the folder (with its ``index.csv``) cannot be found; the message says
            which environment variable to set.

    Notebook: 01_audio_as_sequences.ipynb
    """
    env = os.environ.get(EXAMPLES_ENV_VAR)
    if env:
        d = Path(env)
        if not (d / "index.csv").exists():
            raise FileNotFoundError(f"{EXAMPLES_ENV_VAR}={env!r} does not hold the example music "
                                    "(no index.csv there); unset it to use the course's assets")
        return d
    d = assets_dir() / "example_music"
    if not (d / "index.csv").exists():
        raise FileNotFoundError(_assets_hint("the example music (index.csv)", d))
    return d


_INT_COLS = ("meter", "drums", "seed")
_FLOAT_COLS = ("bpm_start", "bpm_end", "swing", "jitter", "duration")


def example_index() -> List[Dict[str, object]]:
    """The example set's metadata, one dict per clip (from ``index.csv``), in a fixed order.

    Keys: name, style, split, meter (beats per bar), bpm_start, bpm_end, tempo_curve (steady,
    gradual or sudden), swing (0.5 = straight, 0.667 = triplet), jitter (relative std of the
    inter-beat intervals), drums (0/1), breaks (``"a-b;..."`` seconds without drums),
    instruments, key, duration (s), seed.

    Notebook: 01_audio_as_sequences.ipynb, 04_causality.ipynb
    """
    d = example_dir()
    key = str(d)
    if key not in _INDEX_CACHE:
        rows = []
        with open(d / "index.csv", newline="") as f:
            for row in csv.DictReader(f):
                r: Dict[str, object] = dict(row)
                for c in _INT_COLS:
                    r[c] = int(row[c])
                for c in _FLOAT_COLS:
                    r[c] = float(row[c])
                rows.append(r)
        _INDEX_CACHE[key] = rows
    return [dict(r) for r in _INDEX_CACHE[key]]


def list_example_clips(split: Optional[str] = None, style: Optional[str] = None) -> List[str]:
    """Names of the example clips, optionally only one split and/or one style (sorted).

    Raises:
        ValueError: if ``split`` is not one of :data:`SPLITS` or ``style`` not one of :data:`STYLES`.

    Notebook: 04_causality.ipynb, 06_cnn2d_clip_classification.ipynb, 07_tcn_beat_tracking.ipynb
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)} or None, got {split!r}")
    if style is not None and style not in STYLES:
        raise ValueError(f"style must be one of {list(STYLES)} or None, got {style!r}")
    return sorted(str(r["name"]) for r in example_index()
                  if (split is None or r["split"] == split) and (style is None or r["style"] == style))


def load_example_clip(name: str, sr: Optional[int] = 22050) -> Clip:
    """Load one example clip with its beats, downbeats, style, split and metadata.

    Args:
        name: a name from :func:`list_example_clips`, e.g. ``"rock_00"``.
        sr: sample rate to resample to in Hz (``None``: the file's 22050 Hz); the WaveNet lesson
            uses e.g. ``sr=16000``. Beat times do not depend on ``sr``.

    Returns:
        a :class:`Clip`: ``clip.y`` ``(N,)`` float32, ``clip.sr``, ``clip.beats`` and
        ``clip.downbeats`` in seconds, ``clip.beat_in_bar``, ``clip.style``, ``clip.split``,
        ``clip.breaks`` and ``clip.meta`` (the ``index.csv`` row).

    Raises:
        ValueError: if ``name`` is not an example clip.

    Example:
        >>> clip = load_example_clip("waltz_00")
        >>> clip.style, clip.meta["meter"], len(clip.downbeats) > 0
        ('waltz', 3, True)

    Notebook: 01_audio_as_sequences.ipynb
    """
    rows = {str(r["name"]): r for r in example_index()}
    if name not in rows:
        close = [n for n in sorted(rows) if n.split("_")[0] == str(name).split("_")[0]][:5]
        raise ValueError(f"name must be an example clip such as {close or sorted(rows)[:5]}, got {name!r}")
    d = example_dir()
    y, file_sr = load_audio(d / f"{name}.ogg", sr=sr)
    beats, bib = read_beats(d / f"{name}.beats", duration=len(y) / file_sr)
    meta = dict(rows[name])
    return Clip(name=name, y=y, sr=file_sr, beats=beats, beat_in_bar=bib, style=str(meta["style"]),
                split=str(meta["split"]), meta=meta, path=d / f"{name}.ogg")


def load_example_set(split: Optional[str] = None, style: Optional[str] = None,
                     sr: Optional[int] = 22050) -> List[Clip]:
    """Load every example clip of a split (and/or style): a list of :class:`Clip`.

    Notebook: none (a shortcut: every clip of a split as a list)
    """
    return [load_example_clip(n, sr=sr) for n in list_example_clips(split, style)]


# ----------------------------------------------------------------------------- your own data


def find_beat_files(folder: PathLike) -> List[Tuple[Path, Path]]:
    """Pair every audio file in ``folder`` with its ``.beats`` file (same stem), sorted by name.

    Audio files are recognised by their extension (``.wav``, ``.flac``, ``.ogg``, ``.mp3``, ...);
    ``song.wav`` pairs with ``song.beats``. Sub-folders are searched too; pairs must sit in the
    same folder.

    Raises:
        FileNotFoundError: if ``folder`` does not exist.
        ValueError: if the folder holds no audio, if an audio file has no ``.beats`` file or a
            ``.beats`` file no audio (all such files are named), or if two audio files share a stem.

    Notebook: none (used by load_beat_dataset)
    """
    root = Path(folder)
    if not root.exists():
        raise FileNotFoundError(f"dataset folder not found: {str(root)!r}")
    if not root.is_dir():
        raise ValueError(f"folder must be a directory, got the file {str(root)!r}")
    audio: Dict[Path, Path] = {}
    beats: Dict[Path, Path] = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file() or p.name.startswith("."):
            continue
        stem = p.with_suffix("")
        if p.suffix.lower() == ".beats":
            beats[stem] = p
        elif p.suffix.lower() in AUDIO_EXTENSIONS:
            if stem in audio:
                raise ValueError(f"two audio files share the name {stem.name!r}: {audio[stem].name} and "
                                 f"{p.name}; keep one per .beats file")
            audio[stem] = p
    if not audio and not beats:
        raise ValueError(f"no audio ({', '.join(AUDIO_EXTENSIONS)}) or .beats files found in {str(root)!r}")
    no_beats = sorted(str(audio[s].relative_to(root)) for s in audio if s not in beats)
    no_audio = sorted(str(beats[s].relative_to(root)) for s in beats if s not in audio)
    if no_beats or no_audio:
        msg = [f"unpaired files in {str(root)!r}:"]
        if no_beats:
            msg.append(f"audio without a .beats file: {no_beats[:10]}" + (" ..." if len(no_beats) > 10 else ""))
        if no_audio:
            msg.append(f".beats without an audio file: {no_audio[:10]}" + (" ..." if len(no_audio) > 10 else ""))
        raise ValueError(" ".join(msg))
    return [(audio[s], beats[s]) for s in sorted(audio)]


def load_beat_dataset(folder: PathLike, sr: Optional[int] = 22050,
                      styles: Optional[Dict[str, str]] = None) -> List[Clip]:
    """Load your own beat dataset: audio files plus ``.beats`` files (see :func:`find_beat_files`).

    Every annotation is checked against its audio: malformed lines and beats at or after the
    end of the audio are errors naming the file and line.

    Args:
        folder: the dataset folder.
        sr: sample rate to load at in Hz (``None``: each file's own rate).
        styles: optional clip-level labels, ``{name: style}``.

    Returns:
        a list of :class:`Clip` sorted by name (``split`` is ``None``; see :func:`split_clips`).

    Notebook: none (your own data: see the README's "Using tcnlib")
    """
    if styles is not None and not isinstance(styles, dict):
        raise ValueError(f"styles must be a dict {{clip name: style}} or None, got {type(styles).__name__}")
    clips = []
    for audio_path, beats_path in find_beat_files(folder):
        y, file_sr = load_audio(audio_path, sr=sr)
        times, bib = read_beats(beats_path, duration=len(y) / file_sr)
        name = str(audio_path.relative_to(Path(folder)).with_suffix(""))
        style = None if styles is None else styles.get(name)
        clips.append(Clip(name=name, y=y, sr=file_sr, beats=times, beat_in_bar=bib, style=style,
                          meta={"beats_file": str(beats_path)}, path=audio_path))
    return clips


def split_clips(clips: Sequence[Clip], fractions: Tuple[float, float, float] = (0.7, 0.15, 0.15),
                seed: int = 0) -> Dict[str, List[Clip]]:
    """Split clips into train/validation/test (each clip in exactly one), reproducibly.

    The order is a seeded shuffle of the sorted names, so the split does not depend on the
    order of ``clips``. Each clip's ``split`` attribute is set.

    Raises:
        ValueError: if the fractions are not three non-negative numbers summing to 1, or the
            clip names are not unique.

    Notebook: none (your own data, after load_beat_dataset)
    """
    f = np.asarray(fractions, dtype=float)
    if f.shape != (3,) or np.any(f < 0) or not np.isclose(f.sum(), 1.0):
        raise ValueError(f"fractions must be three numbers >= 0 summing to 1 (train, validation, test), "
                         f"got {fractions}")
    clips = list(clips)
    if not clips:
        raise ValueError("clips must not be empty: split_clips needs at least one Clip")
    names = [c.name for c in clips]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"clip names must be unique to split them, repeated: {dup}")
    order = sorted(clips, key=lambda c: c.name)
    perm = np.random.default_rng(seed).permutation(len(order))
    n_train = int(round(f[0] * len(order)))
    n_val = int(round(f[1] * len(order)))
    out: Dict[str, List[Clip]] = {s: [] for s in SPLITS}
    for rank, i in enumerate(perm):
        s = "train" if rank < n_train else ("validation" if rank < n_train + n_val else "test")
        order[i].split = s
        out[s].append(order[i])
    for s in SPLITS:
        out[s].sort(key=lambda c: c.name)
    return out


# ----------------------------------------------------------------------------- frame targets


def beat_frames(times: Sequence[float], sr: int, fps: float) -> np.ndarray:
    """Frame index of each time: ``round(t * sr / hop)`` with ``hop = round(sr / fps)``.

    Returns:
        int array of the same length as ``times``.

    Notebook: 01_audio_as_sequences.ipynb, 04_causality.ipynb
    """
    t = np.asarray(times, dtype=float)
    if not np.all(np.isfinite(t)):
        raise ValueError("times must be finite numbers of seconds (no NaN or inf)")
    return np.round(t * sr / hop_length(sr, fps)).astype(int)


def beat_targets(times: Sequence[float], n_frames: int, sr: int, fps: float, widen: int = 0,
                 widen_value: float = 0.5, outside: str = "error") -> np.ndarray:
    """Frame-level target: 1 at the frame of each beat, 0 elsewhere, optionally widened.

    Widening (as in madmom/TCN beat trackers) sets the ``widen`` frames on each side of a beat to
    ``widen_value`` (never lowering a 1), which tolerates small annotation offsets and gives the
    network more positive frames.

    Args:
        times: event times in seconds (beats or downbeats).
        n_frames: length of the target (the number of spectrogram frames).
        sr, fps: sample rate in Hz and frame rate in frames/s (hop = ``round(sr / fps)``).
        widen: frames on each side to widen by (0: no widening).
        widen_value: value of the widened frames, in (0, 1].
        outside: what to do with a time whose frame is ``>= n_frames`` (after the last frame):
            ``"error"`` (a mistake in an annotation) or ``"drop"`` (expected: a random crop or a
            time-stretch pushes beats out of the frames).

    Returns:
        float32 array ``(n_frames,)``.

    Raises:
        ValueError: for a negative time, a time after the last frame (with ``outside="error"``),
            a negative ``widen``, a ``widen_value`` outside (0, 1] or another ``outside``.

    Notebook: 01_audio_as_sequences.ipynb, 04_causality.ipynb, 07_tcn_beat_tracking.ipynb
    """
    n_frames = check_positive_int("n_frames", n_frames)
    widen = check_non_negative_int("widen", widen, unit="frames")
    if not 0 < widen_value <= 1:
        raise ValueError(f"widen_value must be in (0, 1], got {widen_value!r}")
    if outside not in ("error", "drop"):
        raise ValueError(f"outside must be 'error' or 'drop', got {outside!r}")
    t = np.asarray(times, dtype=float).reshape(-1)
    if np.any(t < 0) or np.any(~np.isfinite(t)):
        raise ValueError(f"times must be finite and >= 0 seconds, got min {t.min() if len(t) else None}")
    frames = beat_frames(t, sr, fps)
    if outside == "drop":
        frames = frames[frames < n_frames]
    if len(frames) and frames.max() >= n_frames:
        last = float(t[int(np.argmax(frames))])
        raise ValueError(f"a beat at {last:.3f} s falls on frame {int(frames.max())}, after the last of "
                         f"n_frames={n_frames} frames ({n_frames * hop_length(sr, fps) / sr:.3f} s)")
    target = np.zeros(n_frames, dtype=np.float32)
    for k in range(1, widen + 1):
        for f in (frames - k, frames + k):
            f = f[(f >= 0) & (f < n_frames)]
            target[f] = np.maximum(target[f], widen_value)
    target[frames] = 1.0
    return target

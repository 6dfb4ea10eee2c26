"""Beat datasets: the course's example music, your own audio + ``.beats`` files, targets and caching.

The example set (``assets/example_music/``) holds synthetic but real-sounding music clips made by
``assets/make_dataset.py`` (see :mod:`tcnlib.synth`), each with its exact beat annotation in a
``.beats`` file and a style label. The same ``.beats`` format is read for your own data:

* one beat per line: ``time`` or ``time beat-in-bar``, separated by spaces or a tab;
* ``time`` in seconds from the start of the audio, strictly increasing;
* ``beat-in-bar`` counts 1, 2, 3, ... within the bar; ``1`` marks a downbeat
  (the format of the GTZAN and Ballroom beat annotations).

Frame-level targets follow the convention of :mod:`tcnlib.audio`: at frame rate ``fps`` the hop
is ``round(sr / fps)`` samples and frame ``t`` is centred at ``t * hop / sr`` seconds, so a
beat at time ``b`` lands on frame ``round(b * sr / hop)``.

Notebook: 01_audio_as_sequences.ipynb (listening to the set), 05 and later (training on it)
"""
from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from .audio import AUDIO_EXTENSIONS, as_waveform, hop_length, load_audio, log_mel_spectrogram

PathLike = Union[str, os.PathLike]

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

    Notebook: 01_audio_as_sequences.ipynb
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
    def label(self) -> int:
        """The style's class number (its index in :data:`STYLES`)."""
        if self.style not in STYLES:
            raise ValueError(f"clip {self.name!r} has style {self.style!r}, not one of {list(STYLES)}")
        return STYLES.index(self.style)

    def __repr__(self) -> str:
        return (f"Clip({self.name!r}, {self.duration:.1f} s at {self.sr} Hz, {len(self.beats)} beats, "
                f"{len(self.downbeats)} downbeats, style={self.style!r}, split={self.split!r})")


# ----------------------------------------------------------------------------- .beats files


def read_beats(path: PathLike, duration: Optional[float] = None) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read a ``.beats`` annotation: one ``time [beat-in-bar]`` per line.

    Blank lines and lines starting with ``#`` are skipped.

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

    Notebook: 01_audio_as_sequences.ipynb
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"annotation file not found: {str(p)!r}")
    try:
        text = p.read_text(encoding="utf-8")
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
    """Write a ``.beats`` file (``time beat-in-bar`` per line, times with 6 decimals).

    Raises:
        ValueError: if times are not increasing and >= 0, or the two lengths differ.

    Notebook: 01_audio_as_sequences.ipynb
    """
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or (len(t) and (np.any(~np.isfinite(t)) or t[0] < 0 or np.any(np.diff(t) <= 0))):
        raise ValueError("times must be a 1-D sequence of increasing, finite seconds >= 0")
    lines = [f"{x:.6f}" for x in t]
    if beat_in_bar is not None:
        b = np.asarray(beat_in_bar)
        if b.shape != t.shape:
            raise ValueError(f"beat_in_bar must have one entry per beat ({len(t)}), got shape {b.shape}")
        if np.any(b < 1) or np.any(b != np.round(b)):
            raise ValueError("beat_in_bar must hold positive integers (1 = downbeat)")
        lines = [f"{x} {int(k)}" for x, k in zip(lines, b)]
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("".join(line + "\n" for line in lines))
    return p


# ----------------------------------------------------------------------------- the example set


def example_dir() -> Path:
    """The folder of the example music: ``$TCN_COURSE_EXAMPLES`` or the repository's
    ``assets/example_music``.

    Raises:
        FileNotFoundError: if the folder (with its ``index.csv``) cannot be found.

    Notebook: 01_audio_as_sequences.ipynb
    """
    env = os.environ.get(EXAMPLES_ENV_VAR)
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[1] / "assets" / "example_music")
    for c in candidates:
        if (c / "index.csv").exists():
            return c
    raise FileNotFoundError(
        f"the example music was not found in {[str(c) for c in candidates]}; run the course from its "
        f"repository (pip install -e .) or set {EXAMPLES_ENV_VAR} to the folder holding index.csv")


_INT_COLS = ("meter", "drums", "seed")
_FLOAT_COLS = ("bpm_start", "bpm_end", "swing", "jitter", "duration")


def example_index() -> List[Dict[str, object]]:
    """The example set's metadata, one dict per clip (from ``index.csv``), in a fixed order.

    Keys: name, style, split, meter (beats per bar), bpm_start, bpm_end, tempo_curve (steady,
    gradual or sudden), swing (0.5 = straight, 0.667 = triplet), jitter (relative std of the
    inter-beat intervals), drums (0/1), breaks (``"a-b;..."`` seconds without drums),
    instruments, key, duration (s), seed.

    Notebook: 01_audio_as_sequences.ipynb
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

    Notebook: 01_audio_as_sequences.ipynb
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
        sr: sample rate to resample to in Hz (``None``: the file's 22050 Hz).

    Raises:
        ValueError: if ``name`` is not an example clip.

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

    Notebook: 05 and later (training)
    """
    return [load_example_clip(n, sr=sr) for n in list_example_clips(split, style)]

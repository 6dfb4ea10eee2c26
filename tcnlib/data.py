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

Notebook: 01_audio_as_sequences.ipynb (listening to the set), 06_cnn2d_clip_classification.ipynb and
07_tcn_beat_tracking.ipynb (training on it)
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
    if env:
        d = Path(env)
        if not (d / "index.csv").exists():
            raise FileNotFoundError(f"{EXAMPLES_ENV_VAR}={env!r} does not hold the example music "
                                    "(no index.csv there); unset it to use the repository's copy")
        return d
    d = Path(__file__).resolve().parents[1] / "assets" / "example_music"
    if not (d / "index.csv").exists():
        raise FileNotFoundError(
            f"the example music was not found in {str(d)!r}; install tcnlib from the course repository "
            f"(pip install -e .) or set {EXAMPLES_ENV_VAR} to the folder holding index.csv")
    return d


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

    Notebook: 06_cnn2d_clip_classification.ipynb, 07_tcn_beat_tracking.ipynb
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

    Notebook: 07_tcn_beat_tracking.ipynb (training on your own data)
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

    Notebook: 07_tcn_beat_tracking.ipynb (training on your own data)
    """
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

    Notebook: 07_tcn_beat_tracking.ipynb (training on your own data)
    """
    f = np.asarray(fractions, dtype=float)
    if f.shape != (3,) or np.any(f < 0) or not np.isclose(f.sum(), 1.0):
        raise ValueError(f"fractions must be three numbers >= 0 summing to 1 (train, validation, test), "
                         f"got {fractions}")
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

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    t = np.asarray(times, dtype=float)
    return np.round(t * sr / hop_length(sr, fps)).astype(int)


def beat_targets(times: Sequence[float], n_frames: int, sr: int, fps: float, widen: int = 0,
                 widen_value: float = 0.5) -> np.ndarray:
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

    Returns:
        float32 array ``(n_frames,)``.

    Raises:
        ValueError: for a negative time, a time whose frame is ``>= n_frames``, a negative
            ``widen`` or a ``widen_value`` outside (0, 1].

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
        raise ValueError(f"n_frames must be a positive integer, got {n_frames!r}")
    if isinstance(widen, bool) or not isinstance(widen, (int, np.integer)) or widen < 0:
        raise ValueError(f"widen must be an integer >= 0 frames, got {widen!r}")
    if not 0 < widen_value <= 1:
        raise ValueError(f"widen_value must be in (0, 1], got {widen_value!r}")
    t = np.asarray(times, dtype=float).reshape(-1)
    if np.any(t < 0) or np.any(~np.isfinite(t)):
        raise ValueError(f"times must be finite and >= 0 seconds, got min {t.min() if len(t) else None}")
    frames = beat_frames(t, sr, fps)
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


def clip_targets(clip: Clip, n_frames: int, fps: float, widen: int = 0,
                 widen_value: float = 0.5) -> Tuple[np.ndarray, np.ndarray]:
    """Beat and downbeat targets of a clip, each float32 ``(n_frames,)`` (see :func:`beat_targets`).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    beat = beat_targets(clip.beats, n_frames, clip.sr, fps, widen, widen_value)
    down = beat_targets(clip.downbeats, n_frames, clip.sr, fps, widen, widen_value)
    return beat, down


# ----------------------------------------------------------------------------- features + cache


def default_cache_dir() -> Path:
    """A per-user folder for cached features: ``$XDG_CACHE_HOME/tcn-course/features`` (default
    ``~/.cache/tcn-course/features``). Nothing is written until a :class:`FeatureCache` uses it.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tcn-course" / "features"


_FEATURE_VERSION = 1


class FeatureCache:
    """Log-mel spectrograms computed once per (audio content, parameters), then reused.

    Keys are a SHA-1 of the waveform's samples, its sample rate and the feature parameters, so a
    changed clip or setting never returns stale features. Features live in memory and, when
    ``directory`` is given, also as ``.npy`` files there (shared between sessions).

    Attributes:
        hits, misses: how many requests were served from the cache / computed.

    Notebook: 07_tcn_beat_tracking.ipynb
    """

    def __init__(self, directory: Optional[PathLike] = None) -> None:
        self.directory = None if directory is None else Path(directory)
        self._mem: Dict[str, np.ndarray] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(y: np.ndarray, sr: int, params: Dict[str, object]) -> str:
        """The cache key of a waveform and feature parameters (a hex digest)."""
        h = hashlib.sha1()
        h.update(np.ascontiguousarray(y, dtype=np.float32).tobytes())
        h.update(repr((int(sr), _FEATURE_VERSION, sorted(params.items()))).encode())
        return h.hexdigest()

    def features(self, y: np.ndarray, sr: int, fps: float = 100.0, n_mels: int = 80,
                 n_fft: int = 2048, fmin: float = 30.0, fmax: Optional[float] = None,
                 gamma: float = 1.0) -> np.ndarray:
        """The log-mel spectrogram ``(n_mels, T)`` of ``y`` (see ``tcnlib.log_mel_spectrogram``)."""
        y = as_waveform(y)
        params = {"fps": float(fps), "n_mels": int(n_mels), "n_fft": int(n_fft), "fmin": float(fmin),
                  "fmax": None if fmax is None else float(fmax)}
        if float(gamma) != 1.0:  # keys of the default compression stay as they were
            params["gamma"] = float(gamma)
        k = self.key(y, sr, params)
        if k in self._mem:
            self.hits += 1
            return self._mem[k]
        path = None if self.directory is None else self.directory / f"{k}.npy"
        if path is not None and path.exists():
            try:
                S = np.load(path)
                self.hits += 1
                self._mem[k] = S
                return S
            except (OSError, ValueError):
                pass  # a damaged file: recompute and overwrite it
        S = log_mel_spectrogram(y, sr, fps=fps, n_mels=n_mels, n_fft=n_fft, fmin=fmin, fmax=fmax, gamma=gamma)
        self.misses += 1
        self._mem[k] = S
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
            np.save(tmp, S)
            os.replace(tmp, path)
        return S

    def clear(self) -> None:
        """Forget the in-memory features (files in ``directory`` stay)."""
        self._mem.clear()

    def __len__(self) -> int:
        return len(self._mem)

    def __repr__(self) -> str:
        return (f"FeatureCache({len(self)} in memory, directory={str(self.directory) if self.directory else None}, "
                f"hits={self.hits}, misses={self.misses})")


FEATURE_CACHE = FeatureCache()
"""The shared in-memory cache used by the datasets when no cache is given."""


def _segments(n_frames: int, segment: Optional[int], hop: Optional[int]) -> List[int]:
    if segment is None or n_frames <= segment:
        return [0]
    hop = segment if hop is None else hop
    starts = list(range(0, n_frames - segment + 1, hop))
    return starts


def _check_clips(clips: Sequence[Clip], what: str) -> List[Clip]:
    clips = list(clips)
    if not clips:
        raise ValueError(f"{what} needs at least one clip, got an empty list")
    for c in clips:
        if not isinstance(c, Clip):
            raise ValueError(f"{what} takes a list of tcnlib.Clip (e.g. from load_example_set), got "
                             f"{type(c).__name__}")
    return clips


def _check_segment(name: str, value: Optional[int]) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
        raise ValueError(f"{name} must be a positive number of frames or None, got {value!r}")


try:  # torch is a course requirement; the datasets subclass its Dataset
    from torch.utils.data import Dataset as _TorchDataset
except ImportError:  # pragma: no cover
    _TorchDataset = object  # type: ignore[misc,assignment]


class BeatDataset(_TorchDataset):
    """Frame-level beat tracking data: log-mel features with beat and downbeat targets.

    Each item is ``(x, beat, downbeat)``: ``x`` a float32 tensor ``(n_mels, T)``, the targets
    float32 tensors ``(T,)`` (see :func:`beat_targets`). With ``segment=None`` an item is a whole
    clip; otherwise clips are cut into segments of ``segment`` frames every ``segment_hop``
    frames (a clip shorter than ``segment`` is zero-padded; padded frames have target 0).
    Features come from ``cache`` (default: the shared :data:`FEATURE_CACHE`), so a second epoch
    does not recompute them.

    Args:
        clips: list of :class:`Clip`.
        fps: frame rate in frames/s.
        n_mels: mel bands.
        widen: target widening in frames on each side (0: none).
        widen_value: value of widened frames.
        segment, segment_hop: segment length and step in frames (``None``: whole clips).
        cache: a :class:`FeatureCache`.

    Notebook: 07_tcn_beat_tracking.ipynb
    """

    def __init__(self, clips: Sequence[Clip], fps: float = 100.0, n_mels: int = 80, widen: int = 0,
                 widen_value: float = 0.5, segment: Optional[int] = None,
                 segment_hop: Optional[int] = None, cache: Optional[FeatureCache] = None) -> None:
        self.clips = _check_clips(clips, "BeatDataset")
        _check_segment("segment", segment)
        _check_segment("segment_hop", segment_hop)
        self.fps, self.n_mels, self.widen, self.widen_value = fps, n_mels, widen, widen_value
        self.segment, self.segment_hop = segment, segment_hop
        self.cache = FEATURE_CACHE if cache is None else cache
        self.items: List[Tuple[int, int]] = []
        for i, c in enumerate(self.clips):
            n = 1 + len(c.y) // hop_length(c.sr, fps)  # frames of a centred STFT
            self.items += [(i, s) for s in _segments(n, segment, segment_hop)]

    def __len__(self) -> int:
        return len(self.items)

    def features(self, i: int) -> np.ndarray:
        """Log-mel features of clip ``i`` (whole clip), ``(n_mels, T)``."""
        c = self.clips[i]
        return self.cache.features(c.y, c.sr, fps=self.fps, n_mels=self.n_mels)

    def __getitem__(self, idx: int):
        import torch

        if not -len(self) <= idx < len(self):
            raise IndexError(f"index {idx} out of range for a dataset of {len(self)} items")
        i, s = self.items[idx]
        c = self.clips[i]
        x = self.features(i)
        beat, down = clip_targets(c, x.shape[1], self.fps, self.widen, self.widen_value)
        if self.segment is not None:
            e = s + self.segment
            x, beat, down = x[:, s:e], beat[s:e], down[s:e]
            pad = self.segment - x.shape[1]
            if pad > 0:
                x = np.pad(x, ((0, 0), (0, pad)))
                beat, down = np.pad(beat, (0, pad)), np.pad(down, (0, pad))
        return (torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)),
                torch.from_numpy(np.ascontiguousarray(beat)), torch.from_numpy(np.ascontiguousarray(down)))


class ClipDataset(_TorchDataset):
    """Clip-level classification data: a log-mel "image" and the style's class number.

    Each item is ``(x, label)``: ``x`` a float32 tensor ``(1, n_mels, T)`` (one channel, for a
    2D CNN), ``label`` an int64 scalar tensor, the index of the clip's style in ``styles``.
    With ``segment`` set, each clip gives several items (crops of ``segment`` frames every
    ``segment_hop`` frames), all with the clip's label.

    Args:
        clips: list of :class:`Clip`, each with a ``style``.
        fps, n_mels: frame rate (frames/s) and mel bands of the features.
        segment, segment_hop: crop length and step in frames (``None``: whole clips).
        styles: the label names, in class order (default :data:`STYLES`).
        cache: a :class:`FeatureCache` (default :data:`FEATURE_CACHE`).

    Raises:
        ValueError: if a clip has no style or one not in ``styles``.

    Notebook: 06_cnn2d_clip_classification.ipynb
    """

    def __init__(self, clips: Sequence[Clip], fps: float = 50.0, n_mels: int = 64,
                 segment: Optional[int] = None, segment_hop: Optional[int] = None,
                 styles: Sequence[str] = STYLES, cache: Optional[FeatureCache] = None) -> None:
        self.clips = _check_clips(clips, "ClipDataset")
        _check_segment("segment", segment)
        _check_segment("segment_hop", segment_hop)
        self.styles = tuple(styles)
        for c in self.clips:
            if c.style not in self.styles:
                raise ValueError(f"clip {c.name!r} has style {c.style!r}; every clip needs one of "
                                 f"{list(self.styles)}")
        self.fps, self.n_mels, self.segment, self.segment_hop = fps, n_mels, segment, segment_hop
        self.cache = FEATURE_CACHE if cache is None else cache
        self.items: List[Tuple[int, int]] = []
        for i, c in enumerate(self.clips):
            n = 1 + len(c.y) // hop_length(c.sr, fps)
            self.items += [(i, s) for s in _segments(n, segment, segment_hop)]

    def __len__(self) -> int:
        return len(self.items)

    @property
    def labels(self) -> np.ndarray:
        """Class number of every item, int ``(len(self),)``."""
        return np.array([self.styles.index(str(self.clips[i].style)) for i, _ in self.items])

    def __getitem__(self, idx: int):
        import torch

        if not -len(self) <= idx < len(self):
            raise IndexError(f"index {idx} out of range for a dataset of {len(self)} items")
        i, s = self.items[idx]
        c = self.clips[i]
        x = self.cache.features(c.y, c.sr, fps=self.fps, n_mels=self.n_mels)
        if self.segment is not None:
            x = x[:, s:s + self.segment]
            if x.shape[1] < self.segment:
                x = np.pad(x, ((0, 0), (0, self.segment - x.shape[1])))
        label = self.styles.index(str(c.style))
        return (torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None],
                torch.tensor(label, dtype=torch.int64))

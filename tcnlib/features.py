"""The input of the beat models: a log-mel spectrogram at 100 frames/s, computed once and cached,
and the augmentations that make one recording sound like another.

One path from audio to features: :func:`beat_features` turns any waveform (any sample rate)
into the spectrogram; :func:`clip_features` does it for a :class:`tcnlib.data.Clip` (an example
clip or one of your own, from :func:`tcnlib.load_beat_dataset`) and returns its beats and
downbeats too. A :class:`FeatureCache` (memory, and ``.npy`` files in a folder) keeps every
spectrogram it computed; :func:`feature_cache` is the course's shared one.

Notebook: 07_tcn_beat_tracking.ipynb
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

import numpy as np

from .audio import as_waveform, hop_length, log_mel_spectrogram, resample
from .data import Clip, example_dir, example_index, read_beats
from .utils import atomic_write, check_positive_int, is_int

PathLike = Union[str, os.PathLike]

SR = 22050
"""Sample rate (Hz) the beat tracker works at; other rates are resampled to it."""
FPS = 100.0
"""Nominal frame rate of the features (the exact hop is ``round(SR / FPS) = 220`` samples)."""
N_MELS = 80
"""Mel bands of :func:`beat_features`."""
GAMMA = 100.0
"""Compression of :func:`beat_features`: ``log(1 + GAMMA * mel)`` (a ~40 dB dynamic range)."""
MIN_SR, MAX_SR = 4000, 384000
"""Accepted audio sample rates in Hz (a frame rate such as 100 is not a sample rate)."""


def frame_rate(sr: int = SR, fps: float = FPS) -> float:
    """The exact frame rate ``sr / round(sr / fps)`` (100.227 frames/s at 22050 Hz).

    Notebook: 06_cnn2d_clip_classification.ipynb, 07_tcn_beat_tracking.ipynb
    """
    return sr / hop_length(sr, fps)


def check_audio(y: np.ndarray, sr: int) -> np.ndarray:
    """Validate mono audio for the beat tracker and return it as float32 ``(N,)``.

    Raises:
        ValueError: if ``sr`` is not an integer sample rate in ``[MIN_SR, MAX_SR]`` Hz, or ``y``
            is empty, not 1-D, not numeric or holds NaN/inf.

    Notebook: none (used by beat_features, tcnlib.track_beats and tcnlib.beats.librosa_beats)
    """
    if not is_int(sr) or not MIN_SR <= sr <= MAX_SR:
        raise ValueError(f"sr must be a positive integer sample rate in Hz, from {MIN_SR} to {MAX_SR}, got {sr!r}"
                         + ("; a frame rate (frames per second) is not a sample rate"
                            if is_int(sr) and 0 < sr < MIN_SR else ""))
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"y must be a 1-D (mono) waveform of shape (N,), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("y is empty: beat tracking needs at least one sample of audio")
    if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
        raise ValueError("y contains NaN or infinite samples (or is not numeric); clean the audio first")
    return as_waveform(arr)


def audio_at_beat_rate(y: np.ndarray, sr: int) -> np.ndarray:
    """:func:`check_audio`, then resampled to :data:`SR` (22050 Hz) unless it is already at that rate.

    Returns:
        float32 ``(N',)`` at 22050 Hz.

    Notebook: none (the first step of beat_features and of the streaming features)
    """
    y = check_audio(y, sr)
    if int(sr) != SR:
        y = resample(y, int(sr), SR)
    return y


# ----------------------------------------------------------------------------- the cache


def default_cache_dir() -> Path:
    """A per-user folder for cached features: ``$XDG_CACHE_HOME/tcn-course/features`` (default
    ``~/.cache/tcn-course/features``). Nothing is written until a :class:`FeatureCache` uses it.

    Notebook: none (used by feature_cache)
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tcn-course" / "features"


_FEATURE_VERSION = 1


class FeatureCache:
    """Spectrograms computed once, then reused: in memory and, with ``directory``, as ``.npy`` files.

    An entry is found by a key: :meth:`key` hashes the waveform's samples, its rate and the
    feature parameters (a changed clip or setting never returns stale features); :meth:`file_key`
    hashes an audio file's path, size and modification time (so an example clip is found without
    decoding its audio). What is read from disk is checked (float32, 2-D, the expected bands and
    frames, finite); a damaged or foreign file is recomputed and overwritten atomically. Every
    array handed out is read-only, so an in-place ``x -= x.mean()`` raises instead of changing
    what the next epoch reads: copy first (``x = S.copy()``).

    Attributes:
        directory: the folder of the ``.npy`` files, or None (memory only).
        hits, misses: how many requests were served from the cache / computed.

    Notebook: none (used by tcnlib.features.feature_cache)
    """

    def __init__(self, directory: Optional[PathLike] = None) -> None:
        self.directory = None if directory is None else Path(directory)
        if self.directory is not None and self.directory.exists() and not self.directory.is_dir():
            raise ValueError(f"directory must be a folder for the cache's .npy files, but {str(self.directory)!r} "
                             "is a file (not a directory)")
        self._mem: Dict[str, np.ndarray] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(y: np.ndarray, sr: int, params: Dict[str, object]) -> str:
        """The key of a waveform and feature parameters (a hex digest)."""
        h = hashlib.sha1()
        h.update(np.ascontiguousarray(y, dtype=np.float32).tobytes())
        h.update(repr((int(sr), _FEATURE_VERSION, sorted(params.items()))).encode())
        return h.hexdigest()

    @staticmethod
    def file_key(path: PathLike, params: Dict[str, object]) -> str:
        """The key of an audio file (resolved path, size, modification time) and feature parameters."""
        p = Path(path).resolve()
        st = p.stat()
        return hashlib.sha1(repr((str(p), st.st_size, st.st_mtime_ns, _FEATURE_VERSION,
                                  sorted(params.items()))).encode()).hexdigest()

    def get(self, key: str, n_rows: int, n_frames: Optional[int] = None) -> Optional[np.ndarray]:
        """The entry ``key`` if present and valid (``(n_rows, n_frames)`` float32, finite), else None."""
        if key in self._mem:
            self.hits += 1
            return self._mem[key]
        if self.directory is None:
            return None
        path = self.directory / f"{key}.npy"
        if not path.exists():
            return None
        try:
            S = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None  # a damaged file: recomputed and overwritten
        ok = (isinstance(S, np.ndarray) and S.dtype == np.float32 and S.ndim == 2 and S.shape[0] == n_rows
              and S.shape[1] >= 1 and (n_frames is None or S.shape[1] == n_frames) and bool(np.all(np.isfinite(S))))
        if not ok:
            return None
        self.hits += 1
        S.setflags(write=False)
        self._mem[key] = S
        return S

    def put(self, key: str, S: np.ndarray) -> np.ndarray:
        """Store ``S`` under ``key`` (memory, and an atomic ``.npy`` file); returns it read-only."""
        S = np.ascontiguousarray(S, dtype=np.float32)
        S.setflags(write=False)
        self.misses += 1
        self._mem[key] = S
        if self.directory is not None:
            with atomic_write(self.directory / f"{key}.npy", "wb") as f:
                np.save(f, S)
        return S

    def features(self, y: np.ndarray, sr: int, fps: float = 100.0, n_mels: int = 80,
                 n_fft: int = 2048, fmin: float = 30.0, fmax: Optional[float] = None,
                 gamma: float = 1.0) -> np.ndarray:
        """The log-mel spectrogram ``(n_mels, 1 + N // hop)`` of ``y`` (see ``tcnlib.log_mel_spectrogram``),
        read-only."""
        y = as_waveform(y)
        n_mels = check_positive_int("n_mels", n_mels)
        params = _params(fps, n_mels, n_fft, fmin, fmax, gamma)
        k = self.key(y, sr, params)
        S = self.get(k, n_mels, 1 + len(y) // hop_length(sr, fps))
        if S is None:
            S = self.put(k, log_mel_spectrogram(y, sr, fps=fps, n_mels=n_mels, n_fft=n_fft, fmin=fmin, fmax=fmax,
                                                gamma=gamma))
        return S

    def clear(self) -> None:
        """Forget the in-memory features (files in ``directory`` stay)."""
        self._mem.clear()

    def __len__(self) -> int:
        return len(self._mem)

    def __repr__(self) -> str:
        return (f"FeatureCache({len(self)} in memory, directory={str(self.directory) if self.directory else None}, "
                f"hits={self.hits}, misses={self.misses})")


def _params(fps: float, n_mels: int, n_fft: int = 2048, fmin: float = 30.0, fmax: Optional[float] = None,
            gamma: float = 1.0) -> Dict[str, object]:
    params: Dict[str, object] = {"fps": float(fps), "n_mels": int(n_mels), "n_fft": int(n_fft), "fmin": float(fmin),
                                 "fmax": None if fmax is None else float(fmax)}
    if float(gamma) != 1.0:  # keys of the default compression stay as they were
        params["gamma"] = float(gamma)
    return params


_FEATURE_CACHE: Optional[FeatureCache] = None


def feature_cache() -> FeatureCache:
    """The course's shared :class:`FeatureCache`, in :func:`default_cache_dir`, made on first use.

    ``feature_cache().clear()`` frees the memory it holds (the files stay).

    Notebook: none (used by clip_features)
    """
    global _FEATURE_CACHE
    if _FEATURE_CACHE is None:
        _FEATURE_CACHE = FeatureCache(default_cache_dir())
    return _FEATURE_CACHE


# ----------------------------------------------------------------------------- audio -> features


def beat_features(y: np.ndarray, sr: int, n_mels: int = N_MELS,
                  cache: Optional[FeatureCache] = None) -> np.ndarray:
    """Log-mel spectrogram at 100 fps, ``log(1 + 100 * mel)``: the input of the beat models.

    The waveform is resampled to :data:`SR` first, so any input rate gives the same frames.

    Args:
        y: waveform ``(N,)``.
        sr: its sample rate in Hz (``MIN_SR`` .. ``MAX_SR``).
        n_mels: mel bands (30 Hz .. 11025 Hz).
        cache: a :class:`FeatureCache` to reuse (then the result is read-only), or None.

    Returns:
        float32 ``(n_mels, T)`` with ``T = 1 + N' // 220`` (``N'`` samples at 22050 Hz).

    Raises:
        ValueError: if ``y`` is empty, not 1-D or not finite, or ``sr`` is not a sample rate.

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    y = audio_at_beat_rate(y, sr)
    if cache is not None:
        return cache.features(y, SR, fps=FPS, n_mels=n_mels, gamma=GAMMA)
    return log_mel_spectrogram(y, SR, fps=FPS, n_mels=n_mels, gamma=GAMMA)


ClipLike = Union[Clip, str]
"""A :class:`tcnlib.data.Clip` (with beats), or the name of an example clip such as ``"rock_00"``."""


def clip_features(clip: ClipLike, cache: Optional[FeatureCache] = None
                  ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The beat features and annotation of one clip: ``(S, beats, downbeats)``.

    ``clip`` is a :class:`tcnlib.data.Clip` (your own data from :func:`tcnlib.load_beat_dataset`,
    or an example clip) or an example clip's name; both give exactly :func:`beat_features` of the
    audio. Features come from ``cache`` (default :func:`feature_cache`): an example clip's name is
    looked up by its file, without decoding the audio again.

    Returns:
        ``S`` float32 ``(80, T)`` (read-only), beat and downbeat times in seconds.

    Raises:
        ValueError: if ``clip`` is neither a Clip nor an example clip's name.

    Notebook: none (used by tcnlib.beats' training and evaluation)
    """
    cache = feature_cache() if cache is None else cache
    if isinstance(clip, Clip):
        S = beat_features(clip.y, clip.sr, cache=cache)
        return S, _read_only(clip.beats), _read_only(clip.downbeats)
    if not isinstance(clip, str):
        raise ValueError(f"clip must be a tcnlib.Clip or an example clip's name such as 'rock_00', "
                         f"got {type(clip).__name__}")
    names = {str(r["name"]) for r in example_index()}
    if clip not in names:
        from .data import load_example_clip

        load_example_clip(clip)  # raises the ValueError that suggests names
    d = example_dir()
    key = FeatureCache.file_key(d / f"{clip}.ogg", _params(FPS, N_MELS, gamma=GAMMA))
    S = cache.get(key, N_MELS)
    if S is None:
        from .data import load_example_clip

        c = load_example_clip(clip, sr=None)
        S = cache.put(key, beat_features(c.y, c.sr))
        beats, bib = c.beats, c.beat_in_bar
    else:
        beats, bib = read_beats(d / f"{clip}.beats")
    downbeats = beats[bib == 1] if bib is not None else np.zeros(0)
    return S, _read_only(beats), _read_only(downbeats)


def _read_only(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


def example_features(name: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """:func:`clip_features` of an example clip, with its style's class number: ``(S, beats, downbeats, label)``.

    Arrays are read-only (copy before changing them in place).

    Notebook: 06_cnn2d_clip_classification.ipynb, 07_tcn_beat_tracking.ipynb
    """
    S, beats, downbeats = clip_features(str(name))
    from .data import STYLES

    style = next(str(r["style"]) for r in example_index() if r["name"] == name)
    return S, beats, downbeats, STYLES.index(style)


# ----------------------------------------------------------------------------- augmentation


def augment_features(S: np.ndarray, rng: np.random.Generator, gain_db: float = 12.0,
                     tilt_db: float = 10.0, noise: float = 0.3, shift_bands: int = 0,
                     band_limit: float = 0.0) -> np.ndarray:
    """Make a log-mel spectrogram sound like another recording: gain, EQ, a noise floor, and
    optionally a pitch shift and a band limit.

    Works on the linear mel magnitudes ``M = expm1(S)`` and compresses again:

    * gain: ``M * 10**(g / 20)``, ``g`` uniform in ``[-gain_db, gain_db]`` (louder/softer mixes);
    * EQ: a random smooth curve over the bands (a tilt plus a bump, up to ``tilt_db`` dB):
      brighter/duller recordings, other instruments' balance;
    * noise: a random floor of ``noise * rand() * median(M)`` per band (hiss, room, reverb tail);
    * pitch shift: the bands moved by a random whole number of bands in ``[-shift_bands, shift_bands]``
      (about a semitone per band in the middle of the range), the edge band repeated;
    * band limit: with probability ``band_limit``, the bands above a random cutoff (the top 5 to
      40 % of the bands) attenuated by 20-40 dB (a telephone, an old recording, a low-bitrate codec).

    Args:
        S: ``(F, T)`` from :func:`beat_features`.
        rng: a ``numpy.random.Generator``.
        gain_db, tilt_db, noise: strengths (0 switches one off).
        shift_bands: largest pitch shift in bands (0: none, the default).
        band_limit: probability of a band limit, in [0, 1] (0: never, the default).

    Returns:
        float32 ``(F, T)`` (a new array).

    Raises:
        ValueError: if ``S`` is not ``(F, T)``, ``rng`` not a Generator or a strength negative.

    Notebook: none (used by tcnlib.beats.make_beat_batch)
    """
    S = np.asarray(S, dtype=np.float32)
    if S.ndim != 2:
        raise ValueError(f"S must be a spectrogram of shape (F, T), got shape {S.shape}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    for name, value in (("gain_db", gain_db), ("tilt_db", tilt_db), ("noise", noise), ("shift_bands", shift_bands)):
        if not float(value) >= 0:
            raise ValueError(f"{name} must be >= 0 (0 switches it off), got {value!r}")
    if not 0.0 <= float(band_limit) <= 1.0:
        raise ValueError(f"band_limit must be a probability in [0, 1], got {band_limit!r}")
    M = np.expm1(S)
    F = M.shape[0]
    if int(shift_bands) > 0:
        k = int(rng.integers(-int(shift_bands), int(shift_bands) + 1))
        idx = np.clip(np.arange(F) - k, 0, F - 1)
        M = M[idx]
    if band_limit > 0 and rng.random() < band_limit:
        cut = int(F * rng.uniform(0.6, 0.95))
        M = M.copy()
        M[cut:] *= np.float32(10.0 ** (-rng.uniform(20, 40) / 20.0))
    x = np.linspace(-1.0, 1.0, F)
    centre, width = rng.uniform(-1, 1), rng.uniform(0.2, 0.8)
    curve_db = (rng.uniform(-gain_db, gain_db) + rng.uniform(-tilt_db, tilt_db) * x
                + rng.uniform(-tilt_db, tilt_db) * np.exp(-0.5 * ((x - centre) / width) ** 2))
    M = M * (10.0 ** (curve_db / 20.0)).astype(np.float32)[:, None]
    if noise > 0:
        floor = noise * rng.uniform() * np.median(M, axis=1, keepdims=True)
        M = M + floor * rng.uniform(size=M.shape).astype(np.float32)
    return np.log1p(M).astype(np.float32)


def stretch_features(S: np.ndarray, factor: float) -> np.ndarray:
    """Time-stretch a spectrogram by linear interpolation of its frames.

    ``factor > 1`` makes it longer (slower music); beat times must be multiplied by ``factor``.

    Returns:
        float32 ``(F, round(T * factor))`` (a new array).

    Raises:
        ValueError: if ``factor`` is not positive.

    Notebook: none (used by tcnlib.beats.make_beat_batch)
    """
    if not float(factor) > 0:
        raise ValueError(f"factor must be a positive number, got {factor!r}")
    T = S.shape[1]
    n = max(1, int(round(T * factor)))
    pos = np.arange(n) / factor
    i0 = np.clip(np.floor(pos).astype(int), 0, T - 1)
    i1 = np.clip(i0 + 1, 0, T - 1)
    w = (pos - i0).astype(np.float32)
    return (S[:, i0] * (1 - w) + S[:, i1] * w).astype(np.float32)

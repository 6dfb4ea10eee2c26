"""Audio in and out: loading files as mono float32, spectrograms at a chosen frame rate, players.

Conventions used across the course:

* a waveform ``y`` is a 1-D ``np.ndarray`` of float32 samples in [-1, 1], shape ``(N,)``;
* a spectrogram ``S`` is ``(F, T)``: F frequency bins (rows) by T frames (columns), with
  frame ``t`` centred on sample ``t * hop`` (``librosa``'s ``center=True``);
* a frame rate ``fps`` (frames per second, e.g. 100) fixes ``hop = round(sr / fps)`` samples.

Notebook: 01_audio_as_sequences.ipynb
"""
from __future__ import annotations

import base64
import io
import os
import warnings
from pathlib import Path
from typing import Optional, Tuple, Union

import numpy as np

from .utils import atomic_write, check_bool, check_int, check_non_negative_int, check_positive_int

PathLike = Union[str, os.PathLike]

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aiff", ".aif", ".au", ".m4a")

PCM_SCALE = {np.dtype(np.int8): 2.0 ** 7, np.dtype(np.int16): 2.0 ** 15, np.dtype(np.int32): 2.0 ** 31}
"""Full scale of the signed integer PCM types: ``int16`` sample ``s`` means ``s / 32768``."""


def _check_rate(name: str, value: float) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _check_sr(name: str, value: float) -> int:
    """A sample rate: a positive whole number of Hz (``22050`` or ``22050.0``, NumPy numbers too)."""
    _check_rate(name, value)
    if int(value) != value:
        raise ValueError(f"{name} must be a whole number of Hz, got {value!r}")
    return int(value)


def _check_path(name: str, path: object, what: str = "a file path") -> Path:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"{name} must be {what} (str or pathlib.Path), got {path!r}")
    return Path(path)


def as_waveform(y: np.ndarray, name: str = "y") -> np.ndarray:
    """Validate a waveform and return it as contiguous float32 of shape ``(N,)``.

    Every function of the course that takes audio calls this, so integer PCM (what
    ``scipy.io.wavfile.read`` returns) is scaled the same way everywhere: ``int16`` by
    ``1 / 32768``, ``int32`` by ``1 / 2**31``, ``int8`` by ``1 / 128``, and unsigned 8-bit
    (``uint8``, WAV's 8-bit format) centred first: ``(s - 128) / 128``. Floats are taken as they
    are (``[-1, 1]`` is full scale; louder values are kept, not clipped).

    Args:
        y: samples, shape ``(N,)``: floats, or int8/int16/int32/uint8 PCM.
        name: the argument's name, for error messages.

    Returns:
        float32 array ``(N,)``.

    Raises:
        ValueError: if ``y`` is not 1-D, is empty, holds NaN/inf, holds something other than
            real numbers (complex, bool, text), or holds integers that are not PCM
            (int64, uint16, ...).

    Notebook: none (every tcnlib function that takes audio calls it)
    """
    if y is None:
        raise ValueError(f"{name} must be a waveform: a 1-D array of samples, shape (N,), got None")
    try:
        arr = np.asarray(y)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{name} must be a 1-D waveform of shape (N,) holding numbers: {err}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D waveform of shape (N,), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: a waveform needs at least one sample")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name} must hold numbers (float samples or integer PCM), got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype} (take .real or np.abs first)")
    if np.issubdtype(arr.dtype, np.integer):
        if arr.dtype == np.uint8:
            return np.ascontiguousarray((arr.astype(np.float32) - 128.0) / 128.0)
        if arr.dtype not in PCM_SCALE:
            raise ValueError(f"{name} holds integers of dtype {arr.dtype}, which is not a PCM audio format: "
                             "give float samples in [-1, 1] or int16/int32/int8/uint8 PCM")
        return np.ascontiguousarray(arr.astype(np.float64) / PCM_SCALE[arr.dtype], dtype=np.float32)
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite samples")
    return arr


def _wav_truncation(p: Path) -> Optional[Tuple[int, int]]:
    """For a WAV file whose data chunk is cut short: ``(announced_bytes, present_bytes)``, else None."""
    try:
        with open(p, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
                return None
            order = "little" if head[:4] == b"RIFF" else "big"
            size = p.stat().st_size
            pos = 12
            while pos + 8 <= size:
                f.seek(pos)
                chunk = f.read(8)
                n = int.from_bytes(chunk[4:8], order)
                if chunk[:4] == b"data":
                    present = size - (pos + 8)
                    if 0 < n < 0xFFFFFFF0 and n > present:  # 0 / 0xFFFFFFFF: length unknown (streamed)
                        return n, present
                    return None
                pos += 8 + n + (n & 1)
    except OSError:
        return None
    return None


def load_audio(path: PathLike, sr: Optional[int] = 22050, *, offset: float = 0.0,
               duration: Optional[float] = None) -> Tuple[np.ndarray, int]:
    """Load any audio file as a mono float32 waveform at the chosen sample rate.

    Channels are averaged to mono; the signal is resampled (soxr, high quality) when ``sr``
    differs from the file's rate.

    Args:
        path: an audio file (WAV, FLAC, Ogg Vorbis, MP3, ...).
        sr: target sample rate in Hz, or ``None`` to keep the file's own rate.
        offset: start reading this many seconds into the file.
        duration: read at most this many seconds (``None``: to the end).

    Returns:
        ``(y, sr)``: ``y`` of shape ``(N,)``, float32; ``sr`` the rate of ``y`` in Hz.

    A truncated WAV file (an interrupted download or copy: its header announces more samples
    than the file holds) is loaded as far as it goes, with a ``UserWarning`` naming the file and
    how much is missing: the samples that are there are real, and a half-copied file is worth
    knowing about. A file that cannot be decoded at all raises.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file cannot be decoded as audio, holds no samples, or an argument
            is out of range.

    Warns:
        UserWarning: if a WAV file is truncated.

    Notebook: 01_audio_as_sequences.ipynb
    """
    import soundfile as sf

    p = _check_path("path", path)
    if not p.exists():
        raise FileNotFoundError(f"audio file not found: {str(p)!r}")
    if p.is_dir():
        raise ValueError(f"path must be an audio file, got the directory {str(p)!r}")
    if sr is not None:
        sr = _check_sr("sr", sr)
    if (isinstance(offset, (bool, np.bool_)) or not isinstance(offset, (int, float, np.integer, np.floating))
            or not np.isfinite(offset) or offset < 0):
        raise ValueError(f"offset must be >= 0 seconds (a finite number), got {offset!r}")
    if duration is not None:
        _check_rate("duration", duration)
        duration = float(duration)
    offset = float(offset)
    cut = _wav_truncation(p) if p.suffix.lower() in (".wav", ".wave", "") else None

    try:
        info = sf.info(str(p))
        native_sr = int(info.samplerate)
        start = int(round(offset * native_sr))
        frames = -1 if duration is None else int(round(duration * native_sr))
        data, native_sr = sf.read(str(p), start=start, frames=frames, dtype="float32",
                                  always_2d=True)
        data = data.mean(axis=1)
    except Exception as sf_err:  # soundfile cannot read it: try librosa's other back ends (mp3, m4a)
        try:
            import librosa

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                data, native_sr = librosa.load(str(p), sr=None, mono=True, offset=offset,
                                               duration=duration, dtype=np.float32)
        except Exception as lr_err:
            raise ValueError(
                f"could not decode {str(p)!r} as audio (is the file corrupt or not audio?): {sf_err}"
            ) from lr_err
    if data.size == 0:
        raise ValueError(f"audio file {str(p)!r} contains no samples in the requested range")
    if cut is not None:
        announced, present = cut
        warnings.warn(f"audio file {str(p)!r} is truncated: its header announces {announced} bytes of "
                      f"samples but only {present} are there ({100 * present / announced:.0f}%); loaded "
                      "what is there (copy or download the file again for all of it)", UserWarning, stacklevel=2)
    if not np.all(np.isfinite(data)):
        raise ValueError(f"audio file {str(p)!r} contains NaN or infinite samples")
    y = np.ascontiguousarray(data, dtype=np.float32)
    if sr is not None and sr != native_sr:
        y = resample(y, native_sr, sr)
    else:
        sr = int(native_sr)
    return y, sr


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample a waveform ``(N,)`` from ``orig_sr`` to ``target_sr`` Hz (soxr, high quality).

    Returns:
        float32 waveform of shape ``(ceil(N * target_sr / orig_sr),)``.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    import librosa

    y = as_waveform(y)
    orig_sr = _check_sr("orig_sr", orig_sr)
    target_sr = _check_sr("target_sr", target_sr)
    if orig_sr == target_sr:
        return y
    out = librosa.resample(y, orig_sr=orig_sr, target_sr=target_sr, res_type="soxr_hq")
    return np.ascontiguousarray(out, dtype=np.float32)


def save_audio(path: PathLike, y: np.ndarray, sr: int) -> Path:
    """Write a mono waveform ``(N,)`` to ``path``; the format follows the extension (.wav, .flac, .ogg).

    WAV and FLAC hold 16-bit PCM, Ogg holds Vorbis. Integer PCM input is scaled like everywhere
    else (see :func:`as_waveform`). Samples beyond ``[-1, 1]`` cannot be stored: they are clipped,
    with a ``UserWarning`` saying by how much (scale ``y`` down to avoid it).

    The file is encoded in memory and written atomically (a temporary file with a unique name in
    the same folder, then renamed): a crash or a full disk never leaves a half-written file, and
    an existing file stays as it was unless the new one is complete.

    Returns:
        The path written.

    Raises:
        ValueError: for a bad waveform, sample rate or extension, or a folder as ``path``.
        OSError: ``"no space left on device while writing <path>"`` when the disk is full.

    Notebook: none (for writing your own experiments' audio to disk)
    """
    import soundfile as sf

    p = _check_path("path", path, "a file path ending in .wav, .flac or .ogg")
    y = as_waveform(y)
    sr = _check_sr("sr", sr)
    fmt = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".oga": "OGG"}.get(p.suffix.lower())
    if p.is_dir():
        raise ValueError(f"path must be a file ending in .wav, .flac or .ogg, got the directory {str(p)!r}")
    if fmt is None:
        raise ValueError(f"path must end in .wav, .flac or .ogg, got {str(p)!r}")
    peak = float(np.max(np.abs(y)))
    if peak > 1.0:
        warnings.warn(f"y exceeds [-1, 1] (peak {peak:.3g}): samples beyond full scale are clipped when "
                      f"writing {str(p)!r}; divide y by its peak to keep the waveform", UserWarning, stacklevel=2)
    subtype = "VORBIS" if fmt == "OGG" else "PCM_16"
    buf = io.BytesIO()
    sf.write(buf, np.clip(y, -1.0, 1.0), sr, format=fmt, subtype=subtype)
    with atomic_write(p, "wb") as f:
        f.write(buf.getvalue())
    return p


def hop_length(sr: int, fps: float) -> int:
    """Number of samples between frames for a frame rate: ``round(sr / fps)``.

    Example: ``hop_length(22050, 100) == 220`` (so the true rate is 100.23 frames/s).

    Raises:
        ValueError: if ``fps`` is not positive or exceeds ``sr``.

    Notebook: 01_audio_as_sequences.ipynb
    """
    _check_rate("sr", sr)
    _check_rate("fps", fps)
    if fps > sr:
        raise ValueError(f"fps must be at most the sample rate sr={sr}, got {fps}")
    return max(1, int(round(sr / fps)))


def frame_times(n_frames: int, sr: int, fps: float) -> np.ndarray:
    """Time in seconds of the centre of each frame, shape ``(n_frames,)``.

    Uses the exact hop (``hop_length(sr, fps) / sr`` seconds), not the nominal ``1 / fps``.

    Notebook: 01_audio_as_sequences.ipynb
    """
    n_frames = check_non_negative_int("n_frames", n_frames)
    return np.arange(n_frames) * hop_length(sr, fps) / float(sr)


def _stft_mag(y: np.ndarray, sr: int, fps: float, n_fft: int) -> np.ndarray:
    import librosa

    y = as_waveform(y)
    hop = hop_length(sr, fps)
    n_fft = check_int("n_fft", n_fft, minimum=16)
    return np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, center=True, window="hann"))


def log_compress(S: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """Logarithmic compression ``log(1 + gamma * S)``: loud and quiet parts both stay visible.

    Args:
        S: magnitudes (>= 0, finite), any shape.
        gamma: compression strength (> 0).

    Returns:
        float32 array of ``S``'s shape.

    Raises:
        ValueError: if ``S`` holds non-numbers, NaN/inf or negative values, or ``gamma <= 0``.

    Notebook: none (used by log_spectrogram and log_mel_spectrogram)
    """
    _check_rate("gamma", gamma)
    arr = np.asarray(S)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(f"S must hold real magnitudes (numbers >= 0), got dtype {arr.dtype}")
    arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError("S contains NaN or infinite values; magnitudes must be finite numbers >= 0")
    if arr.size and float(arr.min()) < 0:
        raise ValueError(f"S must hold magnitudes >= 0 (e.g. np.abs of an STFT), got a minimum of {float(arr.min()):.4g}")
    return np.log1p(gamma * arr).astype(np.float32)


def log_spectrogram(y: np.ndarray, sr: int, fps: float = 100.0, n_fft: int = 2048,
                    gamma: float = 1.0) -> np.ndarray:
    """Log-magnitude STFT spectrogram at ``fps`` frames per second.

    Args:
        y: waveform ``(N,)``.
        sr: its sample rate in Hz.
        fps: frames per second (hop = ``round(sr / fps)`` samples).
        n_fft: FFT size in samples (window length).
        gamma: compression strength in ``log(1 + gamma * |X|)``.

    Returns:
        float32 array ``(1 + n_fft // 2, 1 + N // hop)``: frequency bins by frames.

    Notebook: 01_audio_as_sequences.ipynb
    """
    return log_compress(_stft_mag(y, sr, fps, n_fft), gamma)


def log_mel_spectrogram(y: np.ndarray, sr: int, fps: float = 100.0, n_mels: int = 80,
                        n_fft: int = 2048, fmin: float = 30.0, fmax: Optional[float] = None,
                        gamma: float = 1.0) -> np.ndarray:
    """Log-compressed mel spectrogram at ``fps`` frames per second.

    Args:
        y: waveform ``(N,)``.
        sr: its sample rate in Hz.
        fps: frames per second (hop = ``round(sr / fps)`` samples).
        n_mels: number of mel bands.
        n_fft: FFT size in samples.
        fmin, fmax: lowest and highest band edge in Hz (``fmax=None``: ``sr / 2``).
        gamma: compression strength in ``log(1 + gamma * mel)``.

    Returns:
        float32 array ``(n_mels, 1 + N // hop)``.

    Notebook: 01_audio_as_sequences.ipynb
    """
    import librosa

    _check_rate("sr", sr)
    n_mels = check_positive_int("n_mels", n_mels)
    fmax = sr / 2 if fmax is None else fmax
    for name, value in (("fmin", fmin), ("fmax", fmax)):
        if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating))
                or not np.isfinite(value)):
            raise ValueError(f"{name} must be a number of Hz in [0, sr/2], got {value!r}")
    if not 0 <= fmin < fmax <= sr / 2:
        raise ValueError(f"need 0 <= fmin < fmax <= sr/2 = {sr / 2}, got fmin={fmin}, fmax={fmax}")
    mag = _stft_mag(y, sr, fps, n_fft)
    mel = librosa.filters.mel(sr=sr, n_fft=int(n_fft), n_mels=n_mels, fmin=float(fmin), fmax=float(fmax))
    return log_compress(mel @ mag, gamma)


class _FlacAudio:
    """An inline audio player holding FLAC bytes (lossless, about half the size of WAV)."""

    def __init__(self, flac: bytes, sr: int, n_samples: int) -> None:
        self.data = flac
        self.rate = sr
        self.n_samples = n_samples

    def _repr_html_(self) -> str:
        b64 = base64.b64encode(self.data).decode("ascii")
        return ('<audio controls="controls" preload="none">'
                f'<source src="data:audio/flac;base64,{b64}" type="audio/flac" />'
                "Your browser does not support the audio element.</audio>")

    def __repr__(self) -> str:
        return f"<audio player: {self.n_samples / self.rate:.2f} s at {self.rate} Hz>"


def play(y: np.ndarray, sr: int, normalize: bool = True, max_seconds: float = 60.0) -> _FlacAudio:
    """An inline audio player for a waveform, for the last line of a notebook cell.

    The audio is embedded as FLAC (lossless) so notebooks stay small.

    Args:
        y: waveform ``(N,)``.
        sr: sample rate in Hz (players handle roughly 3 kHz to 384 kHz).
        normalize: scale the peak to 0.9 so quiet clips are audible.
        max_seconds: refuse longer clips, which would bloat the notebook.

    Notebook: 01_audio_as_sequences.ipynb
    """
    import soundfile as sf

    y = as_waveform(y)
    _check_rate("sr", sr)
    normalize = check_bool("normalize", normalize)
    _check_rate("max_seconds", max_seconds)
    if not 3000 <= sr <= 384000:
        raise ValueError(f"sr must be between 3000 and 384000 Hz for a browser player, got {sr}")
    if len(y) / sr > max_seconds:
        raise ValueError(
            f"y is {len(y) / sr:.1f} s long; play at most max_seconds={max_seconds} s (slice it first)")
    if normalize:
        peak = float(np.max(np.abs(y)))
        if peak > 0:
            y = y * (0.9 / peak)
    buf = io.BytesIO()
    sf.write(buf, np.clip(y, -1.0, 1.0), int(sr), format="FLAC", subtype="PCM_16")
    return _FlacAudio(buf.getvalue(), int(sr), len(y))

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
from pathlib import Path
from typing import Optional, Tuple, Union

import numpy as np

PathLike = Union[str, os.PathLike]

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aiff", ".aif", ".au", ".m4a")


def _check_rate(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def as_waveform(y: np.ndarray, name: str = "y") -> np.ndarray:
    """Validate a waveform and return it as contiguous float32 of shape ``(N,)``.

    Raises:
        ValueError: if ``y`` is not 1-D, is empty, or holds NaN/inf.

    Notebook: 01_audio_as_sequences.ipynb
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D waveform of shape (N,), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: a waveform needs at least one sample")
    if not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite samples")
    return arr


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

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file cannot be decoded as audio, holds no samples, or an argument
            is out of range.

    Notebook: 01_audio_as_sequences.ipynb
    """
    import soundfile as sf

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"audio file not found: {str(p)!r}")
    if p.is_dir():
        raise ValueError(f"path must be an audio file, got the directory {str(p)!r}")
    if sr is not None:
        _check_rate("sr", sr)
        if int(sr) != sr:
            raise ValueError(f"sr must be a whole number of Hz, got {sr!r}")
        sr = int(sr)
    if offset < 0:
        raise ValueError(f"offset must be >= 0 seconds, got {offset!r}")
    if duration is not None and duration <= 0:
        raise ValueError(f"duration must be positive seconds or None, got {duration!r}")

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
            import warnings

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

    Notebook: 01_audio_as_sequences.ipynb
    """
    import librosa

    y = as_waveform(y)
    _check_rate("orig_sr", orig_sr)
    _check_rate("target_sr", target_sr)
    if orig_sr == target_sr:
        return y
    out = librosa.resample(y, orig_sr=int(orig_sr), target_sr=int(target_sr), res_type="soxr_hq")
    return np.ascontiguousarray(out, dtype=np.float32)


def save_audio(path: PathLike, y: np.ndarray, sr: int) -> Path:
    """Write a mono waveform ``(N,)`` to ``path``; the format follows the extension (.wav, .flac, .ogg).

    The file is written to a temporary name first and then renamed, so a crash never leaves a
    half-written file behind.

    Notebook: 01_audio_as_sequences.ipynb
    """
    import soundfile as sf

    y = as_waveform(y)
    _check_rate("sr", sr)
    p = Path(path)
    fmt = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".oga": "OGG"}.get(p.suffix.lower())
    if fmt is None:
        raise ValueError(f"path must end in .wav, .flac or .ogg, got {str(p)!r}")
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    subtype = "VORBIS" if fmt == "OGG" else "PCM_16"
    sf.write(str(tmp), np.clip(y, -1.0, 1.0), int(sr), format=fmt, subtype=subtype)
    os.replace(tmp, p)
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
    if n_frames < 0:
        raise ValueError(f"n_frames must be >= 0, got {n_frames}")
    return np.arange(n_frames) * hop_length(sr, fps) / float(sr)


def _stft_mag(y: np.ndarray, sr: int, fps: float, n_fft: int) -> np.ndarray:
    import librosa

    y = as_waveform(y)
    hop = hop_length(sr, fps)
    if isinstance(n_fft, bool) or not isinstance(n_fft, (int, np.integer)) or n_fft < 16:
        raise ValueError(f"n_fft must be an integer >= 16, got {n_fft!r}")
    return np.abs(librosa.stft(y, n_fft=int(n_fft), hop_length=hop, center=True, window="hann"))


def log_compress(S: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """Logarithmic compression ``log(1 + gamma * S)``: loud and quiet parts both stay visible.

    Notebook: 01_audio_as_sequences.ipynb
    """
    _check_rate("gamma", gamma)
    return np.log1p(gamma * np.asarray(S, dtype=np.float32)).astype(np.float32)


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

    if isinstance(n_mels, bool) or not isinstance(n_mels, (int, np.integer)) or n_mels < 1:
        raise ValueError(f"n_mels must be a positive integer, got {n_mels!r}")
    fmax = sr / 2 if fmax is None else fmax
    if not 0 <= fmin < fmax <= sr / 2:
        raise ValueError(f"need 0 <= fmin < fmax <= sr/2 = {sr / 2}, got fmin={fmin}, fmax={fmax}")
    mag = _stft_mag(y, sr, fps, n_fft)
    mel = librosa.filters.mel(sr=sr, n_fft=int(n_fft), n_mels=int(n_mels), fmin=fmin, fmax=fmax)
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

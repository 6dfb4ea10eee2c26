"""Online beat tracking for real: a causal front end, a streamed causal TCN and a causal decoder.

Three parts, each one frame in and nothing from the future beyond what is declared:

* **Causal features** (:func:`causal_beat_features`, :class:`CausalFeatureStream`): the beat
  models' log-mel spectrogram (same mel bands, compression and 100 frames/s as
  :func:`tcnlib.features.beat_features`), but frame ``t``'s STFT window covers the samples
  ``[t*hop - n_fft, t*hop)`` (zeros before the start) instead of being centred on ``t*hop``.
  Frame ``t`` is therefore known the moment sample ``t*hop - 1`` has arrived: the window adds no
  lookahead. (The centred STFT's frame ``t`` already holds ``n_fft / 2`` = 1024 samples = 46 ms of
  the future.) The stream produces exactly the offline frames for any split of the audio.
* **Model** (:class:`OnlineBeatModel`): a causal :class:`tcnlib.TCN` straight on the 80 mel bands
  with a 1x1 output (BeatNet's 2-D front end is not streamable by :class:`tcnlib.streaming.TCNStream`),
  streamed frame by frame with ``model.tcn.stream()``. Trained on targets delayed by ``lookahead``
  frames, its output at frame ``t`` says "a beat at frame ``t - lookahead``": it may look
  ``lookahead`` frames past the beat.
* **Decoder** (:class:`CausalPeakPicker`): a beat is a local maximum above ``threshold``, at least
  ``refractory`` seconds after the previous beat; it is confirmed one frame after the peak and never
  revised.

:class:`OnlineBeatTracker` puts them together: ``process(block)`` takes the next block of audio
(any size) and returns the beats decided during that call, each at most :attr:`OnlineBeatTracker.latency`
seconds after it happened (window 0 + model lookahead + decoder delay of one frame).

Notebook: 04_causality.ipynb
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from .audio import hop_length
from .data import beat_targets, pretrained_path
from .features import FPS, GAMMA, N_MELS, SR, check_audio
from .models import TCN
from .utils import atomic_write, check_module, check_non_negative_int, check_positive_int, is_int

PathLike = Union[str, os.PathLike]

N_FFT = 2048
"""STFT window of the beat features in samples (93 ms at 22050 Hz), as in :func:`tcnlib.features.beat_features`."""
HOP = hop_length(SR, FPS)
"""Samples between frames (220 at 22050 Hz: 9.98 ms)."""
RATE = SR / HOP
"""Exact frame rate of the causal features (100.227 frames/s)."""
FMIN = 30.0
"""Lowest mel band edge in Hz (as :func:`tcnlib.features.beat_features`)."""
DECODER_DELAY = 1
"""Frames :class:`CausalPeakPicker` waits after a peak before it confirms it (it must see the next frame fall)."""
ONLINE_PRETRAINED = pretrained_path("beat_tcn_online.pt", must_exist=False)
"""The checkpoint :class:`OnlineBeatTracker` loads by default (``assets/pretrained/beat_tcn_online.pt``)."""

__all__ = ["DECODER_DELAY", "HOP", "N_FFT", "ONLINE_PRETRAINED", "RATE", "CausalFeatureStream", "CausalPeakPicker",
           "OnlineBeatModel", "OnlineBeatTracker", "causal_beat_features", "decode_online", "load_online_model",
           "online_targets", "save_online_model"]


# ----------------------------------------------------------------------------- causal features


@functools.lru_cache(maxsize=4)
def _mel_basis(n_mels: int) -> np.ndarray:
    import librosa

    mel = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=n_mels, fmin=FMIN, fmax=SR / 2).astype(np.float32)
    mel.setflags(write=False)
    return mel


@functools.lru_cache(maxsize=1)
def _window() -> np.ndarray:
    from scipy.signal import get_window

    w = get_window("hann", N_FFT, fftbins=True).astype(np.float32)
    w.setflags(write=False)
    return w


def _frames_features(frames: np.ndarray, mel: np.ndarray) -> np.ndarray:
    """Frames ``(k, N_FFT)`` -> their compressed mel magnitudes ``(n_mels, k)`` (float32).

    Each frame's row is computed on its own (NumPy's FFT transforms rows one by one, and ``einsum``
    sums each output in the same order whatever ``k`` is), so a frame's value never depends on which
    other frames were computed with it: offline and streamed frames are equal bit for bit (tested).
    """
    mag = np.abs(np.fft.rfft(frames * _window(), axis=1)).astype(np.float32)
    return np.log1p(GAMMA * np.einsum("tf,mf->mt", mag, mel)).astype(np.float32)


class CausalFeatureStream:
    """Causal beat features computed block by block: the frames of :func:`causal_beat_features`.

    Frame ``t`` (time stamp ``t * HOP / SR`` seconds) covers samples ``[t*HOP - N_FFT, t*HOP)`` and is
    produced as soon as ``t*HOP`` samples have arrived (frame 0, all zeros before the start, by the
    first call). Memory: the last ``N_FFT`` samples.

    Usage::

        fs = CausalFeatureStream()
        S_block = fs.process(block)      # (n_mels, k): the k frames completed by this block

    Notebook: 04_causality.ipynb
    """

    def __init__(self, n_mels: int = N_MELS) -> None:
        self.n_mels = check_positive_int("n_mels", n_mels)
        _mel_basis(self.n_mels), _window()  # one-off set-up now, not in the first real-time block
        self.reset()

    def reset(self) -> None:
        """Start a new stream (no samples seen)."""
        self._buf = np.zeros(N_FFT, dtype=np.float32)  # samples [next*HOP - N_FFT, n_samples)
        self.n_samples = 0
        self.frames_done = 0

    def process(self, block: np.ndarray) -> np.ndarray:
        """Feed the next samples (mono, at :data:`tcnlib.features.SR`); returns the new frames ``(n_mels, k)``.

        Raises:
            ValueError: if ``block`` is not 1-D finite numbers (an empty block is fine: no new samples).
        """
        b = np.asarray(block)
        if b.ndim != 1 or (b.size and (not np.issubdtype(b.dtype, np.number) or not np.all(np.isfinite(b)))):
            raise ValueError(f"block must be 1-D finite audio samples of shape (n,), got shape {b.shape}")
        self._buf = np.concatenate([self._buf, b.astype(np.float32, copy=False)])
        self.n_samples += int(b.size)
        n_new = self.n_samples // HOP + 1 - self.frames_done  # frames t with t*HOP <= n_samples
        if n_new <= 0:
            return np.zeros((self.n_mels, 0), dtype=np.float32)
        from numpy.lib.stride_tricks import sliding_window_view

        frames = sliding_window_view(self._buf, N_FFT)[::HOP][:n_new]   # starts at 0, HOP, 2*HOP, ...
        S = _frames_features(frames, _mel_basis(self.n_mels))
        self.frames_done += n_new
        self._buf = self._buf[n_new * HOP:]
        return S


def causal_beat_features(y: np.ndarray, sr: int, n_mels: int = N_MELS) -> np.ndarray:
    """Causal log-mel beat features: frame ``t``'s window ends at frame ``t``'s time stamp.

    Same mel bands (30 Hz .. 11025 Hz), window (Hann, 2048 samples), hop (220 samples) and
    compression ``log(1 + 100 * mel)`` as :func:`tcnlib.features.beat_features`, but frame ``t``
    covers samples ``[t*220 - 2048, t*220)`` (zero-padded on the left) instead of a window centred
    on ``t*220``: no frame holds audio from after its time stamp.

    Args:
        y: waveform ``(N,)``.
        sr: its sample rate in Hz (resampled to 22050 Hz first).
        n_mels: mel bands.

    Returns:
        float32 ``(n_mels, 1 + N' // 220)`` (``N'`` samples at 22050 Hz), the frames
        :class:`CausalFeatureStream` produces for any split of the same audio.

    Raises:
        ValueError: if ``y`` is empty, not 1-D or not finite, or ``sr`` is not a sample rate.

    Notebook: 04_causality.ipynb
    """
    y = check_audio(y, sr)
    if int(sr) != SR:
        from .audio import resample

        y = resample(y, int(sr), SR)
    return CausalFeatureStream(n_mels).process(y)


# ----------------------------------------------------------------------------- targets and model


def online_targets(beats: Sequence[float], n_frames: int, lookahead: int, widen: float = 0.5) -> np.ndarray:
    """Beat targets delayed by ``lookahead`` frames: frame ``t`` is 1 when a beat is at frame ``t - lookahead``.

    A causal model trained on them may look ``lookahead`` frames past each beat before it answers.

    Returns:
        float32 ``(n_frames,)`` (neighbours of a beat frame set to ``widen``; 0 switches widening off).

    Notebook: none (used by assets/pretrained/train_online_tracker.py)
    """
    lookahead = check_non_negative_int("lookahead", lookahead, unit="frames")
    n_frames = check_positive_int("n_frames", n_frames)
    if not 0.0 <= float(widen) <= 1.0:
        raise ValueError(f"widen must be in [0, 1], got {widen!r}")
    t = np.asarray(beats, dtype=float) + lookahead * HOP / SR
    return beat_targets(t, n_frames, SR, FPS, widen=1 if widen > 0 else 0, widen_value=float(widen) or 0.5,
                        outside="drop")


class OnlineBeatModel(nn.Module):
    """Causal TCN on the mel frames + a 1x1 convolution: beat logits per frame, streamable.

    Args:
        n_mels: input bands.
        channels: channels of every block.
        n_blocks: residual blocks (dilations 1, 2, 4, ..., ``2**(n_blocks-1)``).
        kernel_size: kernel size of the blocks.
        dropout: (channel) dropout in the blocks.
        lookahead: frames past a beat the model was trained to wait before answering (stored with the
            weights; :class:`OnlineBeatTracker` subtracts it from the reported times).

    Shapes: ``forward(x: (B, n_mels, T)) -> (B, 1, T)`` logits (the beat at frame ``t - lookahead``).

    Notebook: none (the model inside OnlineBeatTracker)
    """

    def __init__(self, n_mels: int = N_MELS, channels: int = 16, n_blocks: int = 8, kernel_size: int = 5,
                 dropout: float = 0.1, lookahead: int = 0) -> None:
        super().__init__()
        n_mels, channels = check_positive_int("n_mels", n_mels), check_positive_int("channels", channels)
        n_blocks, kernel_size = check_positive_int("n_blocks", n_blocks), check_positive_int("kernel_size", kernel_size)
        lookahead = check_non_negative_int("lookahead", lookahead, unit="frames")
        if not 0 <= float(dropout) < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.config: Dict[str, object] = dict(n_mels=n_mels, channels=channels, n_blocks=n_blocks,
                                              kernel_size=kernel_size, dropout=float(dropout), lookahead=lookahead)
        self.lookahead = lookahead
        self.tcn = TCN(n_mels, [channels] * n_blocks, kernel_size=kernel_size, causal=True, dropout=float(dropout),
                       activation="elu")
        self.head = nn.Conv1d(channels, 1, 1)

    @property
    def receptive_field(self) -> int:
        """Frames of the past (including the current one) one output depends on."""
        return self.tcn.receptive_field

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n_mels = self.config["n_mels"]
        if x.dim() != 3 or x.shape[1] != n_mels:
            raise ValueError(f"x must have shape (B, {n_mels}, T), got {tuple(x.shape)}")
        return self.head(self.tcn(x))


def save_online_model(path: PathLike, model: OnlineBeatModel, info: Optional[Dict[str, object]] = None) -> Path:
    """Write ``{"model": state dict, "config": ..., "info": ...}`` atomically (loads with ``weights_only=True``).

    Notebook: none (used by assets/pretrained/train_online_tracker.py)
    """
    if not isinstance(model, OnlineBeatModel):
        raise ValueError(f"model must be an OnlineBeatModel, got {type(model).__name__}")
    p = Path(path)
    with atomic_write(p, "wb", encoding=None) as f:
        torch.save({"model": model.state_dict(), "config": dict(model.config), "info": dict(info or {})}, f)
    return p


def load_online_model(path: PathLike = ONLINE_PRETRAINED) -> OnlineBeatModel:
    """Load an :class:`OnlineBeatModel` written by :func:`save_online_model` (``weights_only=True``), in eval mode.

    Its ``info`` dict (how it was trained, its scores) is attached as ``model.info``.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file is not such a checkpoint.

    Notebook: none (used by OnlineBeatTracker)
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no online beat model at {str(p)!r} (train one with "
                                "assets/pretrained/train_online_tracker.py)")
    try:
        ck = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as err:  # a damaged or foreign file: torch raises several kinds
        raise ValueError(f"{str(p)!r} is not an online beat model checkpoint ({type(err).__name__})") from None
    if not isinstance(ck, dict) or not {"model", "config"} <= set(ck):
        raise ValueError(f"{str(p)!r} is not an online beat model checkpoint (needs 'model' and 'config')")
    model = OnlineBeatModel(**ck["config"])
    model.load_state_dict(ck["model"])
    model.info = dict(ck.get("info", {}))  # type: ignore[assignment]
    return model.eval()


# ----------------------------------------------------------------------------- decoder


class CausalPeakPicker:
    """Online peak picking: a frame is a beat when it is a local maximum above ``threshold`` and at
    least ``refractory`` frames after the previous beat.

    Frame ``p`` is decided when frame ``p + 1`` arrives (:data:`DECODER_DELAY` = 1 frame): it is a
    beat if ``a[p] >= threshold``, ``a[p] > a[p-1]``, ``a[p] >= a[p+1]`` and ``p - last >= refractory``.
    A decision is never revised.

    Notebook: none (used by OnlineBeatTracker)
    """

    def __init__(self, threshold: float = 0.3, refractory: int = 25) -> None:
        if not 0.0 < float(threshold) <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
        self.threshold = float(threshold)
        self.refractory = check_positive_int("refractory", refractory, unit="frames")
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new stream)."""
        self._prev2 = 0.0   # a[p-1]
        self._prev = 0.0    # a[p]
        self.t = 0          # frames seen
        self._last = -10 ** 9

    def step(self, a: float) -> Optional[int]:
        """Feed activation ``a`` of the next frame; returns the frame index of a beat decided now, or None."""
        if not np.isfinite(float(a)):
            raise ValueError(f"activation a must be a finite number, got {a!r} (NaN or inf)")
        p = self.t - 1
        beat = None
        if (p >= 0 and self._prev >= self.threshold and self._prev > self._prev2 and self._prev >= a
                and p - self._last >= self.refractory):
            beat = p
            self._last = p
        self._prev2, self._prev = self._prev, float(a)
        self.t += 1
        return beat


def decode_online(activation: np.ndarray, lookahead: int = 0, threshold: float = 0.3,
                  refractory: float = 0.25) -> np.ndarray:
    """Beat times that :class:`CausalPeakPicker` reports on a whole activation, frame by frame.

    The same decisions :class:`OnlineBeatTracker` makes live (for a causal model the offline
    activation equals the streamed one), so models can be scored and thresholds chosen quickly.

    Args:
        activation: ``(T,)`` per-frame beat activation in [0, 1] (e.g. ``sigmoid(model(S))``).
        lookahead: the model's lookahead in frames (subtracted from the peaks' frames).
        threshold, refractory: as :class:`OnlineBeatTracker`.

    Returns:
        Beat times in seconds ``(n,)``, increasing.

    Notebook: none (used by assets/pretrained/train_online_tracker.py)
    """
    a = np.asarray(activation, dtype=float)
    if a.ndim != 1 or not np.all(np.isfinite(a)):
        raise ValueError(f"activation must be 1-D finite values of shape (T,), got shape {a.shape}")
    lookahead = check_non_negative_int("lookahead", lookahead, unit="frames")
    if not float(refractory) > 0:
        raise ValueError(f"refractory must be a positive number of seconds, got {refractory!r}")
    picker = CausalPeakPicker(threshold, max(1, int(round(float(refractory) * RATE))))
    frames = [p for p in (picker.step(v) for v in a) if p is not None and p - lookahead >= 0]
    return (np.asarray(frames, dtype=float) - lookahead) * HOP / SR


# ----------------------------------------------------------------------------- the tracker


class OnlineBeatTracker:
    """A real-time beat tracker: audio blocks in, beat times out, each at most :attr:`latency` late.

    Pipeline per block: :class:`CausalFeatureStream` (frames whose window ends at their time stamp)
    -> the :class:`OnlineBeatModel`'s TCN streamed one frame at a time (``model.tcn.stream()``, ring
    buffers, equal to the offline model) and its 1x1 head -> sigmoid -> :class:`CausalPeakPicker`.
    A beat at frame ``p`` (time ``p * HOP / SR``) shows up as an activation peak at frame
    ``p + lookahead`` and is confirmed one frame later, so it is reported when the audio up to
    ``p * HOP / SR + latency`` has arrived, and never revised.

    Args:
        sr: sample rate of the blocks in Hz; must be 22050 (:data:`tcnlib.features.SR`): resample a
            live input to it (e.g. open the sound card at 22050 Hz).
        model: an :class:`OnlineBeatModel`, or None to load ``checkpoint``.
        checkpoint: path of a :func:`save_online_model` file (default :data:`ONLINE_PRETRAINED`).
        threshold: activation a peak must reach to count as a beat, in (0, 1]; None: the one chosen
            on the validation clips and stored in the checkpoint's ``info`` (else 0.3).
        refractory: shortest time between two beats in seconds (0.25 s: at most 240 BPM).

    Attributes:
        latency: declared algorithmic latency in seconds: window (0: causal frames) + model
            lookahead + decoder delay (one frame).
        latency_parts: the three terms in seconds.
        activations: every frame's activation so far (a list, for plots).

    Usage::

        tracker = OnlineBeatTracker(22050)
        for block in blocks:                  # e.g. 512 samples each
            for t in tracker.process(block):  # beats decided during this block
                click(t)

    Notebook: 04_causality.ipynb
    """

    def __init__(self, sr: int = SR, model: Optional[OnlineBeatModel] = None,
                 checkpoint: Optional[PathLike] = None, threshold: Optional[float] = None,
                 refractory: float = 0.25) -> None:
        if not is_int(sr) or int(sr) != SR:
            raise ValueError(f"sr must be {SR} Hz, the rate of the beat features, got {sr!r}; resample the "
                             f"input first (tcnlib.resample) or open the audio device at {SR} Hz")
        if model is not None and checkpoint is not None:
            raise ValueError("give model or checkpoint, not both")
        if model is None:
            model = load_online_model(ONLINE_PRETRAINED if checkpoint is None else checkpoint)
        check_module("model", model)
        if not isinstance(model, OnlineBeatModel):
            raise ValueError(f"model must be an OnlineBeatModel, got {type(model).__name__}")
        if not float(refractory) > 0:
            raise ValueError(f"refractory must be a positive number of seconds, got {refractory!r}")
        self.sr = SR
        self.model = model
        self.lookahead = int(model.lookahead)
        if threshold is None:  # the threshold chosen on the validation clips, stored with the weights
            threshold = float(getattr(model, "info", {}).get("threshold", 0.3))
        self.picker = CausalPeakPicker(threshold, max(1, int(round(float(refractory) * RATE))))
        w = model.head.weight.detach().cpu().numpy()[:, :, 0].astype(np.float32)  # (1, C)
        self._head_w = w[0].copy()
        self._head_b = float(model.head.bias.detach().cpu().numpy()[0])
        self.latency_parts: Dict[str, float] = {"window": 0.0, "model lookahead": self.lookahead * HOP / SR,
                                                "decoder": DECODER_DELAY * HOP / SR}
        self.latency = float(sum(self.latency_parts.values()))
        self.features = CausalFeatureStream(int(model.config["n_mels"]))
        with torch.no_grad():
            self._stream = model.tcn.stream()
        self.activations: List[float] = []

    def reset(self) -> None:
        """Start over: a new stream from time 0 (features, model history and decoder forgotten)."""
        self.features.reset()
        self._stream.reset()
        self.picker.reset()
        self.activations = []

    def process(self, block: np.ndarray) -> np.ndarray:
        """Feed the next block of mono audio (any length, at 22050 Hz); returns the beats decided now.

        Returns:
            Beat times in seconds from the stream's start ``(n,)``, increasing, each later than every
            beat returned before (empty when no beat was decided during this block).

        Raises:
            ValueError: if ``block`` is not 1-D finite samples.
        """
        S = self.features.process(block)
        beats = []
        for k in range(S.shape[1]):
            h = self._stream.step(S[None, :, k])[0]
            z = float(h @ self._head_w + self._head_b)
            a = 1.0 / (1.0 + np.exp(-z))
            self.activations.append(a)
            p = self.picker.step(a)
            if p is not None and p - self.lookahead >= 0:
                beats.append((p - self.lookahead) * HOP / SR)
        return np.asarray(beats, dtype=float)

    def run(self, y: np.ndarray, block: int = 512) -> np.ndarray:
        """Reset, feed ``y`` in blocks of ``block`` samples, and return every beat reported (seconds).

        Beats within ``latency`` of the end are not decided yet (a live stream would report them
        when more audio arrives).
        """
        block = check_positive_int("block", block, unit="samples")
        y = check_audio(y, self.sr)
        self.reset()
        out = [self.process(y[i:i + block]) for i in range(0, len(y), block)]
        return np.concatenate(out) if out else np.zeros(0)

    def __repr__(self) -> str:
        return (f"OnlineBeatTracker(sr={self.sr}, lookahead={self.lookahead} frames, "
                f"latency={1000 * self.latency:.1f} ms, threshold={self.picker.threshold})")

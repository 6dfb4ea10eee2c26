"""Beat and downbeat tracking with a TCN: features, frame targets, models, decoding, evaluation.

The classic design of Davies & Böck (2019) / Böck & Davies (2020), small enough to train on a CPU:

* input: a log-mel spectrogram at 100 frames per second (:func:`beat_features`);
* a few 2-D convolutions over (frequency, time) squeeze the spectrum into 16 channels per frame;
* a non-causal TCN (11 blocks, kernel 5, dilations 1..1024) sees ~80 s of context per frame;
* two sigmoid outputs per frame: beat and downbeat activations;
* post-processing: peak picking (:func:`pick_peaks`) or, better, a beat-pointer HMM decoded with a
  vectorised Viterbi (:func:`decode_beats`, our own numpy version of the idea of Krebs et al.
  2015 as used by madmom), then the bar phase from the downbeat activation
  (:func:`decode_downbeats`);
* evaluation with ``mir_eval`` (F-measure, CMLt, AMLt; :func:`evaluate_beats`).

:func:`track_beats` and :func:`track_downbeats` run the pretrained checkpoint committed in
``assets/pretrained/beat_tcn.pt`` (trained by ``assets/pretrained/train_beat_tracker.py``).

Notebook: 07_tcn_beat_tracking.ipynb
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from .audio import as_waveform, hop_length, log_mel_spectrogram, resample
from .data import FeatureCache, default_cache_dir
from .data import beat_frames as _beat_frames
from .data import beat_targets as _beat_targets
from .models import TCN

PathLike = Union[str, os.PathLike]

SR = 22050
"""Sample rate (Hz) the beat tracker works at; other rates are resampled to it."""
FPS = 100.0
"""Nominal frame rate of the activations (the exact hop is ``round(SR / FPS) = 220`` samples)."""
N_MELS = 80
"""Mel bands of :func:`beat_features`."""
GAMMA = 100.0
"""Compression of :func:`beat_features`: ``log(1 + GAMMA * mel)`` (a ~40 dB dynamic range)."""
MODEL_KINDS = ("tcn", "cnn")
PRETRAINED = Path(__file__).resolve().parents[1] / "assets" / "pretrained" / "beat_tcn.pt"
"""The checkpoint used by :func:`track_beats`."""


# ----------------------------------------------------------------------------- features and targets


def beat_features(y: np.ndarray, sr: int, n_mels: int = N_MELS) -> np.ndarray:
    """Log-mel spectrogram at 100 fps, ``log(1 + 100 * mel)``: the input of the beat models.

    The waveform is resampled to :data:`SR` first, so any input rate gives the same frames.

    Args:
        y: waveform ``(N,)``.
        sr: its sample rate in Hz.
        n_mels: mel bands (30 Hz .. 11025 Hz).

    Returns:
        float32 ``(n_mels, T)`` with ``T = 1 + N' // 220`` (``N'`` samples at 22050 Hz).

    Raises:
        ValueError: if ``y`` is empty, not 1-D or not finite, or ``sr`` is not positive.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    y = _check_audio(y, sr)
    if int(sr) != SR:
        y = resample(y, int(sr), SR)
    return log_mel_spectrogram(y, SR, fps=FPS, n_mels=n_mels, gamma=GAMMA)


def _check_audio(y: np.ndarray, sr: int) -> np.ndarray:
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ValueError(f"sr must be a positive integer sample rate in Hz, got {sr!r}")
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"y must be a 1-D (mono) waveform of shape (N,), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("y is empty: beat tracking needs at least one sample of audio")
    if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
        raise ValueError("y contains NaN or infinite samples (or is not numeric); clean the audio first")
    return as_waveform(arr)


def frame_rate(sr: int = SR, fps: float = FPS) -> float:
    """The exact frame rate ``sr / round(sr / fps)`` (100.227 frames/s at 22050 Hz).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    return sr / hop_length(sr, fps)


def _targets(times: np.ndarray, n_frames: int, widen: float = 0.5) -> np.ndarray:
    """:func:`tcnlib.data.beat_targets` at the beat models' frame rate, one frame of widening.

    Events outside the ``n_frames`` frames are dropped (random crops and time-stretching push some
    out), where ``tcnlib.data.beat_targets`` would reject them. ``widen`` is the neighbours' value
    (0: no widening).
    """
    if not 0.0 <= float(widen) <= 1.0:
        raise ValueError(f"widen must be in [0, 1], got {widen!r}")
    t = np.asarray(times, dtype=float).reshape(-1)
    idx = _beat_frames(t, SR, FPS)
    t = t[(idx >= 0) & (idx < n_frames)]
    return _beat_targets(t, n_frames, SR, FPS, widen=1 if widen > 0 else 0, widen_value=float(widen) or 0.5)


_FEATURE_CACHE: Optional[FeatureCache] = None


def feature_cache() -> FeatureCache:
    """The cache of :func:`example_features`: a :class:`tcnlib.data.FeatureCache` in
    :func:`tcnlib.data.default_cache_dir` (``$XDG_CACHE_HOME/tcn-course/features``), made on first use.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    global _FEATURE_CACHE
    if _FEATURE_CACHE is None:
        _FEATURE_CACHE = FeatureCache(default_cache_dir())
    return _FEATURE_CACHE


@functools.lru_cache(maxsize=None)
def _example_features_cached(name: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    from .data import load_example_clip

    clip = load_example_clip(name, sr=None)
    y = _check_audio(clip.y, clip.sr)
    if int(clip.sr) != SR:
        y = resample(y, int(clip.sr), SR)
    S = feature_cache().features(y, SR, fps=FPS, n_mels=N_MELS, gamma=GAMMA)
    return S, clip.beats, clip.downbeats, clip.label


def example_features(name: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Features and annotations of one example clip, computed once (memory and disk cache).

    The spectrogram (exactly :func:`beat_features`) comes from :func:`feature_cache`, the course's
    :class:`tcnlib.data.FeatureCache` on disk, keyed by the audio samples and the feature settings.

    Returns:
        ``(S, beats, downbeats, label)``: ``S`` float32 ``(80, T)`` from :func:`beat_features`,
        beat and downbeat times in seconds, the style's class number. Arrays are read-only.

    Notebook: 06_cnn2d_clip_classification.ipynb, 07_tcn_beat_tracking.ipynb
    """
    S, b, d, label = _example_features_cached(str(name))
    for arr in (S, b, d):
        arr.setflags(write=False)
    return S, b, d, label


# ----------------------------------------------------------------------------- augmentation


def augment_features(S: np.ndarray, rng: np.random.Generator, gain_db: float = 12.0,
                     tilt_db: float = 10.0, noise: float = 0.3) -> np.ndarray:
    """Make a log-mel spectrogram sound like another recording: gain, EQ, a noise floor.

    Works on the linear mel magnitudes ``M = expm1(S)`` and compresses again:

    * gain: ``M * 10**(g / 20)``, ``g`` uniform in ``[-gain_db, gain_db]`` (louder/softer mixes);
    * EQ: a random smooth curve over the bands (a tilt plus a bump, up to ``tilt_db`` dB):
      brighter/duller recordings, other instruments' balance;
    * noise: a random floor of ``noise * rand() * median(M)`` per band (hiss, room, reverb tail).

    Args:
        S: ``(F, T)`` from :func:`beat_features`.
        rng: a ``numpy.random.Generator``.
        gain_db, tilt_db, noise: strengths (0 switches one off).

    Returns:
        float32 ``(F, T)``.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    M = np.expm1(np.asarray(S, dtype=np.float32))
    F = M.shape[0]
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
        float32 ``(F, round(T * factor))``.

    Raises:
        ValueError: if ``factor`` is not positive.

    Notebook: 07_tcn_beat_tracking.ipynb
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


def make_beat_batch(names: Sequence[str], seed: int, batch_size: int = 8, frames: int = 1000,
                    augment: bool = True, stretch: Tuple[float, float] = (0.8, 1.25),
                    widen: float = 0.5) -> Tuple[torch.Tensor, torch.Tensor]:
    """One training batch of random crops of example clips (reproducible from ``seed``).

    Args:
        names: example clip names to draw from.
        seed: seeds the choice of clips, crops and augmentation.
        batch_size: crops per batch.
        frames: crop length in frames (1000 = 10 s).
        augment: apply :func:`augment_features` and a random tempo change in ``stretch``.
        stretch: range of the time-stretch factor (log-uniform).
        widen: value of the frames beside each beat in the targets (:func:`tcnlib.data.beat_targets`).

    Returns:
        ``(x, y)``: ``x`` float32 ``(B, 80, frames)``; ``y`` float32 ``(B, 2, frames)`` holding beat
        and downbeat targets.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    if not names:
        raise ValueError("names must list at least one example clip")
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for _ in range(batch_size):
        S, beats, downbeats, _ = example_features(names[int(rng.integers(len(names)))])
        factor = 1.0
        if augment:
            factor = float(np.exp(rng.uniform(np.log(stretch[0]), np.log(stretch[1]))))
            S = stretch_features(S, factor)
            S = augment_features(S, rng)
        T = S.shape[1]
        tb = _targets(beats * factor, T, widen)
        td = _targets(downbeats * factor, T, widen)
        if T >= frames:
            start = int(rng.integers(T - frames + 1))
            S, tb, td = S[:, start:start + frames], tb[start:start + frames], td[start:start + frames]
        else:
            pad = frames - T
            S = np.pad(S, ((0, 0), (0, pad)))
            tb, td = np.pad(tb, (0, pad)), np.pad(td, (0, pad))
        xs.append(S)
        ys.append(np.stack([tb, td]))
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def beat_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of beat and downbeat logits ``(B, 2, T)`` against targets ``(B, 2, T)``.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    return nn.functional.binary_cross_entropy_with_logits(logits.float(), targets.float())


# ----------------------------------------------------------------------------- models


class SpectralFrontEnd(nn.Module):
    """2-D convolutions over (frequency, time) that turn a spectrogram into ``channels`` per frame.

    conv 3x3 (channels/2) -> ELU -> max-pool 3 over frequency -> conv 3x3 -> ELU -> max-pool 3 -> conv
    over all remaining bands -> ELU (Davies & Böck 2019). In time every conv is "same" (non-causal)
    or left-padded (causal); the front end spans 5 frames.

    Shapes: ``(B, n_mels, T) -> (B, channels, T)``.

    Notebook: 07_tcn_beat_tracking.ipynb
    """

    def __init__(self, n_mels: int = N_MELS, channels: int = 16, causal: bool = False, dropout: float = 0.1) -> None:
        super().__init__()
        if n_mels < 26:
            raise ValueError(f"n_mels must be at least 26 for the front end's pooling, got {n_mels}")
        self.causal = causal
        self.conv1 = nn.Conv2d(1, max(1, channels // 2), (3, 3))
        self.conv2 = nn.Conv2d(max(1, channels // 2), channels, (3, 3))
        f = ((n_mels - 2) // 3 - 2) // 3
        self.conv3 = nn.Conv2d(channels, channels, (f, 1))
        self.pool = nn.MaxPool2d((3, 1))
        self.act = nn.ELU()
        self.drop = nn.Dropout(dropout)

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.pad(x, (2, 0) if self.causal else (1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.unsqueeze(1)                                   # (B, 1, F, T)
        x = self.drop(self.pool(self.act(self.conv1(self._pad(x)))))
        x = self.drop(self.pool(self.act(self.conv2(self._pad(x)))))
        x = self.act(self.conv3(x))                          # (B, C, 1, T)
        return x.squeeze(2)


class BeatNet(nn.Module):
    """Spectrogram -> front end -> TCN (or plain CNN) -> beat and downbeat logits per frame.

    Args:
        kind: ``"tcn"``: blocks with dilations 1, 2, 4, ..., 2**(n_blocks-1) (long context);
            ``"cnn"``: the same residual blocks without dilation (short context, ~0.2 s).
        n_mels: input bands.
        channels: channels of the front end and of every block.
        kernel_size: kernel size of the blocks (5 for the TCN, as in the paper).
        n_blocks: residual blocks (11 for the TCN: dilations up to 1024).
        causal: left padding everywhere: output ``t`` sees frames ``<= t`` only (online tracking).
        dropout: dropout in the front end and the blocks.

    Shapes: ``forward(x: (B, n_mels, T)) -> (B, 2, T)`` logits (``sigmoid`` gives activations;
    channel 0 = beat, 1 = downbeat).

    Notebook: 07_tcn_beat_tracking.ipynb
    """

    def __init__(self, kind: str = "tcn", n_mels: int = N_MELS, channels: int = 16, kernel_size: int = 5,
                 n_blocks: int = 11, causal: bool = False, dropout: float = 0.1) -> None:
        super().__init__()
        if kind not in MODEL_KINDS:
            raise ValueError(f"kind must be one of {list(MODEL_KINDS)}, got {kind!r}")
        self.config = dict(kind=kind, n_mels=int(n_mels), channels=int(channels), kernel_size=int(kernel_size),
                           n_blocks=int(n_blocks), causal=bool(causal), dropout=float(dropout))
        self.frontend = SpectralFrontEnd(n_mels, channels, causal, dropout)
        dilations = [2 ** i for i in range(n_blocks)] if kind == "tcn" else [1] * n_blocks
        self.tcn = TCN(channels, [channels] * n_blocks, kernel_size=kernel_size, dilations=dilations,
                       causal=causal, dropout=dropout, activation="elu")
        self.head = nn.Conv1d(channels, 2, 1)

    @property
    def receptive_field(self) -> int:
        """Frames one output depends on (front end's 5 frames + the TCN's)."""
        return self.tcn.receptive_field + 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[1] != self.config["n_mels"]:
            raise ValueError(f"x must have shape (B, {self.config['n_mels']}, T), got {tuple(x.shape)}")
        return self.head(self.tcn(self.frontend(x)))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters.

    Notebook: 06_cnn2d_clip_classification.ipynb, 07_tcn_beat_tracking.ipynb
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def beat_activations(model: nn.Module, S: np.ndarray) -> np.ndarray:
    """Run a beat model on one spectrogram: sigmoid activations ``(2, T)`` (beat, downbeat).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    S = np.asarray(S, dtype=np.float32)
    if S.ndim != 2:
        raise ValueError(f"S must be a spectrogram of shape (n_mels, T), got shape {S.shape}")
    dev = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = torch.sigmoid(model(torch.tensor(S)[None].to(dev)))[0].float().cpu().numpy()
    model.train(was_training)
    return out


def save_beat_model(path: PathLike, model: BeatNet, info: Optional[Dict[str, object]] = None) -> Path:
    """Save a compact checkpoint: the weights, the model config and an ``info`` dict of plain values.

    Loadable with ``torch.load(path, weights_only=True)``; see :func:`load_beat_model`.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    import tempfile

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    payload = {"model": state, "config": dict(model.config), "info": dict(info or {})}
    fd, tmp = tempfile.mkstemp(prefix=".beat-", suffix=".tmp", dir=p.parent)
    with os.fdopen(fd, "wb") as f:
        torch.save(payload, f)
    os.chmod(tmp, 0o644)
    os.replace(tmp, p)
    return p


def load_beat_model(path: PathLike = PRETRAINED, device: Union[str, torch.device] = "cpu") -> BeatNet:
    """Load a checkpoint written by :func:`save_beat_model` (``weights_only=True``), in eval mode.

    The checkpoint's ``info`` dict is attached as ``model.info``.

    Raises:
        FileNotFoundError: if there is no such file.
        ValueError: if the file is not a beat-model checkpoint.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no beat-model checkpoint at {str(p)!r}; train one with "
                                "assets/pretrained/train_beat_tracker.py")
    try:
        ckpt = torch.load(p, map_location=device, weights_only=True)
        model = BeatNet(**ckpt["config"])
        model.load_state_dict(ckpt["model"])
    except Exception as err:
        raise ValueError(f"{str(p)!r} is not a beat-model checkpoint written by save_beat_model: {err}") from err
    model.info = dict(ckpt.get("info", {}))  # type: ignore[assignment]
    return model.to(device).eval()


# ----------------------------------------------------------------------------- decoding


def pick_peaks(activation: np.ndarray, threshold: float = 0.5, min_distance: float = 0.1,
               rate: Optional[float] = None) -> np.ndarray:
    """The simplest decoder: local maxima above ``threshold``, at least ``min_distance`` apart.

    Args:
        activation: ``(T,)`` values in [0, 1].
        threshold: minimum height of a peak.
        min_distance: minimum time between peaks in seconds.
        rate: frames per second (default :func:`frame_rate`).

    Returns:
        Peak times in seconds ``(n,)``.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    from scipy.signal import find_peaks

    a = _check_activation(activation)
    rate = frame_rate() if rate is None else float(rate)
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be in [0, 1], got {threshold!r}")
    if not min_distance > 0:
        raise ValueError(f"min_distance must be a positive number of seconds, got {min_distance!r}")
    peaks, _ = find_peaks(a, height=threshold, distance=max(1, int(round(min_distance * rate))))
    return peaks / rate


def _check_activation(activation: np.ndarray) -> np.ndarray:
    a = np.asarray(activation, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"activation must be 1-D of shape (T,), got shape {a.shape}")
    if not np.all(np.isfinite(a)) or (a.size and (a.min() < 0 or a.max() > 1)):
        raise ValueError("activation must hold finite values in [0, 1] (apply a sigmoid to logits)")
    return a


TEMPO_PRIOR = (85.0, 0.5)
"""Default ``(bpm0, sigma)`` of :func:`decode_beats`' log-normal tempo prior (chosen on validation clips)."""


def beat_state_space(min_bpm: float = 55.0, max_bpm: float = 215.0,
                     rate: Optional[float] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The states of the beat-pointer HMM: one cycle of positions per beat interval.

    A state is (interval ``tau`` in frames, position ``p`` in ``0 .. tau-1``); the pointer advances
    one position per frame and wraps to ``p = 0`` at a beat, where the interval may change.

    Returns:
        ``(intervals, interval_of_state, position_of_state)``: the intervals ``(K,)`` (frames per
        beat, from ``60 * rate / max_bpm`` to ``60 * rate / min_bpm``), and per state ``(S,)`` its
        interval index and position. States of one interval are contiguous, position 0 first.

    Raises:
        ValueError: unless ``0 < min_bpm < max_bpm``.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    if not 0 < min_bpm < max_bpm:
        raise ValueError(f"need 0 < min_bpm < max_bpm, got min_bpm={min_bpm}, max_bpm={max_bpm}")
    rate = frame_rate() if rate is None else float(rate)
    lo = max(2, int(np.floor(60.0 * rate / max_bpm)))
    hi = max(lo, int(np.ceil(60.0 * rate / min_bpm)))
    intervals = np.arange(lo, hi + 1)
    interval_of_state = np.repeat(np.arange(len(intervals)), intervals)
    starts = np.concatenate([[0], np.cumsum(intervals)[:-1]])
    position_of_state = np.arange(intervals.sum()) - np.repeat(starts, intervals)
    return intervals, interval_of_state, position_of_state


def decode_beats(activation: np.ndarray, min_bpm: float = 55.0, max_bpm: float = 215.0,
                 transition_lambda: float = 100.0, beat_width: int = 3, neutral: float = 0.1,
                 rate: Optional[float] = None, correct: bool = True,
                 tempo_prior: Optional[Tuple[float, float]] = TEMPO_PRIOR) -> np.ndarray:
    """Beat times from a beat activation with a beat-pointer HMM and Viterbi decoding.

    The hidden state is (beat interval, position within the beat). The pointer moves one position
    per frame; at the end of a beat it wraps to position 0 and may change the interval from
    ``tau`` to ``tau'`` with probability proportional to ``exp(-lambda * |tau'/tau - 1|)`` (tempo
    is smooth). The first ``beat_width`` positions of each beat (the beat region) observe the
    activation ``a`` with likelihood ``a / neutral``, all other positions with
    ``(1 - a) / (1 - neutral)``. So every beat the path places earns
    ``log(a / (1 - a)) - log(neutral / (1 - neutral))``: positive on a peak above ``neutral``,
    negative on weaker off-beat activity (which keeps the decoder from doubling the tempo) and in
    silence (where the tempo stiffness keeps the beats going). madmom's model is the same with
    ``neutral = 1 / observation_lambda`` and a beat region of ``1 / observation_lambda`` of a beat. Viterbi finds the best path; beats are
    where the path enters position 0 (with ``correct``: moved to the activation's maximum within
    +-2 frames, since the path's integer intervals cannot hit every peak exactly).

    Tempo prior (metrical level): a network trained on beats also fires, more weakly or not, on
    eighth notes, and the path "two beats per beat" can then score as well as the true one. With
    ``tempo_prior = (bpm0, sigma)`` every beat also pays ``(log(bpm / bpm0) / sigma)**2 / 2`` (a
    log-normal prior on the tempo, as in many trackers, e.g. Ellis 2007, librosa), added at each
    wrap. Because it is paid per beat, a double-tempo path pays it twice as often, so between two
    octaves that the activation explains about equally well the one nearer ``bpm0`` wins, while a
    clear activation still overrides it (a waltz at 178 BPM stays at 178, and a clean 70-BPM
    activation with off-beat noise stays at 70: ``tests/test_beats.py``). The default ``(85, 0.5)``
    was chosen on the validation clips only, among the priors that keep those synthetic checks:
    ``bpm0`` 80..90 with ``sigma`` 0.4..0.7 all give the same validation scores (95 and above give
    fewer corrections). It is a tie-breaker between octaves, not a tempo estimate: the training
    clips' tempi are log-normal around 113 BPM with sigma 0.31, a prior that strong doubles a
    noisy 70-BPM activation. ``None`` switches it off.

    The Viterbi step is vectorised over states: a shift for "advance", and a ``(K, K)`` max-plus
    product over the K intervals for "wrap" (K ~ 80), so a 30-s clip takes a fraction of a second.

    Args:
        activation: beat activation ``(T,)`` in [0, 1].
        min_bpm, max_bpm: tempo range.
        transition_lambda: tempo-change stiffness (larger: steadier tempo).
        neutral: the activation at which placing a beat neither gains nor costs (see above).
        beat_width: frames of the beat region (3: a peak and its two neighbours).
        rate: frames per second (default :func:`frame_rate`).
        correct: move each beat to the activation's maximum within +-2 frames.
        tempo_prior: ``(bpm0, sigma)`` of the log-normal tempo prior (see above), or None.

    Returns:
        Beat times in seconds ``(n,)``, increasing (empty for fewer than 2 frames or no beats).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    a = _check_activation(activation)
    if not transition_lambda > 0:
        raise ValueError(f"transition_lambda must be positive, got {transition_lambda!r}")
    if isinstance(beat_width, bool) or not isinstance(beat_width, (int, np.integer)) or beat_width < 1:
        raise ValueError(f"beat_width must be a positive integer number of frames, got {beat_width!r}")
    rate = frame_rate() if rate is None else float(rate)
    T = len(a)
    if T < 2:
        return np.zeros(0)
    intervals, ios, pos = beat_state_space(min_bpm, max_bpm, rate)
    K, S = len(intervals), len(ios)
    first = np.concatenate([[0], np.cumsum(intervals)[:-1]])
    last = first + intervals - 1
    if beat_width >= intervals[0]:
        raise ValueError(f"beat_width must be shorter than the shortest beat interval ({intervals[0]} frames), "
                         f"got {beat_width}")
    is_beat = pos < beat_width
    ratio = intervals[None, :] / intervals[:, None]           # (from, to)
    log_trans = -transition_lambda * np.abs(ratio - 1.0)
    log_trans -= np.logaddexp.reduce(log_trans, axis=1, keepdims=True)
    if tempo_prior is not None:
        bpm0, sigma = (float(v) for v in tempo_prior)
        if not (bpm0 > 0 and sigma > 0):
            raise ValueError(f"tempo_prior must be (bpm0, sigma) with both positive, got {tuple(tempo_prior)!r}")
        log_trans = log_trans - 0.5 * (np.log(60.0 * rate / intervals / bpm0) / sigma)[None, :] ** 2
    if not 0.0 < neutral < 1.0:
        raise ValueError(f"neutral must be an activation in (0, 1), got {neutral!r}")
    eps = 1e-7
    log_b = np.log(np.clip(a, eps, 1.0)) - np.log(neutral)
    log_n = np.log(np.clip(1.0 - a, eps, 1.0)) - np.log(1.0 - neutral)
    delta = np.full(S, -np.log(S)) + np.where(is_beat, log_b[0], log_n[0])
    back = np.empty((T, K), dtype=np.int16)
    cols = np.arange(K)
    new = np.empty(S)
    for t in range(1, T):
        cand = delta[last][:, None] + log_trans             # (K from, K to)
        arg = cand.argmax(axis=0)
        back[t] = arg
        new[1:] = delta[:-1]
        new[first] = cand[arg, cols]
        delta = new + np.where(is_beat, log_b[t], log_n[t])
        new = np.empty(S)
    path = np.empty(T, dtype=np.int64)
    s = int(delta.argmax())
    path[-1] = s
    for t in range(T - 1, 0, -1):
        k = ios[s]
        s = int(last[back[t, k]]) if pos[s] == 0 else s - 1
        path[t - 1] = s
    beat_frames = np.flatnonzero(pos[path] == 0)
    if beat_frames.size and beat_frames[0] == 0 and a[0] < 0.5 * a.max():
        beat_frames = beat_frames[1:]          # the path has to start somewhere: not a beat
    if correct and beat_frames.size:
        lo = np.clip(beat_frames - 2, 0, T - 1)
        window = np.stack([a[np.clip(lo + d, 0, T - 1)] for d in range(5)])
        beat_frames = np.clip(lo + window.argmax(axis=0), 0, T - 1)
    return np.unique(beat_frames) / rate


def decode_downbeats(beats: np.ndarray, downbeat_activation: np.ndarray, meters: Sequence[int] = (3, 4),
                     rate: Optional[float] = None) -> Tuple[np.ndarray, int]:
    """Choose the meter and bar phase that best explain the downbeat activation at the beats.

    For each meter ``m`` and phase ``k`` the candidate downbeats are ``beats[k::m]``; the score is
    the mean downbeat activation there minus the mean at the other beats. A constant meter per
    clip is assumed (true of the example set and most pop music).

    Args:
        beats: beat times in seconds ``(n,)``.
        downbeat_activation: ``(T,)`` in [0, 1].
        meters: candidate beats per bar.
        rate: frames per second (default :func:`frame_rate`).

    Returns:
        ``(downbeat_times, meter)``.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    a = _check_activation(downbeat_activation)
    if not meters or any(int(m) < 2 for m in meters):
        raise ValueError(f"meters must be a non-empty list of integers >= 2, got {list(meters)}")
    rate = frame_rate() if rate is None else float(rate)
    beats = np.asarray(beats, dtype=float)
    if beats.size == 0 or a.size == 0:
        return np.zeros(0), int(meters[0])
    idx = np.clip(np.round(beats * rate).astype(int), 0, len(a) - 1)
    # the largest activation within +-2 frames of each beat
    win = np.stack([a[np.clip(idx + d, 0, len(a) - 1)] for d in range(-2, 3)]).max(axis=0)
    best = (-np.inf, int(meters[0]), 0)
    for m in meters:
        m = int(m)
        for k in range(m):
            chosen = np.zeros(len(beats), dtype=bool)
            chosen[k::m] = True
            other = win[~chosen].mean() if (~chosen).any() else 0.0
            score = win[chosen].mean() - other
            if score > best[0] + 1e-9:
                best = (score, m, k)
    _, m, k = best
    return beats[k::m], m


# ----------------------------------------------------------------------------- evaluation


def evaluate_beats(reference: np.ndarray, estimate: np.ndarray) -> Dict[str, float]:
    """mir_eval's beat metrics: F-measure (+-70 ms), CMLt and AMLt (continuity, allowed levels).

    As is standard (and mir_eval's default), beats in the first 5 seconds are ignored on both sides.

    Args:
        reference, estimate: beat times in seconds.

    Returns:
        ``{"F-measure": ..., "CMLt": ..., "AMLt": ...}``, each in [0, 1].

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    import warnings

    import mir_eval

    ref = mir_eval.beat.trim_beats(np.asarray(reference, dtype=float))
    est = mir_eval.beat.trim_beats(np.asarray(estimate, dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = mir_eval.beat.f_measure(ref, est)
        _, cmlt, _, amlt = mir_eval.beat.continuity(ref, est)
    return {"F-measure": float(f), "CMLt": float(cmlt), "AMLt": float(amlt)}


def mean_scores(scores: Sequence[Dict[str, float]]) -> Dict[str, float]:
    """Average a list of :func:`evaluate_beats` dicts key by key.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    if not scores:
        raise ValueError("scores must hold at least one dict of metrics")
    return {k: float(np.mean([s[k] for s in scores])) for k in scores[0]}


def librosa_beats(y: np.ndarray, sr: int) -> np.ndarray:
    """The baseline: ``librosa.beat.beat_track`` (onset strength + dynamic programming), in seconds.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    import librosa

    y = _check_audio(y, sr)
    _, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
    return np.asarray(beats, dtype=float)


# ----------------------------------------------------------------------------- the pretrained tracker


@functools.lru_cache(maxsize=4)
def _pretrained(path: str) -> BeatNet:
    return load_beat_model(path, "cpu")


def _activations(y: np.ndarray, sr: int, checkpoint: Optional[PathLike]) -> np.ndarray:
    S = beat_features(y, sr)
    model = _pretrained(str(Path(checkpoint) if checkpoint is not None else PRETRAINED))
    return beat_activations(model, S)


def track_beats(y: np.ndarray, sr: int, checkpoint: Optional[PathLike] = None) -> np.ndarray:
    """Beat times of any audio with the pretrained TCN and the HMM decoder.

    Loads the committed checkpoint once (``weights_only=True``, CPU) and caches it.

    Args:
        y: mono waveform ``(N,)``, any length and sample rate (resampled to 22050 Hz).
        sr: its sample rate in Hz.
        checkpoint: another checkpoint written by :func:`save_beat_model` (default the pretrained one).

    Returns:
        Beat times in seconds ``(n,)`` (empty for audio too short to hold a beat).

    Raises:
        ValueError: if ``y`` is empty, not 1-D or holds NaN/inf, or ``sr`` is not a positive integer.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    act = _activations(y, sr, checkpoint)
    return decode_beats(act[0])


def track_downbeats(y: np.ndarray, sr: int, checkpoint: Optional[PathLike] = None) -> np.ndarray:
    """Downbeat times of any audio: :func:`track_beats`, then :func:`decode_downbeats` (meter 3 or 4).

    Args and errors as :func:`track_beats`.

    Returns:
        Downbeat times in seconds ``(n,)``.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    act = _activations(y, sr, checkpoint)
    beats = decode_beats(act[0])
    return decode_downbeats(beats, act[1])[0]


# ----------------------------------------------------------------------------- training and evaluation


def clip_arrays(name: str, widen: float = 0.5) -> Tuple[torch.Tensor, torch.Tensor]:
    """A whole example clip as one batch: ``x`` ``(1, 80, T)`` and beat/downbeat targets ``(1, 2, T)``.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    S, beats, downbeats, _ = example_features(name)
    T = S.shape[1]
    y = np.stack([_targets(beats, T, widen), _targets(downbeats, T, widen)])
    return torch.from_numpy(np.array(S))[None], torch.from_numpy(y)[None]


def beat_f_metric(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """Validation metric for :func:`tcnlib.training.fit`: beat F-measure of the HMM-decoded output.

    The reference beats are the frames where the beat target is 1 (batches of whole clips).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    rate = frame_rate()
    scores = []
    for out, tgt in zip(torch.sigmoid(logits.float()), targets):
        ref = np.flatnonzero(tgt[0].cpu().numpy() == 1.0) / rate
        est = decode_beats(out[0].cpu().numpy().astype(np.float64))
        scores.append(evaluate_beats(ref, est)["F-measure"])
    return float(np.mean(scores))


def train_beat_model(kind: str = "tcn", causal: bool = False, epochs: int = 20, steps_per_epoch: int = 50,
                     batch_size: int = 8, frames: int = 1000, lr: float = 2e-3, seed: int = 0,
                     train_names: Optional[Sequence[str]] = None, val_names: Optional[Sequence[str]] = None,
                     augment: bool = True, patience: Optional[int] = 6, progress: bool = True,
                     checkpoint: Optional[PathLike] = None, init: Optional[PathLike] = None,
                     monitor: str = "val_beat_f", device: Union[None, str, torch.device] = None,
                     **model_kwargs) -> Tuple[BeatNet, "object"]:
    """Train a :class:`BeatNet` on the example set with :func:`tcnlib.training.fit`.

    Random crops (:func:`make_beat_batch`, seeded by the step number) with augmentation; Adam with
    a cosine learning-rate decay; validation F-measure (:func:`beat_f_metric`) after every epoch,
    early stopping on it, and the best epoch's weights restored at the end.

    Args:
        kind, causal, model_kwargs: the model (see :class:`BeatNet`).
        epochs, steps_per_epoch, batch_size, frames: the amount of training.
        lr: Adam's initial learning rate.
        seed: seeds the weights and every batch.
        train_names, val_names: example clips (default: the train and validation splits).
        augment: gain/EQ/noise and tempo augmentation.
        patience: epochs without a better validation F-measure before stopping (None: never).
        progress: progress bars and a line per epoch.
        checkpoint: where ``fit`` writes its (resumable) checkpoint after every epoch.
        init: start from the weights of a :func:`save_beat_model` checkpoint (continued training).
        monitor: what early stopping watches: ``"val_beat_f"`` (max) or ``"val_loss"`` (min);
            the best epoch by validation F-measure is restored either way.
        device: where to train: ``None`` picks the GPU when there is one (:func:`tcnlib.get_device`),
            with ``fit``'s bfloat16 autocast there; ``"cpu"`` forces the CPU.

    Returns:
        ``(model, history)``: the model in eval mode on the CPU, the :class:`~tcnlib.training.History`.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    from .config import seed_everything
    from .data import list_example_clips
    from .training import fit

    seed_everything(seed)
    train_names = list(train_names) if train_names is not None else list_example_clips("train")
    val_names = list(val_names) if val_names is not None else list_example_clips("validation")
    model = BeatNet(kind, causal=causal, **model_kwargs)
    if init is not None:
        model.load_state_dict(load_beat_model(init).state_dict())
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch, eta_min=lr / 20)
    val = [clip_arrays(n) for n in val_names]
    best: Dict[str, object] = {"f": -1.0, "state": None}

    def keep_best(epoch: int, history, m: nn.Module) -> bool:
        f = history["val_beat_f"][-1]
        if f > best["f"]:
            best["f"] = f
            best["state"] = {k: v.detach().cpu().clone() for k, v in m.state_dict().items()}
        return False

    def batch_fn(step: int):
        return make_beat_batch(train_names, seed * 1_000_003 + step, batch_size, frames, augment)

    history = fit(model, batch_fn, beat_loss, opt, epochs=epochs, steps_per_epoch=steps_per_epoch, val=val,
                  metrics={"beat_f": beat_f_metric}, device=device, grad_clip=1.0, scheduler=sched,
                  scheduler_interval="step", monitor=monitor, mode="max" if monitor == "val_beat_f" else "min",
                  patience=patience,
                  checkpoint=checkpoint, progress=progress, callbacks=[keep_best])
    if best["state"] is not None:
        model.load_state_dict(best["state"])  # type: ignore[arg-type]
    return model.cpu().eval(), history


def evaluate_beat_model(model: nn.Module, names: Sequence[str]) -> List[Dict[str, float]]:
    """Per-clip scores of a beat model on example clips: HMM beats, peak-picked beats, downbeats.

    Returns:
        One dict per clip: ``F-measure``, ``CMLt``, ``AMLt`` (HMM beats), ``F-measure (peaks)``
        (peak picking at 0.5) and ``downbeat F-measure``.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    rows = []
    for name in names:
        S, beats, downbeats, _ = example_features(name)
        act = beat_activations(model, S)
        est = decode_beats(act[0])
        row = evaluate_beats(beats, est)
        row["F-measure (peaks)"] = evaluate_beats(beats, pick_peaks(act[0]))["F-measure"]
        row["downbeat F-measure"] = evaluate_beats(downbeats, decode_downbeats(est, act[1])[0])["F-measure"]
        rows.append(row)
    return rows

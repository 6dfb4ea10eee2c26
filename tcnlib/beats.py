"""Beat and downbeat tracking with a TCN: the models, their training and evaluation, and
:func:`track_beats` for any audio.

The classic design of Davies & Böck (2019) / Böck & Davies (2020), small enough to train on a CPU.
One path runs through it, for the example set and your own data alike::

    clip (tcnlib.Clip or an example name)
      -> features   tcnlib.features.clip_features: log-mel at 100 frames/s, cached
      -> model      BeatNet: 2-D front end, TCN (11 blocks, kernel 5, dilations 1..1024, ~80 s
                    of context per frame), two sigmoid outputs per frame (beat, downbeat)
      -> decoder    tcnlib.beat_decode: peak picking or a beat-pointer HMM (Viterbi), bar phase
      -> scores     tcnlib.beat_decode.evaluate_beats (mir_eval: F-measure, CMLt, AMLt)

:func:`train_beat_model` and :func:`evaluate_beat_model` take clips: example names such as
``"rock_00"`` or :class:`tcnlib.Clip` objects from :func:`tcnlib.load_beat_dataset`.
:func:`track_beats` and :func:`track_downbeats` run the committed checkpoint
``assets/pretrained/beat_tcn.pt`` (trained by ``assets/pretrained/train_beat_tracker.py``).

The features, the decoders and the scores live in :mod:`tcnlib.features` and
:mod:`tcnlib.beat_decode`; their names are re-exported here, so ``beats.decode_beats`` works too.

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

from .beat_decode import (TEMPO_PRIOR, beat_state_space, decode_beats, decode_downbeats, evaluate_beats,
                          mean_scores, pick_peaks)
from .data import Clip, beat_targets, pretrained_path
from .features import (FPS, GAMMA, N_MELS, SR, ClipLike, augment_features, beat_features, check_audio,
                       clip_features, example_features, feature_cache, frame_rate, stretch_features)
from .models import TCN
from .utils import (atomic_write, check_bool, check_module, check_positive_int, count_parameters, eval_mode,
                    padding_amounts)

PathLike = Union[str, os.PathLike]

MODEL_KINDS = ("tcn", "cnn")
PRETRAINED = pretrained_path("beat_tcn.pt", must_exist=False)
"""The checkpoint used by :func:`track_beats` (``$TCN_COURSE_ASSETS/pretrained/beat_tcn.pt`` when that
variable is set at import, else the repository's ``assets/pretrained/beat_tcn.pt``)."""

__all__ = [  # the beat path in one namespace: this module's names and the re-exported ones
    "FPS", "GAMMA", "MODEL_KINDS", "N_MELS", "PRETRAINED", "SR", "TEMPO_PRIOR", "BeatNet", "SpectralFrontEnd",
    "augment_features", "beat_activations", "beat_f_metric", "beat_features", "beat_loss", "beat_state_space",
    "clip_arrays", "clip_features", "count_parameters", "decode_beats", "decode_downbeats", "decoder_settings",
    "evaluate_beat_model",
    "evaluate_beats", "example_features", "feature_cache", "frame_rate", "librosa_beats", "load_beat_model",
    "make_beat_batch", "mean_scores", "pick_peaks", "save_beat_model", "stretch_features", "track_beats",
    "track_downbeats", "train_beat_model",
]


# ----------------------------------------------------------------------------- training data


def _check_widen(widen: float) -> float:
    if not 0.0 <= float(widen) <= 1.0:
        raise ValueError(f"widen must be in [0, 1], got {widen!r}")
    return float(widen)


def _frame_targets(times: np.ndarray, n_frames: int, widen: float) -> np.ndarray:
    """:func:`tcnlib.data.beat_targets` at the beat models' rate; ``widen`` is the neighbours' value."""
    return beat_targets(times, n_frames, SR, FPS, widen=1 if widen > 0 else 0, widen_value=widen or 0.5,
                        outside="drop")


def _check_clips(clips: Optional[Sequence[ClipLike]], name: str) -> List[ClipLike]:
    if clips is None or isinstance(clips, (str, Clip)):
        raise ValueError(f"{name} must be a list of clips (example names or tcnlib.Clip), got {clips!r}")
    out = list(clips)
    if not out:
        raise ValueError(f"{name} must list at least one clip (an example name or a tcnlib.Clip)")
    return out


def make_beat_batch(names: Sequence[ClipLike], seed: int, batch_size: int = 8, frames: int = 1000,
                    augment: bool = True, stretch: Tuple[float, float] = (0.8, 1.25),
                    widen: float = 0.5, augment_kwargs: Optional[Dict[str, float]] = None
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
    """One training batch of random crops of clips (reproducible from ``seed``).

    Args:
        names: the clips to draw from: example names such as ``"rock_00"`` or :class:`tcnlib.Clip`.
        seed: seeds the choice of clips, crops and augmentation.
        batch_size: crops per batch.
        frames: crop length in frames (1000 = 10 s); shorter clips are zero-padded (target 0).
        augment: apply :func:`tcnlib.features.augment_features` and a random tempo change in ``stretch``.
        stretch: range of the time-stretch factor (log-uniform).
        widen: value of the frames beside each beat in the targets, in [0, 1] (0: no widening).
        augment_kwargs: strengths passed to :func:`tcnlib.features.augment_features` (e.g.
            ``{"shift_bands": 2, "band_limit": 0.3}``); default its defaults.

    Returns:
        ``(x, y)``: ``x`` float32 ``(B, 80, frames)``; ``y`` float32 ``(B, 2, frames)`` holding beat
        and downbeat targets.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    if not names:
        raise ValueError("names must list at least one example clip (or tcnlib.Clip)")
    batch_size = check_positive_int("batch_size", batch_size)
    frames = check_positive_int("frames", frames)
    widen = _check_widen(widen)
    lo, hi = (float(v) for v in stretch)
    if not 0 < lo <= hi:
        raise ValueError(f"stretch must be (low, high) factors with 0 < low <= high, got {tuple(stretch)!r}")
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for _ in range(batch_size):
        S, beats, downbeats = clip_features(names[int(rng.integers(len(names)))])
        factor = 1.0
        if augment:
            factor = float(np.exp(rng.uniform(np.log(stretch[0]), np.log(stretch[1]))))
            S = stretch_features(S, factor)
            S = augment_features(S, rng, **(augment_kwargs or {}))
        T = S.shape[1]
        tb = _frame_targets(beats * factor, T, widen)
        td = _frame_targets(downbeats * factor, T, widen)
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


def clip_arrays(clip: ClipLike, widen: float = 0.5) -> Tuple[torch.Tensor, torch.Tensor]:
    """A whole clip as one batch: ``x`` ``(1, 80, T)`` and beat/downbeat targets ``(1, 2, T)``.

    ``clip`` is an example name or a :class:`tcnlib.Clip`; the tensors are copies.

    Notebook: none (used by train_beat_model for validation)
    """
    S, beats, downbeats = clip_features(clip)
    widen = _check_widen(widen)
    T = S.shape[1]
    y = np.stack([_frame_targets(beats, T, widen), _frame_targets(downbeats, T, widen)])
    return torch.from_numpy(np.array(S))[None], torch.from_numpy(y)[None]


def beat_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of beat and downbeat logits ``(B, 2, T)`` against targets ``(B, 2, T)``.

    Notebook: none (used by train_beat_model)
    """
    if logits.shape != targets.shape:
        raise ValueError(f"targets must have the shape of logits {tuple(logits.shape)}, got {tuple(targets.shape)}")
    return nn.functional.binary_cross_entropy_with_logits(logits.float(), targets.float())


# ----------------------------------------------------------------------------- models


class SpectralFrontEnd(nn.Module):
    """2-D convolutions over (frequency, time) that turn a spectrogram into ``channels`` per frame.

    conv 3x3 (channels/2) -> ELU -> max-pool 3 over frequency -> conv 3x3 -> ELU -> max-pool 3 -> conv
    over all remaining bands -> ELU (Davies & Böck 2019). In time every conv is "same" (non-causal)
    or left-padded (causal), as :func:`tcnlib.utils.padding_amounts` says; the front end spans 5 frames.

    Shapes: ``(B, n_mels, T) -> (B, channels, T)``.

    Notebook: none (part of BeatNet)
    """

    def __init__(self, n_mels: int = N_MELS, channels: int = 16, causal: bool = False, dropout: float = 0.1) -> None:
        super().__init__()
        if n_mels < 26:
            raise ValueError(f"n_mels must be at least 26 for the front end's pooling, got {n_mels}")
        self.causal = causal
        self.time_pad = padding_amounts(3, 1, causal)
        self.conv1 = nn.Conv2d(1, max(1, channels // 2), (3, 3))
        self.conv2 = nn.Conv2d(max(1, channels // 2), channels, (3, 3))
        f = ((n_mels - 2) // 3 - 2) // 3
        self.conv3 = nn.Conv2d(channels, channels, (f, 1))
        self.pool = nn.MaxPool2d((3, 1))
        self.act = nn.ELU()
        self.drop = nn.Dropout(dropout)

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.pad(x, self.time_pad)

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
        causal = check_bool("causal", causal)
        n_mels, channels = check_positive_int("n_mels", n_mels), check_positive_int("channels", channels)
        kernel_size, n_blocks = check_positive_int("kernel_size", kernel_size), check_positive_int("n_blocks", n_blocks)
        if not 0 <= float(dropout) < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.config = dict(kind=kind, n_mels=int(n_mels), channels=int(channels), kernel_size=int(kernel_size),
                           n_blocks=int(n_blocks), causal=causal, dropout=float(dropout))
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


def beat_activations(model: nn.Module, S: np.ndarray) -> np.ndarray:
    """Run a beat model on one spectrogram: sigmoid activations ``(2, T)`` (beat, downbeat).

    The model runs in eval mode without gradients; its own mode is restored afterwards.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    check_module("model", model)
    S = np.asarray(S, dtype=np.float32)
    if S.ndim != 2:
        raise ValueError(f"S must be a spectrogram of shape (n_mels, T), got shape {S.shape}")
    n_mels = getattr(model, "config", {}).get("n_mels")
    if n_mels is not None and S.shape[0] != n_mels:
        raise ValueError(f"S must have shape ({n_mels}, T) for this model ({n_mels} mel bands), got {S.shape}")
    dev = next(model.parameters()).device
    with eval_mode(model), torch.no_grad():
        return torch.sigmoid(model(torch.tensor(S)[None].to(dev)))[0].float().cpu().numpy()


# ----------------------------------------------------------------------------- checkpoints

_PLAIN = (str, int, float, bool, type(None))


def _plain(value: object, where: str) -> object:
    """``value`` as plain Python (what ``torch.load(weights_only=True)`` reads back), else a ValueError."""
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"info keys must be strings, got {k!r} in {where}")
            out[k] = _plain(v, f"{where}[{k!r}]")
        return out
    raise ValueError(f"info must hold plain values (str, int, float, bool, None, lists and dicts of them; "
                     f"NumPy scalars and paths are converted), got {type(value).__name__} at {where}")


def save_beat_model(path: PathLike, model: BeatNet, info: Optional[Dict[str, object]] = None) -> Path:
    """Save a compact checkpoint: the weights, the model config and an ``info`` dict of plain values.

    Written atomically (a temporary file in the same folder, then a rename); loadable with
    ``torch.load(path, weights_only=True)``; see :func:`load_beat_model`. NumPy scalars and paths
    in ``info`` are stored as plain numbers and strings.

    Raises:
        ValueError: if ``info`` holds anything else (an array, an object).

    Notebook: none (used by assets/pretrained/train_beat_tracker.py)
    """
    check_module("model", model, "a BeatNet")
    if not isinstance(getattr(model, "config", None), dict):
        raise ValueError(f"model must be a BeatNet (with its config), got {type(model).__name__}")
    if info is not None and not isinstance(info, dict):
        raise ValueError(f"info must be a dict of plain values or None, got {type(info).__name__}")
    plain_info = _plain(dict(info or {}), "info")
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    payload = {"model": state, "config": dict(model.config), "info": plain_info}
    p = Path(path)
    with atomic_write(p, "wb") as f:
        torch.save(payload, f)
    return p


def load_beat_model(path: PathLike = PRETRAINED, device: Union[str, torch.device] = "cpu") -> BeatNet:
    """Load a checkpoint written by :func:`save_beat_model` (``weights_only=True``), in eval mode.

    The checkpoint's ``info`` dict is attached as ``model.info``.

    Raises:
        FileNotFoundError: if there is no such file (for the pretrained ones: saying where tcnlib
            looked and how to point it to the course's assets).
        ValueError: if the file is not a beat-model checkpoint.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    p = Path(path)
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'mps' (or a torch.device), got {device!r}") from None
    if not p.is_file():
        if p.parent == PRETRAINED.parent:
            pretrained_path(p.name)  # raises the error that explains TCN_COURSE_ASSETS
        raise FileNotFoundError(f"no beat-model checkpoint at {str(p)!r}; train one with "
                                "assets/pretrained/train_beat_tracker.py")
    try:
        ckpt = torch.load(p, map_location=device, weights_only=True)
        model = BeatNet(**ckpt["config"])
        model.load_state_dict(ckpt["model"])
    except Exception as err:
        raise ValueError(f"{str(p)!r} is not a beat-model checkpoint written by save_beat_model: {err}") from err
    model.info = dict(ckpt.get("info", {}))  # type: ignore[assignment]
    try:
        decoder_settings(model)
    except ValueError as err:
        raise ValueError(f"{str(p)!r}: {err}") from None
    return model.to(device).eval()


# ----------------------------------------------------------------------------- tracking any audio


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, size: int, mtime_ns: int) -> BeatNet:
    return load_beat_model(path, "cpu")


def _model_for(checkpoint: Optional[PathLike]) -> BeatNet:
    """The checkpoint's model, loaded once per file version (path, size and modification time)."""
    p = Path(checkpoint) if checkpoint is not None else pretrained_path("beat_tcn.pt")
    try:
        st = p.stat()
    except OSError:
        return load_beat_model(p, "cpu")  # raises the clear FileNotFoundError
    return _load_cached(str(p.resolve()), st.st_size, st.st_mtime_ns)


_DECODER_KEYS = ("min_bpm", "max_bpm", "transition_lambda", "tempo_prior", "threshold", "hold")


def decoder_settings(model: nn.Module) -> Dict[str, object]:
    """The :func:`decode_beats` settings a checkpoint was tuned with: its ``info["decoder"]``.

    Chosen on validation clips together with the model (the shipped tracker: 55-215 BPM, a
    tempo-change stiffness of 50, a tempo prior around 100 BPM, hold states for held beats, and
    evidence peaks of at least 0.35 for the "no beat" gate); an empty dict, i.e. the decoder's
    defaults, for a model without them.

    Raises:
        ValueError: if ``info["decoder"]`` is not a dict, holds a key other than ``min_bpm``,
            ``max_bpm``, ``transition_lambda``, ``tempo_prior``, ``threshold`` or ``hold``, or a value
            :func:`decode_beats` refuses (the message says which).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    dec = getattr(model, "info", {}).get("decoder") or {}
    if not isinstance(dec, dict):
        raise ValueError(f"model.info['decoder'] must be a dict of decode_beats settings, got {type(dec).__name__}")
    unknown = sorted(str(k) for k in dec if k not in _DECODER_KEYS)
    if unknown:
        raise ValueError(f"model.info['decoder'] holds unknown settings {unknown}; accepted: {list(_DECODER_KEYS)}")
    out: Dict[str, object] = {k: dec[k] for k in _DECODER_KEYS if k in dec}
    if out.get("tempo_prior") is not None:
        prior = out["tempo_prior"]
        if not isinstance(prior, (list, tuple)) or len(prior) != 2:
            raise ValueError(f"model.info['decoder']['tempo_prior'] must be (bpm0, sigma) or None, got {prior!r}")
        out["tempo_prior"] = tuple(prior)  # type: ignore[arg-type]
    try:
        decode_beats(np.zeros(1), **out)  # type: ignore[arg-type]  # the decoder's own checks, on no frames
    except (TypeError, ValueError) as err:
        raise ValueError(f"model.info['decoder'] = {dec!r} is not a valid decode_beats setting: {err}") from None
    return out


def _activations(y: np.ndarray, sr: int, checkpoint: Optional[PathLike]) -> Tuple[np.ndarray, Dict[str, object]]:
    model = _model_for(checkpoint)
    return beat_activations(model, beat_features(y, sr)), decoder_settings(model)


def track_beats(y: np.ndarray, sr: int, checkpoint: Optional[PathLike] = None) -> np.ndarray:
    """Beat times of any audio with the pretrained TCN and the HMM decoder (with the checkpoint's
    own decoder settings, :func:`decoder_settings`).

    Loads the checkpoint once per file version (``weights_only=True``, CPU): replacing the file
    at ``checkpoint`` is noticed.

    Args:
        y: mono waveform ``(N,)``, any length and sample rate (resampled to 22050 Hz).
        sr: its sample rate in Hz (4000 .. 384000).
        checkpoint: another checkpoint written by :func:`save_beat_model` (default the pretrained one).

    Returns:
        Beat times in seconds ``(n,)``. Empty when no beat is found: audio too short to hold a
        beat, silence, noise without a beat (see :func:`tcnlib.beat_decode.decode_beats`).

    Raises:
        ValueError: if ``y`` is empty, not 1-D or holds NaN/inf, or ``sr`` is not a sample rate.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    act, settings = _activations(y, sr, checkpoint)
    return decode_beats(act[0], **settings)


def track_downbeats(y: np.ndarray, sr: int, checkpoint: Optional[PathLike] = None) -> np.ndarray:
    """Downbeat times of any audio: :func:`track_beats`, then :func:`decode_downbeats` (meter 3 or 4).

    Args and errors as :func:`track_beats`.

    Returns:
        Downbeat times in seconds ``(n,)`` (empty when no beat is found).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    act, settings = _activations(y, sr, checkpoint)
    beats = decode_beats(act[0], **settings)
    return decode_downbeats(beats, act[1])[0]


def librosa_beats(y: np.ndarray, sr: int) -> np.ndarray:
    """The baseline: ``librosa.beat.beat_track`` (onset strength + dynamic programming), in seconds.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    import librosa

    y = check_audio(y, sr)
    _, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
    return np.asarray(beats, dtype=float)


# ----------------------------------------------------------------------------- training and evaluation


def beat_f_metric(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """Validation metric for :func:`tcnlib.training.fit`: beat F-measure of the HMM-decoded output.

    The reference beats are the frames where the beat target is 1 (batches of whole clips).

    Notebook: none (used by train_beat_model)
    """
    if logits.shape != targets.shape or logits.dim() != 3:
        raise ValueError(f"targets must have the shape of logits (B, 2, T) {tuple(logits.shape)}, "
                         f"got {tuple(targets.shape)}")
    rate = frame_rate()
    scores = []
    for out, tgt in zip(torch.sigmoid(logits.float()), targets):
        ref = np.flatnonzero(tgt[0].cpu().numpy() == 1.0) / rate
        est = decode_beats(out[0].cpu().numpy().astype(np.float64))
        scores.append(evaluate_beats(ref, est)["F-measure"])
    return float(np.mean(scores))


def train_beat_model(kind: str = "tcn", causal: bool = False, epochs: int = 20, steps_per_epoch: int = 50,
                     batch_size: int = 8, frames: int = 1000, lr: float = 2e-3, seed: int = 0,
                     train_clips: Optional[Sequence[ClipLike]] = None,
                     val_clips: Optional[Sequence[ClipLike]] = None,
                     augment: bool = True, patience: Optional[int] = 6, progress: bool = True,
                     checkpoint: Optional[PathLike] = None, init: Optional[PathLike] = None,
                     monitor: str = "val_beat_f", device: Union[None, str, torch.device] = None,
                     train_names: Optional[Sequence[ClipLike]] = None,
                     val_names: Optional[Sequence[ClipLike]] = None,
                     augment_kwargs: Optional[Dict[str, float]] = None, callbacks: Sequence = (),
                     **model_kwargs) -> Tuple[BeatNet, "object"]:
    """Train a :class:`BeatNet` with :func:`tcnlib.training.fit`, on the example set or your own clips.

    Random crops (:func:`make_beat_batch`, seeded by the step number) with augmentation; Adam with
    a cosine learning-rate decay; validation F-measure (:func:`beat_f_metric`) after every epoch,
    early stopping on it, and the best epoch's weights restored at the end (``fit(restore_best=True)``).

    Args:
        kind, causal, model_kwargs: the model (see :class:`BeatNet`).
        epochs, steps_per_epoch, batch_size, frames: the amount of training.
        lr: Adam's initial learning rate.
        seed: seeds the weights and every batch.
        train_clips, val_clips: example names or :class:`tcnlib.Clip` objects (your own data, e.g.
            ``tcnlib.split_clips(tcnlib.load_beat_dataset(folder))["train"]``); default the example
            set's train and validation splits.
        augment: gain/EQ/noise and tempo augmentation.
        patience: epochs without a better validation F-measure before stopping (None: never).
        progress: progress bars and a line per epoch.
        checkpoint: where ``fit`` writes its (resumable) checkpoint after every epoch.
        init: start from the weights of a :func:`save_beat_model` checkpoint (continued training).
        monitor: what early stopping and the restored best epoch go by: ``"val_beat_f"`` (max) or
            ``"val_loss"`` (min).
        device: where to train: ``None`` picks the GPU when there is one (:func:`tcnlib.get_device`),
            with ``fit``'s bfloat16 autocast there; ``"cpu"`` forces the CPU.
        train_names, val_names: older names of ``train_clips`` and ``val_clips``.
        augment_kwargs: extra augmentation strengths (see :func:`make_beat_batch`).
        callbacks: passed to :func:`tcnlib.training.fit` (``cb(epoch, history, model)``; True stops).

    Returns:
        ``(model, history)``: the model in eval mode on the CPU, the :class:`~tcnlib.training.History`.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    from .config import seed_everything
    from .data import list_example_clips
    from .training import fit

    for new, old in (("train_clips", "train_names"), ("val_clips", "val_names")):
        if locals()[old] is not None:
            if locals()[new] is not None:
                raise ValueError(f"give {new} or its older name {old}, not both")
    train_clips = train_clips if train_clips is not None else train_names
    val_clips = val_clips if val_clips is not None else val_names
    train = _check_clips(train_clips if train_clips is not None else list_example_clips("train"), "train_clips")
    valid = _check_clips(val_clips if val_clips is not None else list_example_clips("validation"), "val_clips")
    seed_everything(seed)
    model = BeatNet(kind, causal=causal, **model_kwargs)
    if init is not None:
        model.load_state_dict(load_beat_model(init).state_dict())
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch, eta_min=lr / 20)
    if monitor not in ("val_beat_f", "val_loss"):
        raise ValueError(f"monitor must be 'val_beat_f' or 'val_loss', got {monitor!r}")
    val = [clip_arrays(c) for c in valid]

    def batch_fn(step: int):
        return make_beat_batch(train, seed * 1_000_003 + step, batch_size, frames, augment,
                               augment_kwargs=augment_kwargs)

    history = fit(model, batch_fn, beat_loss, opt, epochs=epochs, steps_per_epoch=steps_per_epoch, val=val,
                  metrics={"beat_f": beat_f_metric}, device=device, grad_clip=1.0, scheduler=sched,
                  scheduler_interval="step", monitor=monitor, mode="max" if monitor == "val_beat_f" else "min",
                  patience=patience, checkpoint=checkpoint, progress=progress, restore_best=True,
                  callbacks=list(callbacks))
    return model.cpu().eval(), history


def evaluate_beat_model(model: nn.Module, clips: Sequence[ClipLike]) -> List[Dict[str, float]]:
    """Per-clip scores of a beat model: HMM beats, peak-picked beats, downbeats.

    Args:
        model: a beat model (e.g. :class:`BeatNet`).
        clips: example names or :class:`tcnlib.Clip` objects (your own data).

    Beats are decoded with the model's own settings (:func:`decoder_settings`).

    Returns:
        One dict per clip: ``F-measure``, ``CMLt``, ``AMLt`` (HMM beats), ``F-measure (peaks)``
        (peak picking at 0.5) and ``downbeat F-measure`` (0 for a clip without downbeats).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    rows = []
    for clip in _check_clips(clips, "clips"):
        S, beats, downbeats = clip_features(clip)
        act = beat_activations(model, S)
        est = decode_beats(act[0], **decoder_settings(model))
        row = evaluate_beats(beats, est)
        row["F-measure (peaks)"] = evaluate_beats(beats, pick_peaks(act[0]))["F-measure"]
        row["downbeat F-measure"] = (evaluate_beats(downbeats, decode_downbeats(est, act[1])[0])["F-measure"]
                                     if len(downbeats) else 0.0)
        rows.append(row)
    return rows

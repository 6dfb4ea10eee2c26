"""A small 2-D CNN that classifies a clip's style from log-mel spectrogram patches, and its saliency.

The lecture: "A simple 2D CNN can be a better choice if the task is a clip-level decision.
Spectrograms are good representations!" The spectrogram is treated as an image (1 channel,
frequency x time); stacked 3x3 convolutions and pooling see ever larger time-frequency regions, and
a global pooling turns the map into one vector per patch: the decision is about the whole patch,
not about each frame. A clip's prediction averages the log-probabilities of its patches.

Notebook: 06_cnn2d_clip_classification.ipynb
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from .utils import check_int, check_int_list, check_positive_int, eval_mode, is_int


class StyleCNN(nn.Module):
    """Log-mel patch ``(B, n_mels, T)`` -> style logits ``(B, n_classes)``.

    Layers: average-pool time by ``time_pool`` (100 -> 25 frames/s: a style needs no 10-ms detail),
    then per block a 3x3 conv, batch norm, ReLU and 2x2 max-pool; then global average and max
    pooling over (frequency, time), dropout and a linear layer.

    Args:
        n_mels: input bands.
        n_classes: output classes.
        channels: channels of each conv block (its length is the number of blocks).
        time_pool: initial time down-sampling factor.
        dropout: dropout before the linear layer.

    Notebook: 06_cnn2d_clip_classification.ipynb
    """

    def __init__(self, n_mels: int = 80, n_classes: int = 8, channels: Sequence[int] = (16, 32, 48, 64),
                 time_pool: int = 4, dropout: float = 0.3) -> None:
        super().__init__()
        n_classes = check_int("n_classes", n_classes, minimum=2)
        channels = check_int_list("channels", channels)
        n_mels = check_positive_int("n_mels", n_mels)
        time_pool = check_positive_int("time_pool", time_pool)
        if (isinstance(dropout, (bool, np.bool_)) or not isinstance(dropout, (int, float, np.integer, np.floating))
                or not 0.0 <= dropout < 1.0):
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
        if n_mels < 2 ** len(channels):
            raise ValueError(f"n_mels must be at least 2**len(channels) = {2 ** len(channels)}, got {n_mels}")
        self.n_mels = int(n_mels)
        layers: List[nn.Module] = [nn.AvgPool2d((1, time_pool))] if time_pool > 1 else []
        c_in = 1
        for c in channels:
            layers += [nn.Conv2d(c_in, int(c), 3, padding=1), nn.BatchNorm2d(int(c)), nn.ReLU(), nn.MaxPool2d(2)]
            c_in = int(c)
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(float(dropout))
        self.classifier = nn.Linear(2 * c_in, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise ValueError(f"x must be a torch.Tensor of shape (B, {self.n_mels}, T), got {type(x).__name__}")
        if x.dim() != 3 or x.shape[1] != self.n_mels:
            raise ValueError(f"x must have shape (B, {self.n_mels}, T), got {tuple(x.shape)}")
        h = self.features(x.unsqueeze(1))                    # (B, C, F', T')
        pooled = torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1)
        return self.classifier(self.dropout(pooled))


def random_patches(specs: Sequence[np.ndarray], labels: Sequence[int], n: int, frames: int,
                   rng: np.random.Generator, gain_db: float = 6.0) -> Tuple[torch.Tensor, torch.Tensor]:
    """A training batch: ``n`` random patches of ``frames`` frames from random clips (+ random gain).

    Args:
        specs: spectrograms ``(F, T_i)`` (log(1 + gamma * mel), see :func:`tcnlib.beats.beat_features`).
        labels: their class numbers.
        n: batch size.
        frames: patch length.
        rng: a ``numpy.random.Generator``.
        gain_db: random gain range (applied to the linear magnitudes).

    Returns:
        ``(x, y)``: float32 ``(n, F, frames)`` and int64 ``(n,)``.

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    if len(specs) != len(labels) or not len(specs):
        raise ValueError(f"specs and labels must be equally long and non-empty, got {len(specs)} and {len(labels)}")
    n = check_positive_int("n", n)
    frames = check_positive_int("frames", frames)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    if (isinstance(gain_db, (bool, np.bool_)) or not isinstance(gain_db, (int, float, np.integer, np.floating))
            or not np.isfinite(gain_db) or gain_db < 0):
        raise ValueError(f"gain_db must be a number of dB >= 0, got {gain_db!r}")
    for j, S in enumerate(specs):
        if np.ndim(S) != 2:
            raise ValueError(f"specs must hold spectrograms of shape (F, T); specs[{j}] has shape {np.shape(S)}")
    xs, ys = [], []
    for _ in range(n):
        i = int(rng.integers(len(specs)))
        S = specs[i]
        if S.shape[1] < frames:
            raise ValueError(f"spectrogram {i} has {S.shape[1]} frames, fewer than frames={frames}")
        start = int(rng.integers(S.shape[1] - frames + 1))
        patch = S[:, start:start + frames]
        if gain_db > 0:
            g = 10.0 ** (rng.uniform(-gain_db, gain_db) / 20.0)
            patch = np.log1p(np.expm1(patch) * g)
        xs.append(patch)
        ys.append(int(labels[i]))
    return torch.from_numpy(np.stack(xs).astype(np.float32)), torch.tensor(ys, dtype=torch.int64)


def clip_patches(S: np.ndarray, frames: int, hop: Optional[int] = None) -> torch.Tensor:
    """Cut one spectrogram ``(F, T)`` into patches ``(n, F, frames)``, ``hop`` frames apart.

    Raises:
        ValueError: if the spectrogram is shorter than one patch.

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    frames = check_positive_int("frames", frames)
    if hop is not None and (not is_int(hop) or hop < 1):
        raise ValueError(f"hop must be a positive integer number of frames, got {hop!r}")
    hop = max(1, frames // 2) if hop is None else int(hop)
    arr = np.asarray(S)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"S must be a spectrogram (F, T) of numbers, got dtype {arr.dtype}")
    S = arr.astype(np.float32)
    if S.ndim != 2 or S.shape[1] < frames:
        raise ValueError(f"S must be (F, T) with T >= frames={frames}, got shape {S.shape}")
    if not np.isfinite(S).all():
        raise ValueError("S contains NaN or infinite values")
    starts = range(0, S.shape[1] - frames + 1, hop)
    return torch.from_numpy(np.stack([S[:, s:s + frames] for s in starts]))


def predict_clip(model: nn.Module, S: np.ndarray, frames: int, hop: Optional[int] = None) -> np.ndarray:
    """Class probabilities of a whole clip: the mean of its patches' log-probabilities, softmaxed.

    Returns:
        ``(n_classes,)`` probabilities.

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module (e.g. a StyleCNN), got {type(model).__name__}")
    x = clip_patches(S, frames, hop)
    with eval_mode(model), torch.no_grad():
        logp = torch.log_softmax(model(x).float(), dim=1).mean(dim=0)
    return torch.softmax(logp, dim=0).numpy()


def confusion_matrix(true: Sequence[int], pred: Sequence[int], n_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of clips of class ``i`` predicted as ``j``.

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    n_classes = check_positive_int("n_classes", n_classes)
    t, p = np.asarray(true), np.asarray(pred)
    for name, a in (("true", t), ("pred", p)):
        if a.size and (a.dtype == np.bool_ or not np.issubdtype(a.dtype, np.number)
                       or not np.array_equal(a, np.round(a))):
            raise ValueError(f"{name} must hold integer class numbers, got {a.ravel()[:5].tolist()}...")
    t, p = t.astype(int), p.astype(int)
    if t.shape != p.shape:
        raise ValueError(f"true and pred must have the same length, got {t.shape} and {p.shape}")
    if t.size and (min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= n_classes):
        raise ValueError(f"labels must lie in [0, {n_classes}), got values outside")
    C = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(C, (t, p), 1)
    return C


def saliency(model: nn.Module, x: torch.Tensor, target: Optional[int] = None) -> np.ndarray:
    """Gradient of a class score with respect to the input patch: where the network "looks".

    ``|d logit_target / d x|``: large where a small change of the spectrogram would change the
    score most (Simonyan et al. 2014). Computed in eval mode.

    Args:
        model: a classifier ``(1, F, T) -> (1, n_classes)``.
        x: one patch ``(F, T)``.
        target: the class (default: the predicted one).

    Returns:
        float32 ``(F, T)`` magnitudes.

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module (e.g. a StyleCNN), got {type(model).__name__}")
    x = torch.as_tensor(x, dtype=torch.float32)
    if x.dim() != 2:
        raise ValueError(f"x must be one patch of shape (F, T), got {tuple(x.shape)}")
    if target is not None and not is_int(target):
        raise ValueError(f"target must be an integer class or None, got {target!r}")
    with eval_mode(model):
        xi = x.clone()[None].requires_grad_(True)
        logits = model(xi)[0]
        k = int(logits.argmax()) if target is None else int(target)
        if not 0 <= k < logits.numel():
            raise ValueError(f"target must be a class in [0, {logits.numel()}), got {target!r}")
        logits[k].backward()
    return xi.grad[0].abs().numpy()

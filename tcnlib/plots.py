"""Figures: thin matplotlib layers over tcnlib's pure functions.

Every helper takes ``ax=None`` (a new figure is made when it is None) and returns what it drew,
so a notebook can compose several on one figure and a test can inspect the artists.

Notebook: 01_audio_as_sequences.ipynb
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from .audio import as_waveform, hop_length


def _axes(ax: Optional[Axes], figsize: Tuple[float, float] = (9, 2.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_waveform(y: np.ndarray, sr: int, ax: Optional[Axes] = None, start: float = 0.0,
                  end: Optional[float] = None, samples: bool = False, title: Optional[str] = None,
                  **line_kwargs) -> Tuple[Axes, Line2D]:
    """Plot a waveform ``(N,)`` against time in seconds, optionally zoomed to [start, end).

    Args:
        y: waveform of shape ``(N,)``.
        sr: sample rate in Hz.
        ax: axes to draw on (``None``: a new figure).
        start, end: the time window in seconds (``end=None``: to the end).
        samples: also mark each sample with a dot and use sample indices on the x axis; use
            it when zoomed in far enough to see single samples.
        title: axes title.

    Returns:
        ``(ax, line)``.

    Notebook: 01_audio_as_sequences.ipynb
    """
    y = as_waveform(y)
    if sr <= 0:
        raise ValueError(f"sr must be positive, got {sr}")
    n0 = max(0, int(round(start * sr)))
    n1 = len(y) if end is None else min(len(y), int(round(end * sr)))
    if n1 <= n0:
        raise ValueError(f"the window [start, end) = [{start}, {end}) s holds no samples of this "
                         f"{len(y) / sr:.3f} s signal")
    ax = _axes(ax)
    idx = np.arange(n0, n1)
    if samples:
        (line,) = ax.plot(idx, y[n0:n1], marker="o", markersize=3, linewidth=0.8, **line_kwargs)
        ax.set_xlabel("sample index n  (t = n / sr)")
    else:
        (line,) = ax.plot(idx / sr, y[n0:n1], linewidth=0.6, **line_kwargs)
        ax.set_xlabel("time (s)")
        ax.set_xlim(n0 / sr, (n1 - 1) / sr if n1 - 1 > n0 else n1 / sr)
    ax.set_ylabel("amplitude")
    if title:
        ax.set_title(title)
    return ax, line


def plot_spectrogram(S: np.ndarray, sr: Optional[int] = None, fps: Optional[float] = None,
                     ax: Optional[Axes] = None, y_axis: str = "bins", title: Optional[str] = None,
                     colorbar: bool = False, cmap: str = "magma",
                     vlines: Optional[Sequence[float]] = None) -> Tuple[Axes, AxesImage]:
    """Show a spectrogram ``(F, T)`` as an image: time to the right, frequency upwards.

    Args:
        S: spectrogram of shape ``(F, T)``.
        sr, fps: sample rate and frame rate; with both, the x axis is in seconds (exact hop),
            otherwise in frames.
        ax: axes to draw on (``None``: a new figure).
        y_axis: label for the rows, e.g. ``"bins"``, ``"mel band"``.
        title: axes title.
        colorbar: add a colour bar.
        cmap: matplotlib colour map.
        vlines: times (seconds when sr and fps are given, else frames) to mark with lines,
            e.g. annotated beats.

    Returns:
        ``(ax, image)``.

    Notebook: 01_audio_as_sequences.ipynb
    """
    S = np.asarray(S)
    if S.ndim != 2 or S.shape[0] < 1 or S.shape[1] < 1:
        raise ValueError(f"S must be a 2-D spectrogram of shape (F, T), got shape {S.shape}")
    ax = _axes(ax, (9, 3))
    n_bins, n_frames = S.shape
    if sr is not None and fps is not None:
        step = hop_length(sr, fps) / sr
        extent = (-step / 2, (n_frames - 0.5) * step, -0.5, n_bins - 0.5)
        ax.set_xlabel("time (s)")
    else:
        extent = (-0.5, n_frames - 0.5, -0.5, n_bins - 0.5)
        ax.set_xlabel("frame")
    img = ax.imshow(S, origin="lower", aspect="auto", cmap=cmap, extent=extent, interpolation="nearest")
    ax.set_ylabel(y_axis)
    if vlines is not None:
        for v in vlines:
            ax.axvline(v, color="cyan", linewidth=0.8, alpha=0.8)
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(img, ax=ax)
    return ax, img

"""Figures: thin matplotlib layers over tcnlib's pure functions.

Every helper takes ``ax=None`` (a new figure is made when it is None) and returns what it drew,
so a notebook can compose several on one figure and a test can inspect the artists.

Notebook: 01_audio_as_sequences.ipynb
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Sequence, Tuple, Union

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from .audio import as_waveform, hop_length
from .utils import check_bool, check_positive_int

if TYPE_CHECKING:
    import torch
    from matplotlib.container import BarContainer


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
    samples = check_bool("samples", samples)
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


# --- receptive fields and dilation (Notebook: 02_receptive_field, 03_dilated_convolutions) -----

def plot_dilated_stack(kernel_size: Union[int, Sequence[int]], dilations: Sequence[int], convs_per_block: int = 1,
                       causal: bool = True, max_inputs: int = 64, ax: Optional[Axes] = None,
                       title: Optional[str] = None, show_holes: bool = True,
                       max_edges: int = 2000) -> Tuple[Axes, Line2D]:
    """WaveNet-style stack diagram: one row of nodes per layer, one output's cone highlighted.

    Rows from bottom to top: the input, then the output of each convolution. The cone of the
    output marked in red (the newest step for a causal stack) is drawn in colour with its
    connections; inputs inside the receptive field that no path reaches ("holes", gridding)
    are marked with a red x. A cone with more than ``max_edges`` connections (deep stacks with
    big kernels reach tens of thousands) is aggregated so that it stays readable and fast: the
    whole cone is a shaded band, connections are drawn only for the top convolutions that fit
    in ``max_edges``, and the x label says how many were drawn of how many.

    All connections are one ``Line2D`` (segments separated by NaN), built from one numpy array:
    drawing cost does not grow with a Python loop per segment. What is drawn (the window, the
    output, the cone's nodes row by row, the holes) is computed by
    :func:`tcnlib.receptive.stack_diagram`; this function only draws it.

    Args:
        kernel_size, dilations, convs_per_block, causal: the stack, as for
            :func:`tcnlib.receptive.stack_diagram` (one row per convolution).
        max_inputs: the most input steps drawn; a wider receptive field is cut at the left and
            the title says so.
        ax: axes to draw on (``None``: a new figure).
        title: axes title (default: the kernel, dilations and receptive field).
        show_holes: mark the inputs no path reaches.
        max_edges: the most connections drawn (>= 1); above it the cone is aggregated as above.

    Returns:
        ``(ax, edges)``: the axes and the ``Line2D`` of the drawn connections; segment ``i`` is
        points ``3 i`` (upper node) and ``3 i + 1`` (lower node), point ``3 i + 2`` is NaN, so
        ``len(edges.get_xdata()) // 3`` is the number of connections drawn.

    Notebook: 03_dilated_convolutions.ipynb
    """
    from matplotlib.ticker import MaxNLocator

    from .receptive import stack_diagram

    g = stack_diagram(kernel_size, dilations, convs_per_block, causal, max_inputs)
    max_edges = check_positive_int("max_edges", max_edges)
    convs, levels, n, t_out = g.convs, g.levels, g.n_inputs, g.t_out
    rf, past, future = g.receptive_field, g.past, g.future
    n_rows = len(convs) + 1
    ax = _axes(ax, (9, 0.45 * len(convs) + 2))
    dense = n_rows > 16  # deep stacks: smaller markers so that the rows stay apart
    grid_x, grid_y = np.meshgrid(np.arange(n), np.arange(n_rows))
    ax.plot(grid_x.ravel(), grid_y.ravel(), ".", markersize=2 if dense else 3, color="0.82", zorder=1)
    # connections: from the top row down while they fit in max_edges
    n_edges = [len(levels[row]) * convs[row - 1][0] for row in range(n_rows)]  # n_edges[0] unused
    total = sum(n_edges[1:])
    lowest, drawn = n_rows, 0
    while lowest > 1 and drawn + n_edges[lowest - 1] <= max_edges:
        lowest -= 1
        drawn += n_edges[lowest]
    parts = []
    for row in range(lowest, n_rows):
        k, d = convs[row - 1]
        taps = np.arange(k) * d - g.pads[row - 1][0]
        x_top = np.repeat(levels[row], k).astype(float)
        seg = np.full((len(x_top), 3, 2), np.nan)
        seg[:, 0, 0], seg[:, 0, 1] = x_top, row
        seg[:, 1, 0], seg[:, 1, 1] = x_top + np.tile(taps, len(levels[row])), row - 1
        parts.append(seg.reshape(-1, 2))
    pts = np.concatenate(parts) if parts else np.empty((0, 2))
    (edges,) = ax.plot(pts[:, 0], pts[:, 1], color="tab:blue", linewidth=0.7, alpha=0.65, zorder=2)
    aggregated = drawn < total
    if aggregated:  # the whole cone as a band: its first and last node on every row
        rows_c = [r for r in range(n_rows) if len(levels[r])]
        left = [levels[r][0] - 0.35 for r in rows_c]
        right = [levels[r][-1] + 0.35 for r in rows_c]
        ax.fill(left + right[::-1], rows_c + rows_c[::-1], color="tab:blue", alpha=0.25, linewidth=0, zorder=1.5)
    rows = np.concatenate([np.full(len(xs), row) for row, xs in enumerate(levels)])
    ax.scatter(np.concatenate(levels), rows, s=9 if dense else 22, c=rows, cmap="viridis",
               vmin=0, vmax=max(1, n_rows - 1), zorder=3, edgecolors="none" if dense else "k", linewidths=0.3)
    ax.scatter([t_out], [n_rows - 1], s=70, color="tab:red", zorder=4, edgecolors="k", label="output")
    if show_holes:
        holes = g.holes
        if len(holes):
            ax.scatter(holes, np.zeros(len(holes)), marker="x", s=30, color="tab:red", zorder=4,
                       label=f"holes: inputs never seen ({len(holes)} drawn)")
            ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    ax.axvspan(t_out - past - 0.5, t_out + future + 0.5, ymin=0, ymax=1, color="tab:orange", alpha=0.08, zorder=0)
    ax.set_xlim(-0.7, n - 0.3)
    ax.set_ylim(-0.6, n_rows - 0.4)
    labels = ["input"] + [f"conv {i + 1} (k={k}, d={d})" for i, (k, d) in enumerate(convs)]
    step = -(-n_rows // 14)  # at most 14 labels (every row up to 14 rows): each costs ~2 ms to draw
    ax.set_yticks(range(0, n_rows, step))
    ax.set_yticklabels(labels[::step], fontsize=8)
    xlabel = "time step (input samples or frames)"
    if aggregated:
        xlabel += (f"; {total:,} connections: {drawn:,} drawn (top {n_rows - lowest} convs), "
                   f"the rest of the cone shaded")
    ax.set_xlabel(xlabel, fontsize=9 if aggregated else 10)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    cut = g.cut
    if title is None:
        dl = list(dilations)
        shown = str(dl) if len(dl) <= 8 else f"[{', '.join(map(str, dl[:6]))}, ..., {dl[-1]}]"
        title = (f"{'causal' if causal else 'non-causal'} stack, dilations {shown}: "
                 f"receptive field {rf}" + (f" ({n} of its inputs drawn)" if cut else ""))
    ax.set_title(title, fontsize=10)
    return ax, edges


def plot_receptive_field_vs_depth(kernel_size: int = 3, max_layers: int = 12, base: int = 2,
                                  rates: Sequence[float] = (100, 16000), convs_per_block: int = 1,
                                  axes: Optional[Sequence[Axes]] = None) -> Tuple[Axes, Axes]:
    """Receptive field against depth for a plain stack (all dilations 1) and an exponentially
    dilated one (``1, base, base**2, ...``): in steps (left) and in seconds at each rate (right).

    Both panels use a log y axis: the dilated field is a straight line (exponential growth),
    the plain one flattens (linear growth).

    Returns:
        ``(ax_steps, ax_seconds)``.

    Notebook: 03_dilated_convolutions.ipynb
    """
    from .receptive import exponential_dilations, receptive_field_by_depth

    max_layers = check_positive_int("max_layers", max_layers)
    if len(rates) == 0 or any(not np.isfinite(r) or r <= 0 for r in rates):
        raise ValueError(f"rates must be positive numbers of steps per second, got {list(rates)}")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    ax_n, ax_s = axes
    depth = np.arange(1, max_layers + 1)
    plain = np.array(receptive_field_by_depth(kernel_size, [1] * max_layers, convs_per_block))
    dil = np.array(receptive_field_by_depth(kernel_size, exponential_dilations(max_layers, base), convs_per_block))
    ax_n.semilogy(depth, dil, "o-", label=f"dilated (1, {base}, {base ** 2}, ...)")
    ax_n.semilogy(depth, plain, "s--", label="plain (dilation 1)")
    ax_n.set_xlabel("number of layers")
    ax_n.set_ylabel("receptive field (steps)")
    ax_n.set_title(f"kernel {kernel_size}: receptive field in steps")
    ax_n.legend(fontsize=8)
    for i, rate in enumerate(rates):
        c = f"C{i + 2}"
        ax_s.semilogy(depth, dil / rate, "o-", color=c, label=f"dilated @ {rate:g} Hz")
        ax_s.semilogy(depth, plain / rate, "s--", color=c, alpha=0.7, label=f"plain @ {rate:g} Hz")
    for sec, name in [(1.0, "1 s"), (30.0, "30 s")]:
        ax_s.axhline(sec, color="0.5", linewidth=0.8, linestyle=":")
        ax_s.text(depth[0], sec * 1.15, name, fontsize=8, color="0.4")
    ax_s.set_xlabel("number of layers")
    ax_s.set_ylabel("receptive field (s)")
    ax_s.set_title("the same in seconds")
    ax_s.legend(fontsize=7, ncol=2)
    return ax_n, ax_s


def plot_coverage(kernel_size: Union[int, Sequence[int]], dilations: Sequence[int], convs_per_block: int = 1,
                  causal: bool = True, ax: Optional[Axes] = None,
                  title: Optional[str] = None) -> Tuple[Axes, "BarContainer"]:
    """Bar chart of the number of paths from each input offset to one output; holes in red.

    Returns:
        ``(ax, bars)``.

    Notebook: 03_dilated_convolutions.ipynb
    """
    from .receptive import path_counts

    offsets, counts = path_counts(kernel_size, dilations, convs_per_block, causal)
    counts_f = np.array([float(c) for c in counts])
    ax = _axes(ax, (9, 2.3))
    colors = ["tab:blue" if c > 0 else "tab:red" for c in counts_f]
    bars = ax.bar(offsets, counts_f, width=0.8, color=colors)
    holes = offsets[counts_f == 0]
    if len(holes):
        ax.scatter(holes, np.zeros(len(holes)), marker="x", color="tab:red", zorder=3,
                   label=f"{len(holes)} holes (0 paths)")
        ax.legend(fontsize=8, loc="best")
    ax.set_xlabel("input offset from the output (steps; negative = past)")
    ax.set_ylabel("paths to the output")
    ax.set_title(title or f"coverage: kernel {kernel_size}, dilations {list(dilations)}", fontsize=10)
    return ax, bars


def plot_dependency_mask(mask: "Union[np.ndarray, torch.Tensor]", ax: Optional[Axes] = None, title: Optional[str] = None) -> Tuple[Axes, AxesImage]:
    """Show a dependency mask ``(T_out, T_in)``: which input frames each output frame depends on.

    Dependencies on the past and present are drawn in blue, dependencies on the *future*
    (input frame after the output frame: the lecture's red lines) in red, none in white; the
    dashed diagonal marks ``input frame == output frame``.

    Args:
        mask: boolean array or tensor of shape ``(T_out, T_in)``, e.g. from
            :func:`tcnlib.dependency_mask`.
        ax: axes to draw on (``None``: a new figure).
        title: axes title.

    Returns:
        ``(ax, image)``.

    Notebook: 04_causality.ipynb
    """
    m = np.asarray(mask.cpu() if hasattr(mask, "cpu") else mask).astype(bool)
    if m.ndim != 2:
        raise ValueError(f"mask must be 2-D of shape (T_out, T_in), got shape {m.shape}")
    ax = _axes(ax, (4.5, 4))
    t_out, t_in = m.shape
    future = np.arange(t_in)[None, :] > np.arange(t_out)[:, None]
    rgb = np.ones((t_out, t_in, 3))
    rgb[m & ~future] = (0.16, 0.35, 0.75)
    rgb[m & future] = (0.85, 0.12, 0.12)
    img = ax.imshow(rgb, origin="upper", interpolation="nearest", aspect="equal")
    n = min(t_out, t_in)
    ax.plot([-0.5, n - 0.5], [-0.5, n - 0.5], "k--", linewidth=0.6)
    ax.set_xlabel("input frame s")
    ax.set_ylabel("output frame t")
    if title:
        ax.set_title(title, fontsize=10)
    return ax, img


# --- TCN vs RNN: architecture and learning curves (Notebook: 05_tcn_vs_rnn) ----------------------

def plot_tcn_architecture(model: object, ax: Optional[Axes] = None,
                          title: Optional[str] = None) -> Tuple[Axes, list]:
    """Block diagram of a :class:`~tcnlib.TCN`: input, residual blocks, and the receptive field.

    Each block is drawn as its convolutional branch (``convs_per_block`` x [dilated causal
    conv, norm, activation, dropout]) with the skip path beside it (a 1x1 convolution when the
    channel count changes); the right margin gives the receptive field after each block.

    Args:
        model: a ``tcnlib.TCN`` (or anything with ``blocks``, ``channels``, ``dilations``,
            ``kernel_size``, ``in_channels``, ``convs_per_block``, ``norm`` and ``causal``).
        ax: axes to draw on (``None``: a new figure).
        title: axes title (default: the model's size and receptive field).

    Returns:
        ``(ax, boxes)``: the axes and the list of ``FancyBboxPatch`` (input first, then blocks).

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from .receptive import receptive_field

    needed = ("blocks", "channels", "dilations", "kernel_size", "in_channels", "convs_per_block", "norm", "causal")
    if not all(hasattr(model, a) for a in needed):
        raise ValueError(f"model must be a tcnlib.TCN (with {', '.join(needed)}), got {type(model).__name__}")
    n = len(model.blocks)
    ax = _axes(ax, (8, 0.75 * n + 1.8))
    boxes = []

    def box(y, text, color):
        patch = FancyBboxPatch((0.1, y - 0.3), 0.8, 0.6, boxstyle="round,pad=0.02", facecolor=color,
                               edgecolor="k", linewidth=0.8)
        ax.add_patch(patch)
        ax.text(0.5, y, text, ha="center", va="center", fontsize=7)
        boxes.append(patch)

    box(0, f"input x: (B, {model.in_channels}, T)", "0.9")
    c_in = model.in_channels
    conv = "causal" if model.causal else "same"
    for i, (c_out, d) in enumerate(zip(model.channels, model.dilations), start=1):
        rf = receptive_field(model.kernel_size, model.dilations[:i], model.convs_per_block)
        box(i, f"block {i}: {model.convs_per_block} x [{conv} conv k={model.kernel_size} d={d}, "
               f"{model.norm} norm, act, dropout]\n{c_in} -> {c_out} channels", "#cfe3f7")
        ax.add_patch(FancyArrowPatch((0.5, i - 0.7), (0.5, i - 0.3), arrowstyle="-|>", mutation_scale=10))
        skip = "skip (1x1 conv)" if c_in != c_out else "skip (identity)"
        ax.add_patch(FancyArrowPatch((0.1, i - 0.75), (0.1, i + 0.05), connectionstyle="arc3,rad=0.5",
                                     arrowstyle="-|>", mutation_scale=8, color="tab:orange"))
        ax.text(0.02, i - 0.35, skip, fontsize=6, color="tab:orange", ha="right", va="center")
        ax.text(0.95, i, f"+ skip, act\nreceptive field {rf}", fontsize=7, va="center")
        c_in = c_out
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(-0.6, n + 0.6)
    ax.axis("off")
    rf = receptive_field(model.kernel_size, model.dilations, model.convs_per_block)
    ax.set_title(title or f"TCN: {n} residual blocks, receptive field {rf} steps", fontsize=10)
    return ax, boxes


def plot_learning_curves(history: object, keys: Optional[Sequence[str]] = None, ax: Optional[Axes] = None,
                         x: str = "step", label: str = "", logy: bool = True,
                         title: Optional[str] = None, **line_kwargs) -> Tuple[Axes, list]:
    """Plot metrics of a :class:`tcnlib.training.History` (or a dict of lists) against training.

    Args:
        history: a ``History`` or a dict of equally long lists.
        keys: the metrics to draw (default: every key ending in ``loss``).
        ax: axes to draw on (``None``: a new figure).
        x: the x axis, ``"step"`` (global steps) or ``"epoch"``.
        label: prefix of each line's legend label (e.g. the model's name).
        logy: logarithmic y axis (losses spanning decades).
        title: axes title.

    Returns:
        ``(ax, lines)``.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    metrics = getattr(history, "metrics", history)
    if not isinstance(metrics, dict):
        raise ValueError(f"history must be a tcnlib.training.History or a dict of lists, got {type(history).__name__}")
    if x not in metrics:
        raise ValueError(f"x must be a key of the history such as 'step' or 'epoch', got {x!r}; "
                         f"it has {sorted(metrics)}")
    keys = list(keys) if keys is not None else [k for k in metrics if k.endswith("loss")]
    missing = [k for k in keys if k not in metrics]
    if missing or not keys:
        raise ValueError(f"keys must name metrics of the history {sorted(metrics)}, got {keys}")
    ax = _axes(ax, (7, 3.5))
    lines = []
    for k in keys:
        (line,) = ax.plot(metrics[x], metrics[k], marker=".", label=f"{label} {k}".strip(), **line_kwargs)
        lines.append(line)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("training step" if x == "step" else x)
    ax.set_ylabel(keys[0] if len(keys) == 1 else "metric")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax, lines


# --- the example music: spectrogram with beats and downbeats (Notebook: 01_audio_as_sequences) ----

def plot_beats(S: np.ndarray, sr: int, fps: float, beats: Sequence[float],
               downbeats: Optional[Sequence[float]] = None, ax: Optional[Axes] = None,
               title: Optional[str] = None, y_axis: str = "mel band",
               shade: Optional[Sequence[Tuple[float, float]]] = None) -> Tuple[Axes, AxesImage, list]:
    """A spectrogram ``(F, T)`` with its annotation: thin lines at beats, thick at downbeats.

    Args:
        S: spectrogram ``(F, T)`` at frame rate ``fps`` (e.g. ``tcnlib.log_mel_spectrogram``).
        sr, fps: sample rate in Hz and frame rate in frames/s (the x axis is in seconds).
        beats: beat times in seconds.
        downbeats: downbeat times in seconds (drawn thicker, in another colour).
        ax: axes to draw on (``None``: a new figure).
        title: axes title.
        y_axis: label of the rows.
        shade: ``(start, end)`` spans in seconds to shade, e.g. the drum breaks of a clip.

    Returns:
        ``(ax, image, lines)``: ``lines`` are the beat lines then the downbeat lines.

    Notebook: 01_audio_as_sequences.ipynb
    """
    for name, times in (("beats", beats), ("downbeats", downbeats)):
        if times is not None and not np.all(np.isfinite(np.asarray(times, dtype=float))):
            raise ValueError(f"{name} must be finite times in seconds (no NaN or inf)")
    ax, img = plot_spectrogram(S, sr=sr, fps=fps, ax=ax, y_axis=y_axis, title=title)
    lines = [ax.axvline(float(b), color="white", linewidth=0.7, alpha=0.8) for b in beats]
    if downbeats is not None:
        lines += [ax.axvline(float(b), color="cyan", linewidth=2.0, alpha=0.9) for b in downbeats]
    for a, b in shade or ():
        ax.axvspan(float(a), float(b), color="white", alpha=0.15)
    handles = [Line2D([], [], color="white", linewidth=0.7, label="beat")]
    if downbeats is not None:
        handles.append(Line2D([], [], color="cyan", linewidth=2.0, label="downbeat"))
    ax.legend(handles=handles, loc="upper right", fontsize=8, facecolor="0.3", labelcolor="white")
    return ax, img, lines

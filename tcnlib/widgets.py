"""Explorable widgets: move a slider, see the receptive field, the stack diagram and the cost.

Two layers, so that every number a widget shows is testable without a browser:

* pure functions (:func:`explorer_settings`, :func:`parse_dilations`, :func:`explorer_readouts`,
  :func:`readout_html`, :func:`message_html`) turn raw control values into a *clamped* stack and
  its readouts. Out-of-range or unreadable settings never raise: they are clamped and each
  clamp is explained in a message.
* :func:`receptive_field_explorer` builds the ipywidgets front end on top of them.

Browser-test hooks: the explorer box has the CSS class ``tcn-rf-explorer``; each
control has a fixed description (``kernel size``, ``layers``, ``dilations``, ``base``,
``custom``, ``stacks``, ``convs/block``, ``rate``, ``channels``, ``causal``) and a class
``tcn-ctl-<name>``; the readouts are an ``HTML`` widget of class ``tcn-readout`` (numbers in
spans ``tcn-rf-steps``, ``tcn-rf-seconds``, ``tcn-params``, ``tcn-holes``), the explanations
an ``HTML`` widget of class ``tcn-message`` and the figure one ``Image`` widget of class
``tcn-figure`` whose PNG is replaced in place (figures never stack up). Sliders and the text
box use ``continuous_update=False``, so dragging a slider sends one change on release, not
a backlog of redraws; an update that does not change the clamped stack (e.g. only the rate)
does not redraw, and the last 64 diagrams are cached, so moving a control back is instant.

Notebook: 03_dilated_convolutions.ipynb
"""
from __future__ import annotations

import html
import io
import math
import numbers
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, Union

if TYPE_CHECKING:  # annotations only: the pure functions never import matplotlib or ipywidgets
    from ipywidgets import VBox
    from matplotlib.figure import Figure

import numpy as np

from .receptive import (exponential_dilations, field_span, hole_count, receptive_field,
                        receptive_field_arithmetic, stack_parameters, to_seconds)

RawInt = Union[int, float, str, None]
"""A raw control value meant as a whole number: anything else is clamped and explained, never raised on."""
RawFloat = Union[float, int, str, None]

SCHEDULES: Tuple[str, ...] = ("none", "exponential", "custom")
"""Dilation schedules of the explorer: all 1 (plain), ``1, base, base**2, ...``, a typed list."""

RATES: Tuple[Tuple[str, float], ...] = (
    ("100 Hz (spectrogram frames)", 100.0),
    ("16 kHz (speech audio)", 16000.0),
    ("22.05 kHz (audio)", 22050.0),
    ("44.1 kHz (CD audio)", 44100.0),
)
"""Rate choices of the explorer: (label, steps per second)."""

LIMITS: Dict[str, Tuple[int, int]] = {
    "kernel_size": (1, 9),
    "n_layers": (1, 12),
    "base": (1, 8),
    "n_stacks": (1, 4),
    "convs_per_block": (1, 3),
    "channels": (1, 1024),
    "dilation": (1, 4096),
}
"""Inclusive (min, max) of each explorer setting; values outside are clamped and explained."""

MAX_CONVS = 48
"""Most convolutions the diagram draws (rows); more repeated stacks are clamped."""

DRAWN_INPUTS = 64
"""Input steps the stack diagram draws; a wider receptive field is drawn cut (and said so)."""


@dataclass
class ExplorerSettings:
    """A valid stack, after clamping, and the explanations of every clamp.

    Attributes:
        kernel_size: kernel size of every convolution.
        dilations: one dilation per block, repeated stacks included.
        convs_per_block: convolutions sharing each dilation.
        rate: steps per second (Hz) of the input, for the readout in seconds.
        channels: channel width, for the parameter count.
        causal: causal (left-padded) or "same" (centred) convolutions.
        messages: one sentence per clamp or notable edge case, in order.

    Notebook: none (the pure layer of receptive_field_explorer)
    """

    kernel_size: int = 3
    dilations: List[int] = field(default_factory=lambda: [1, 2, 4, 8])
    convs_per_block: int = 1
    rate: float = 100.0
    channels: int = 32
    causal: bool = True
    messages: List[str] = field(default_factory=list)

    def key(self) -> tuple:
        """Everything that changes the figure or readouts (messages excluded)."""
        return self.figure_key() + (self.rate, self.channels)

    def figure_key(self) -> tuple:
        """Everything that changes the stack diagram (the rate and channel width do not)."""
        return (self.kernel_size, tuple(self.dilations), self.convs_per_block, self.causal)


def _clamp_int(name: str, value, label: str, messages: List[str]) -> int:
    lo, hi = LIMITS[name]
    try:
        v = int(value)
        if v != value:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        messages.append(f"{label} must be a whole number; got {value!r}, using {lo}.")
        return lo
    if v < lo or v > hi:
        c = min(hi, max(lo, v))
        messages.append(f"{label} {v} is outside {lo}..{hi}; clamped to {c}.")
        return c
    return v


def parse_dilations(text: str) -> Tuple[List[int], List[str]]:
    """Read a typed dilation list such as ``"1, 2, 4, 8"``, ``"[1 2 4]"`` or ``"1;3;9"``.

    Never raises: unreadable entries are dropped, values are clamped to ``LIMITS["dilation"]``,
    at most ``LIMITS["n_layers"]`` entries are kept, and an empty result becomes ``[1]``.

    Returns:
        ``(dilations, messages)``: the list used and one explanation per fix.

    Example:
        >>> parse_dilations("1, 2, x, 0")
        ([1, 2, 1], ["ignored 'x': not a whole number", 'dilation 0 is below 1; using 1'])

    Notebook: none (the pure layer of receptive_field_explorer)
    """
    lo, hi = LIMITS["dilation"]
    max_layers = LIMITS["n_layers"][1]
    messages: List[str] = []
    tokens = [t for t in re.split(r"[\s,;\[\]()]+", str(text)) if t]
    out: List[int] = []
    for tok in tokens:
        if not re.fullmatch(r"[+-]?\d+", tok):
            messages.append(f"ignored {tok[:20]!r}: not a whole number")
            continue
        v = int(tok)
        if v < lo:
            messages.append(f"dilation {v} is below {lo}; using {lo}")
            v = lo
        elif v > hi:
            messages.append(f"dilation {tok[:12]} is above {hi}; using {hi}")
            v = hi
        out.append(v)
    if len(out) > max_layers:
        messages.append(f"{len(out)} dilations given; the explorer keeps the first {max_layers}")
        out = out[:max_layers]
    if not out:
        messages.append("no dilation could be read; using [1] (type e.g. 1, 2, 4, 8)")
        out = [1]
    return out, messages


def explorer_settings(kernel_size: RawInt = 3, n_layers: RawInt = 4, schedule: str = "exponential",
                      base: RawInt = 2, custom: str = "1, 2, 4, 8", n_stacks: RawInt = 1, convs_per_block: RawInt = 1,
                      rate: RawFloat = 100.0, channels: RawInt = 32, causal: bool = True) -> ExplorerSettings:
    """Turn raw control values into a valid stack; clamp and explain, never raise.

    Args:
        kernel_size: kernel size of every convolution (clamped to 1..9).
        n_layers: layers (blocks) per stack for the "none" and "exponential" schedules (1..12).
        schedule: ``"none"`` (all dilations 1), ``"exponential"`` (``1, base, base**2, ...``)
            or ``"custom"`` (the list typed in ``custom``; it sets the number of layers).
        base: base of the exponential schedule (1..8).
        custom: typed dilation list, read by :func:`parse_dilations`.
        n_stacks: how many times the schedule repeats (1..4, fewer if the diagram would get
            more than ``MAX_CONVS`` rows).
        convs_per_block: convolutions per dilation (1..3; 2 in a TCN block).
        rate: input rate in Hz.
        channels: channel width for the parameter count (1..1024).
        causal: causal or "same" padding (``True``/``False``; anything else, such as the string
            ``"no"``, is explained and replaced by ``True``).

    Returns:
        An :class:`ExplorerSettings`; its ``messages`` explain each clamp and edge case.

    Notebook: 03_dilated_convolutions.ipynb
    """
    msgs: List[str] = []
    k = _clamp_int("kernel_size", kernel_size, "kernel size", msgs)
    cpb = _clamp_int("convs_per_block", convs_per_block, "convs per block", msgs)
    ch = _clamp_int("channels", channels, "channels", msgs)
    stacks = _clamp_int("n_stacks", n_stacks, "stacks", msgs)
    if schedule not in SCHEDULES:
        msgs.append(f"schedule must be one of {list(SCHEDULES)}; got {schedule!r}, using 'exponential'.")
        schedule = "exponential"
    if schedule == "custom":
        dils, extra = parse_dilations(custom)
        msgs += [m[0].upper() + m[1:] + "." for m in extra]
    else:
        n = _clamp_int("n_layers", n_layers, "layers", msgs)
        if schedule == "none":
            dils = [1] * n
        else:
            b = _clamp_int("base", base, "base", msgs)
            dils = exponential_dilations(n, b)
            hi = LIMITS["dilation"][1]
            if dils[-1] > hi:
                msgs.append(f"base {b} with {n} layers reaches dilation {dils[-1]}; dilations are capped at {hi}.")
                dils = [min(d, hi) for d in dils]
            if b == 1:
                msgs.append("base 1 makes every dilation 1: the same as no dilation.")
    if len(dils) * stacks * cpb > MAX_CONVS:
        fit = max(1, MAX_CONVS // (len(dils) * cpb))
        msgs.append(f"{len(dils)} layers x {stacks} stacks x {cpb} convs is more than the {MAX_CONVS} "
                    f"convolutions drawn; using {fit} stack{'s' if fit > 1 else ''}.")
        stacks = fit
    try:
        r = float(rate)
        ok = r > 0 and r < float("inf")
    except (TypeError, ValueError):
        ok = False
    if not ok:
        msgs.append(f"rate must be a positive number of steps per second; got {rate!r}, using 100 Hz.")
        r = 100.0
    if isinstance(causal, (bool, np.bool_)):
        causal_ok = bool(causal)
    else:
        msgs.append(f"causal must be True or False; got {causal!r}, using True.")
        causal_ok = True
    s = ExplorerSettings(k, dils * stacks, cpb, r, ch, causal_ok, msgs)
    rf = receptive_field(s.kernel_size, s.dilations, s.convs_per_block)
    if k == 1:
        msgs.append("Kernel size 1 sees only its own time step: the receptive field stays 1 whatever the "
                    "dilation (a 1x1 convolution mixes channels, not time).")
    if len(s.dilations) == 1:
        msgs.append(f"A single layer: receptive field = 1 + (k - 1) * d = {rf}.")
    if rf > DRAWN_INPUTS:
        msgs.append(f"The receptive field ({rf} steps) is wider than the {DRAWN_INPUTS} input steps drawn: "
                    f"the diagram shows part of it; the numbers are exact.")
    return s


def _check_settings(s: object) -> "ExplorerSettings":
    if not isinstance(s, ExplorerSettings):
        raise ValueError(f"s must be an ExplorerSettings (from explorer_settings(...)), got {type(s).__name__}")
    return s


def _fmt_seconds(sec: float) -> str:
    if sec >= 1:
        return f"{sec:.4g} s"
    if sec >= 1e-3:
        return f"{sec:.4g} s ({sec * 1e3:.4g} ms)"
    return f"{sec:.4g} s ({sec * 1e6:.4g} µs)"


def explorer_readouts(s: ExplorerSettings) -> Dict[str, object]:
    """The numbers the explorer shows for a stack.

    Returns:
        A dict with ``receptive_field`` (steps), ``seconds``, ``past`` and ``future`` (steps),
        ``n_convs``, ``parameters`` (weights and biases of a plain conv stack ``channels``
        wide), ``holes`` (inputs inside the field no path reaches) and ``arithmetic`` (the
        formula written out, shortened past 12 terms).

    Notebook: 03_dilated_convolutions.ipynb
    """
    _check_settings(s)
    rf = receptive_field(s.kernel_size, s.dilations, s.convs_per_block)
    past, future = field_span(s.kernel_size, s.dilations, s.convs_per_block, s.causal)
    n_convs = len(s.dilations) * s.convs_per_block
    arith = receptive_field_arithmetic(s.kernel_size, s.dilations, s.convs_per_block)
    if n_convs > 12:
        terms, total = arith.split(" = ")
        parts = terms.split(" + ")
        arith = " + ".join(parts[:7]) + f" + ... ({n_convs - 6} more terms) ... + {parts[-1]} = {total}"
    return {
        "receptive_field": rf,
        "seconds": to_seconds(rf, s.rate),
        "past": past,
        "future": future,
        "n_convs": n_convs,
        "parameters": stack_parameters(s.kernel_size, len(s.dilations), s.channels,
                                       convs_per_block=s.convs_per_block),
        "holes": hole_count(s.kernel_size, s.dilations, s.convs_per_block),
        "arithmetic": arith,
    }


def readout_html(s: ExplorerSettings) -> str:
    """The readouts as HTML (class ``tcn-readout``; each number in its own classed span).

    Notebook: none (the pure layer of receptive_field_explorer)
    """
    r = explorer_readouts(_check_settings(s))
    dil = s.dilations if len(s.dilations) <= 16 else s.dilations[:8] + ["..."] + s.dilations[-4:]
    holes = ("no holes: every input in the field is seen" if r["holes"] == 0 else
             f"{r['holes']} holes: inputs inside the field that no path reaches (gridding)")
    side = ("causal: all of it in the past" if s.causal else
            f"non-causal: {r['past']} steps of past, {r['future']} of future")
    return (
        '<div class="tcn-readout-body" style="line-height:1.5">'
        f'<b>receptive field</b>: <span class="tcn-rf-steps">{r["receptive_field"]}</span> steps = '
        f'<span class="tcn-rf-seconds">{_fmt_seconds(r["seconds"])}</span> at {s.rate:g} Hz ({side})<br>'
        f'<b>formula</b>: <code class="tcn-arithmetic">{html.escape(str(r["arithmetic"]))}</code><br>'
        f'<b>stack</b>: {r["n_convs"]} convolutions, kernel {s.kernel_size}, dilations '
        f'<span class="tcn-dilations">{html.escape(str(dil))}</span><br>'
        f'<b>parameters</b> ({s.channels} channels in and out, with biases): '
        f'<span class="tcn-params">{r["parameters"]:,}</span> (dilation adds none)<br>'
        f'<b>coverage</b>: <span class="tcn-holes">{html.escape(holes)}</span>'
        '</div>'
    )


def message_html(s: ExplorerSettings) -> str:
    """The clamp explanations as an HTML list (empty string when there are none).

    Notebook: none (the pure layer of receptive_field_explorer)
    """
    if not _check_settings(s).messages:
        return ""
    items = "".join(f"<li>{html.escape(m)}</li>" for m in s.messages)
    return f'<div class="tcn-message-body" style="color:#8a4b00"><ul style="margin:0">{items}</ul></div>'


def render_stack_png(s: ExplorerSettings, dpi: int = 80, fig: Optional["Figure"] = None,
                     max_edges: int = 1500) -> bytes:
    """Draw the stack diagram of ``s`` and return it as PNG bytes (no pyplot: no figure piles up).

    Fast enough for a slider (<= 200 ms on a 2-core laptop CPU, even for the largest stack): the
    connections are one line built from a numpy array, a cone with more than ``max_edges``
    connections is aggregated (see :func:`tcnlib.plots.plot_dilated_stack`), and a figure
    passed back in keeps its axes: only the drawn artists are removed, so the tick objects,
    whose creation is a large part of a redraw, are reused.

    Args:
        s: the settings.
        dpi: resolution (80: 720 x 336 pixels, sharp at the widget's width).
        fig: a ``matplotlib.figure.Figure`` to reuse (``None``: a new one).
        max_edges: the most connections drawn.

    Notebook: none (the drawing of receptive_field_explorer)
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .plots import plot_dilated_stack

    _check_settings(s)
    if isinstance(dpi, bool) or not isinstance(dpi, numbers.Real) or not math.isfinite(dpi) or dpi <= 0:
        raise ValueError(f"dpi must be a positive number of dots per inch, got {dpi!r}")
    if fig is None:
        fig = Figure(figsize=(9, 4.2))
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)  # attach a canvas: Figure without pyplot
    ax = _emptied_axes(fig)
    plot_dilated_stack(s.kernel_size, s.dilations, s.convs_per_block, s.causal, max_inputs=DRAWN_INPUTS, ax=ax,
                       max_edges=max_edges)
    fig.subplots_adjust(left=0.2, right=0.98, top=0.91, bottom=0.12)  # fixed: tight_layout is slow
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})  # fast zlib level
    return buf.getvalue()


def _emptied_axes(fig):
    """The figure's single axes with everything drawn on it removed (a new one if it has not one)."""
    if len(fig.axes) != 1:
        fig.clear()
        return fig.add_subplot(1, 1, 1)
    ax = fig.axes[0]
    for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images]:
        artist.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    return ax


def receptive_field_explorer(kernel_size: int = 3, n_layers: int = 4, schedule: str = "exponential",
                             base: int = 2, custom: str = "1, 4, 16", n_stacks: int = 1, convs_per_block: int = 1,
                             rate: float = 100.0, channels: int = 32, causal: bool = True) -> "VBox":
    """An interactive receptive-field explorer (ipywidgets): controls, readouts and stack diagram.

    Controls: kernel size, layers, dilation schedule (none / exponential / custom), base, custom
    list, repeated stacks, convs per block, rate, channel width, causal. Every change recomputes
    the readouts (receptive field in steps and seconds, the formula, parameters, holes) and
    redraws the diagram in place. Settings out of range are clamped and explained in the
    message area. Shown in a notebook without a live front end (nbconvert, nbval, a static
    viewer) it still shows its default state: its display bundle carries a PNG of the
    diagram and a text summary next to the widget view. Starting values out of range (say
    ``kernel_size=100`` or ``causal="no"``) are clamped like the controls' values, and the
    message area explains each clamp until the first change.

    Returns:
        The explorer (an ``ipywidgets.VBox`` subclass); ``explorer.controls`` maps names to
        controls, ``explorer.readout`` / ``explorer.message`` / ``explorer.figure`` are the
        output widgets and ``explorer.settings`` the current :class:`ExplorerSettings`.

    Notebook: 03_dilated_convolutions.ipynb
    """
    import ipywidgets as W

    class ReceptiveFieldExplorer(W.VBox):
        """The explorer box; a short text repr and a PNG fallback for static notebooks."""

        def __init__(self) -> None:
            # the starting values, clamped and explained exactly as the pure layer does it
            initial = explorer_settings(kernel_size, n_layers, schedule, base, custom, n_stacks, convs_per_block,
                                        rate, channels, causal)
            self._initial_messages: Optional[List[str]] = list(initial.messages)
            rate_options = list(RATES)
            if all(abs(v - initial.rate) > 1e-9 for _, v in rate_options):
                rate_options.append((f"{initial.rate:g} Hz", initial.rate))
            lim = LIMITS
            slider = dict(continuous_update=False, style={"description_width": "90px"})
            c = {
                "kernel_size": W.IntSlider(value=_within(kernel_size, lim["kernel_size"]), min=lim["kernel_size"][0],
                                           max=lim["kernel_size"][1], description="kernel size", **slider),
                "n_layers": W.IntSlider(value=_within(n_layers, lim["n_layers"]), min=lim["n_layers"][0],
                                        max=lim["n_layers"][1], description="layers", **slider),
                "schedule": W.Dropdown(options=list(SCHEDULES), value=schedule if schedule in SCHEDULES
                                       else "exponential", description="dilations",
                                       style={"description_width": "90px"}),
                "base": W.IntSlider(value=_within(base, lim["base"]), min=lim["base"][0], max=lim["base"][1],
                                    description="base", **slider),
                "custom": W.Text(value=str(custom), description="custom", placeholder="e.g. 1, 2, 4, 8",
                                 continuous_update=False, style={"description_width": "90px"}),
                "n_stacks": W.IntSlider(value=_within(n_stacks, lim["n_stacks"]), min=lim["n_stacks"][0],
                                        max=lim["n_stacks"][1], description="stacks", **slider),
                "convs_per_block": W.IntSlider(value=_within(convs_per_block, lim["convs_per_block"]),
                                               min=lim["convs_per_block"][0], max=lim["convs_per_block"][1],
                                               description="convs/block", **slider),
                "rate": W.Dropdown(options=rate_options, value=initial.rate,
                                   description="rate", style={"description_width": "90px"}),
                "channels": W.BoundedIntText(value=_within(channels, lim["channels"]), min=lim["channels"][0],
                                             max=lim["channels"][1], description="channels",
                                             style={"description_width": "90px"}),
                "causal": W.Checkbox(value=initial.causal, description="causal", indent=False),
            }
            for name, ctl in c.items():
                ctl.add_class(f"tcn-ctl-{name.replace('_', '-')}")
            self.controls = c
            self.readout = W.HTML().add_class("tcn-readout")
            self.message = W.HTML().add_class("tcn-message")
            self.figure = W.Image(format="png", layout=W.Layout(width="100%", max_width="820px"))
            self.figure.add_class("tcn-figure")
            self.redraws = 0
            self.settings: Optional[ExplorerSettings] = None
            self._fig = None
            self._lock = threading.Lock()
            self._pngs: Dict[tuple, bytes] = {}
            left = W.VBox([c["kernel_size"], c["n_layers"], c["schedule"], c["base"], c["custom"]])
            right = W.VBox([c["n_stacks"], c["convs_per_block"], c["rate"], c["channels"], c["causal"]])
            super().__init__([W.HBox([left, right]), self.message, self.readout, self.figure])
            self.add_class("tcn-rf-explorer")
            for ctl in c.values():
                ctl.observe(self._on_change, names="value")
            self.update()

        def _on_change(self, change) -> None:
            # ipykernel 7 can run two widget callbacks at once in two threads (seen in the browser
            # tests: two controls changed in quick succession); one update at a time, each reading
            # the controls' latest values, so the figure never mixes two states.
            with self._lock:
                self._initial_messages = None  # the starting values' explanations are out of date now
                self.update()

        def current_settings(self) -> ExplorerSettings:
            """The clamped settings for the controls' current values."""
            v = {name: ctl.value for name, ctl in self.controls.items()}
            return explorer_settings(**v)

        def update(self, force: bool = False) -> bool:
            """Recompute readouts and messages; redraw the figure if the stack changed.

            Returns True when the figure was redrawn. Never raises: an unexpected error is
            shown in the message area instead.
            """
            try:
                s = self.current_settings()
                if self._initial_messages:
                    s.messages = self._initial_messages + [m for m in s.messages if m not in self._initial_messages]
                c = self.controls
                c["base"].disabled = c["schedule"].value != "exponential"
                c["custom"].disabled = c["schedule"].value != "custom"
                c["n_layers"].disabled = c["schedule"].value == "custom"
                self.message.value = message_html(s)
                changed = force or self.settings is None or s.figure_key() != self.settings.figure_key()
                self.readout.value = readout_html(s)
                self.settings = s
                if changed:
                    png = None if force else self._pngs.get(s.figure_key())
                    if png is None:
                        if self._fig is None:
                            from matplotlib.figure import Figure
                            self._fig = Figure(figsize=(9, 4.2))
                        png = render_stack_png(s, fig=self._fig)
                        self._pngs[s.figure_key()] = png
                        while len(self._pngs) > 64:  # a small LRU: moving a slider back is instant
                            self._pngs.pop(next(iter(self._pngs)))
                        self.redraws += 1
                    self.figure.value = png
                return changed
            except Exception as err:  # a widget callback must never end in a traceback
                self.message.value = (f'<div class="tcn-message-body" style="color:#b00">could not update: '
                                      f'{html.escape(type(err).__name__)}: {html.escape(str(err))}</div>')
                return False

        def summary(self) -> str:
            """One-line text of the current state (the text shown where widgets cannot be)."""
            s = self.settings
            r = explorer_readouts(s)
            return (f"Receptive-field explorer: kernel {s.kernel_size}, dilations {s.dilations}, "
                    f"{s.convs_per_block} conv(s) per block, {'causal' if s.causal else 'non-causal'}: "
                    f"receptive field {r['receptive_field']} steps = {r['seconds']:.4g} s at {s.rate:g} Hz, "
                    f"{r['parameters']} parameters at {s.channels} channels, {r['holes']} holes")

        def __repr__(self) -> str:
            return self.summary()

        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs) or {}
            bundle["text/plain"] = self.summary()
            if self.figure.value:
                import base64
                bundle["image/png"] = base64.b64encode(self.figure.value).decode("ascii")
            return bundle

    return ReceptiveFieldExplorer()


def _within(value, limits: Tuple[int, int]) -> int:
    """A control's starting value: clamped into ``limits``; not a whole number -> the minimum (as
    :func:`explorer_settings` does)."""
    try:
        v = int(value)
        if v != value:
            raise ValueError
        return min(limits[1], max(limits[0], v))
    except (TypeError, ValueError, OverflowError):
        return limits[0]

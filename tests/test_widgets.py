"""Tests for tcnlib.widgets (pure settings logic and the widget object) and the receptive-field figures."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcnlib.plots import plot_coverage, plot_dilated_stack, plot_receptive_field_vs_depth
from tcnlib.receptive import (coverage_holes, exponential_dilations, hole_count, receptive_field, repeat_stack,
                              stack_parameters)
from tcnlib.widgets import (DRAWN_INPUTS, LIMITS, MAX_CONVS, explorer_readouts, explorer_settings, message_html,
                            parse_dilations, readout_html, receptive_field_explorer, render_stack_png)


# --- pure settings logic ------------------------------------------------------------------------

def test_default_settings_and_readouts():
    s = explorer_settings()
    assert (s.kernel_size, s.dilations, s.convs_per_block, s.rate, s.causal) == (3, [1, 2, 4, 8], 1, 100.0, True)
    assert s.messages == []
    r = explorer_readouts(s)
    assert r["receptive_field"] == receptive_field(3, [1, 2, 4, 8]) == 31
    assert r["seconds"] == pytest.approx(0.31)
    assert r["parameters"] == stack_parameters(3, 4, 32)
    assert r["holes"] == 0 and r["past"] == 30 and r["future"] == 0
    assert r["arithmetic"] == "1 + 2*1 + 2*2 + 2*4 + 2*8 = 31"


def test_schedules():
    assert explorer_settings(schedule="none", n_layers=5).dilations == [1] * 5
    assert explorer_settings(schedule="exponential", n_layers=3, base=3).dilations == [1, 3, 9]
    assert explorer_settings(schedule="custom", custom="1 4 16").dilations == [1, 4, 16]
    assert explorer_settings(n_layers=3, n_stacks=2).dilations == repeat_stack([1, 2, 4], 2)
    s = explorer_settings(kernel_size=3, n_layers=11, rate=100)
    assert explorer_readouts(s)["receptive_field"] == 4095  # the lecture's 11 layers, exactly
    s = explorer_settings(schedule="none", n_layers=11)
    assert explorer_readouts(s)["receptive_field"] == 23


def test_parse_dilations_never_raises():
    assert parse_dilations("1, 2, 4, 8") == ([1, 2, 4, 8], [])
    assert parse_dilations("[1;3 9]")[0] == [1, 3, 9]
    d, msgs = parse_dilations("1, 2.5, abc, 0, 99999999999999999999")
    assert d == [1, 1, LIMITS["dilation"][1]]
    assert any("2.5" in m for m in msgs) and any("abc" in m for m in msgs)
    assert any("below 1" in m for m in msgs) and any("above" in m for m in msgs)
    d, msgs = parse_dilations("")
    assert d == [1] and "no dilation could be read" in msgs[0]
    d, msgs = parse_dilations(",".join(["2"] * 20))
    assert len(d) == LIMITS["n_layers"][1] and "keeps the first" in msgs[0]


@pytest.mark.parametrize("kwargs, words", [
    (dict(kernel_size=50), "kernel size 50 is outside 1..9; clamped to 9"),
    (dict(kernel_size=0), "kernel size 0 is outside 1..9; clamped to 1"),
    (dict(kernel_size="abc"), "kernel size must be a whole number"),
    (dict(n_layers=99), "layers 99 is outside 1..12"),
    (dict(base=8, n_layers=12), "dilations are capped at 4096"),
    (dict(base=1), "base 1 makes every dilation 1"),
    (dict(n_layers=12, n_stacks=4, convs_per_block=3), "using 1 stack"),
    (dict(rate=-5), "rate must be a positive number"),
    (dict(rate="fast"), "rate must be a positive number"),
    (dict(schedule="weird"), "schedule must be one of"),
    (dict(kernel_size=1), "Kernel size 1 sees only its own time step"),
    (dict(n_layers=1), "A single layer: receptive field = 1 + (k - 1) * d = 3"),
    (dict(n_layers=6), "wider than the 64 input steps drawn"),
    (dict(schedule="custom", custom="oops"), "No dilation could be read"),
])
def test_extreme_settings_are_clamped_and_explained(kwargs, words):
    s = explorer_settings(**kwargs)
    text = " ".join(s.messages)
    assert words in text
    assert words.split(";")[0] in message_html(s) or words.split(" ")[0] in message_html(s)
    readout_html(s)  # and the readouts still render
    assert len(s.dilations) * s.convs_per_block <= MAX_CONVS


@given(k=st.one_of(st.integers(-5, 20), st.text(max_size=3)), n=st.integers(-3, 30), base=st.integers(-2, 12),
       custom=st.text(max_size=30), stacks=st.integers(-1, 9), cpb=st.integers(-1, 6),
       schedule=st.sampled_from(["none", "exponential", "custom", "bad"]),
       rate=st.one_of(st.floats(allow_nan=True), st.integers(-10, 50000)), ch=st.integers(-5, 5000),
       causal=st.booleans())
@settings(max_examples=150, deadline=None)
def test_any_input_gives_a_valid_stack(k, n, base, custom, stacks, cpb, schedule, rate, ch, causal):
    s = explorer_settings(k, n, schedule, base, custom, stacks, cpb, rate, ch, causal)
    lo, hi = LIMITS["kernel_size"]
    assert lo <= s.kernel_size <= hi and s.rate > 0 and 1 <= s.channels <= LIMITS["channels"][1]
    assert all(1 <= d <= LIMITS["dilation"][1] for d in s.dilations)
    assert 1 <= len(s.dilations) * s.convs_per_block <= MAX_CONVS
    r = explorer_readouts(s)
    assert r["receptive_field"] == receptive_field(s.kernel_size, s.dilations, s.convs_per_block)
    assert r["receptive_field"] == r["past"] + r["future"] + 1
    assert 'class="tcn-rf-steps">{}<'.format(r["receptive_field"]) in readout_html(s)


def test_readout_html_has_the_numbers():
    s = explorer_settings(kernel_size=2, schedule="custom", custom="1, 4, 16", rate=16000, channels=8)
    h = readout_html(s)
    assert '<span class="tcn-rf-steps">22</span>' in h
    assert "0.001375 s (1.375 ms)" in h and "at 16000 Hz" in h
    assert f'<span class="tcn-params">{stack_parameters(2, 3, 8):,}</span>' in h
    assert f"{hole_count(2, [1, 4, 16])} holes" in h and hole_count(2, [1, 4, 16]) == len(coverage_holes(2, [1, 4, 16]))
    assert message_html(explorer_settings()) == ""


def test_render_png_reuses_one_figure():
    from matplotlib.figure import Figure
    fig = Figure()
    a = render_stack_png(explorer_settings(), fig=fig)
    b = render_stack_png(explorer_settings(kernel_size=2), fig=fig)
    assert a[:8] == b"\x89PNG\r\n\x1a\n" and a != b and len(fig.axes) == 1


def test_render_png_on_a_reused_figure_equals_a_fresh_one():
    # the reused axes keep their tick objects; nothing drawn before may show through
    from matplotlib.figure import Figure
    small = explorer_settings(kernel_size=2, schedule="custom", custom="1, 4, 16")  # holes: a legend
    big = explorer_settings(kernel_size=9, n_layers=12, n_stacks=4, convs_per_block=3)  # aggregated cone
    plain = explorer_settings(kernel_size=5, schedule="none", causal=False)
    fresh = [render_stack_png(x) for x in (small, big, plain)]
    fig = Figure(figsize=(9, 4.2))  # the size render_stack_png gives a new figure
    for i in (1, 0, 2, 1, 2, 0):
        assert render_stack_png((small, big, plain)[i], fig=fig) == fresh[i]
    assert len(fig.axes) == 1


# --- the widget object -------------------------------------------------------------------------

def test_widget_controls_update_readouts_in_place():
    n_figs = len(plt.get_fignums())
    w = receptive_field_explorer()
    assert "tcn-rf-explorer" in w._dom_classes
    assert "tcn-readout" in w.readout._dom_classes and "tcn-figure" in w.figure._dom_classes
    assert all(c.continuous_update is False for name, c in w.controls.items()
               if name in ("kernel_size", "n_layers", "base", "n_stacks", "convs_per_block", "custom"))
    assert '<span class="tcn-rf-steps">31</span>' in w.readout.value
    png0, redraws0 = w.figure.value, w.redraws
    w.controls["n_layers"].value = 11
    assert '<span class="tcn-rf-steps">4095</span>' in w.readout.value and "40.95 s" in w.readout.value
    assert w.figure.value != png0 and w.redraws == redraws0 + 1
    w.controls["schedule"].value = "none"
    assert '<span class="tcn-rf-steps">23</span>' in w.readout.value and "0.23 s" in w.readout.value
    assert w.controls["base"].disabled
    w.controls["rate"].value = 16000.0
    assert f"{23 / 16000:.4g} s ({23 / 16:.4g} ms)" in w.readout.value
    w.controls["convs_per_block"].value = 2
    assert '<span class="tcn-rf-steps">45</span>' in w.readout.value
    w.controls["channels"].value = 64
    assert f'{stack_parameters(3, 11, 64, convs_per_block=2):,}' in w.readout.value
    w.controls["schedule"].value = "custom"
    w.controls["custom"].value = "1, 4, 16"
    w.controls["kernel_size"].value = 2
    w.controls["convs_per_block"].value = 1
    assert '<span class="tcn-rf-steps">22</span>' in w.readout.value and "14 holes" in w.readout.value
    w.controls["causal"].value = False
    assert "non-causal: 11 steps of past, 10 of future" in w.readout.value
    assert len(plt.get_fignums()) == n_figs  # no pyplot figures pile up


def test_widget_edge_settings_show_messages_not_tracebacks():
    w = receptive_field_explorer(schedule="custom", custom="1, 2")
    w.controls["custom"].value = "1, 100000000, x"
    assert "above 4096" in w.message.value and "Ignored" in w.message.value
    assert "wider than the 64 input steps drawn" in w.message.value
    w.controls["kernel_size"].value = 1
    assert "Kernel size 1" in w.message.value and '<span class="tcn-rf-steps">1</span>' in w.readout.value
    w.controls["schedule"].value = "exponential"
    w.controls["n_layers"].value = 1
    assert "A single layer" in w.message.value


def test_widget_explains_clamped_starting_values_until_the_first_change():
    """The explorer's starting values are clamped and explained as the pure layer does it."""
    w = receptive_field_explorer(kernel_size=100, causal="no", rate="fast")
    assert w.settings.kernel_size == 9 and w.controls["kernel_size"].value == 9
    assert "kernel size 100 is outside 1..9; clamped to 9" in w.message.value
    assert "causal must be True or False; got &#x27;no&#x27;, using True" in w.message.value
    assert w.settings.rate == 100.0 and "rate must be a positive number" in w.message.value
    w.controls["kernel_size"].value = 3  # the first change: the starting values' notes are gone
    assert "kernel size 100" not in w.message.value
    assert explorer_settings(causal="no").causal is True


def test_widget_skips_redraw_when_the_stack_is_unchanged():
    w = receptive_field_explorer(schedule="none")
    n, png = w.redraws, w.figure.value
    w.controls["base"].value = 5  # the base does not matter without the exponential schedule
    w.controls["rate"].value = 16000.0  # the rate changes the readouts, not the diagram
    assert w.redraws == n and w.figure.value == png and "at 16000 Hz" in w.readout.value
    w.controls["kernel_size"].value = 5
    assert w.redraws == n + 1 and w.figure.value != png
    w.controls["kernel_size"].value = 3  # back: served from the cache, same picture
    assert w.redraws == n + 1 and w.figure.value == png


def test_widget_concurrent_updates_from_two_threads():
    # ipykernel 7 may run two widget callbacks at once in two threads: the updates must not raise
    # (the message area would say "could not update") nor leave readouts or figure of a stale state.
    import sys
    import threading
    from matplotlib.figure import Figure

    w = receptive_field_explorer()
    c = w.controls
    barrier = threading.Barrier(2)
    errors = []

    def move(name, values):
        try:
            barrier.wait(timeout=30)
            for v in values:
                c[name].value = v
        except Exception as err:  # pragma: no cover - reported by the assert below
            errors.append(err)

    threads = [threading.Thread(target=move, args=("kernel_size", [5, 2, 7, 4, 9, 6])),
               threading.Thread(target=move, args=("n_layers", [7, 3, 10, 2, 12, 8]))]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often: interleave the two updates as much as possible
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        sys.setswitchinterval(switch)
    assert errors == [] and not any(t.is_alive() for t in threads)
    assert "could not update" not in w.message.value
    final = explorer_settings(**{name: ctl.value for name, ctl in c.items()})
    assert (final.kernel_size, len(final.dilations)) == (6, 8)
    assert w.settings.key() == final.key()
    assert w.readout.value == readout_html(final) and w.message.value == message_html(final)
    assert f'<span class="tcn-rf-steps">{receptive_field(6, exponential_dilations(8))}</span>' in w.readout.value
    assert w.figure.value == render_stack_png(final, fig=Figure(figsize=(9, 4.2)))


def test_widget_static_fallback_and_repr():
    w = receptive_field_explorer(kernel_size=3, n_layers=4)
    bundle = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
    assert bundle["text/plain"] == repr(w)
    assert "receptive field 31 steps = 0.31 s at 100 Hz" in repr(w)
    w2 = receptive_field_explorer(rate=8000)  # a rate not in the list is added to it
    assert "at 8000 Hz" in w2.readout.value


# --- figures ----------------------------------------------------------------------------------

def test_plot_dilated_stack_cone_and_holes():
    ax, edges = plot_dilated_stack(2, [1, 4, 16])
    # every path is one chain of segments: 2 taps per cone node; cone sizes 1, 2, 4 above the input
    x, y = edges.get_xdata(), edges.get_ydata()
    assert len(x) == 3 * 2 * (1 + 2 + 4) and np.isnan(x[2::3]).all() and np.isfinite(x[0::3]).all()
    assert (y[0::3] - y[1::3] == 1).all()  # each segment joins a node to one of its inputs below
    assert ax.get_xlabel() == "time step (input samples or frames)"  # nothing aggregated
    assert "receptive field 22" in ax.get_title()
    assert "14" in ax.get_legend().get_texts()[1].get_text()
    plt.close(ax.figure)
    ax, _ = plot_dilated_stack(3, exponential_dilations(11))
    assert "64 of its inputs drawn" in ax.get_title()
    plt.close(ax.figure)
    ax, _ = plot_dilated_stack(3, [1, 2], convs_per_block=2, causal=False)
    assert ax.get_legend() is None or len(ax.get_legend().get_texts()) == 0
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="max_inputs must be an integer >= 2"):
        plot_dilated_stack(3, [1], max_inputs=1)
    with pytest.raises(ValueError, match="max_edges must be a positive integer, got 0"):
        plot_dilated_stack(3, [1], max_edges=0)
    with pytest.raises(ValueError, match="dilations must be positive integers"):
        plot_dilated_stack(3, [1, 0])


def test_plot_dilated_stack_aggregates_a_huge_cone():
    dil = exponential_dilations(12) * 4
    ax, edges = plot_dilated_stack(9, dil, convs_per_block=1, max_edges=10 ** 6)
    full = len(edges.get_xdata()) // 3
    plt.close(ax.figure)
    ax, edges = plot_dilated_stack(9, dil, convs_per_block=1, max_edges=full // 4)
    drawn = len(edges.get_xdata()) // 3
    assert 0 < drawn <= full // 4
    # drawn from the top: the output's row down to some conv, every connection of those rows
    assert edges.get_ydata()[0::3].max() == len(dil) and edges.get_ydata()[1::3].min() > 0
    assert f"{full:,} connections: {drawn:,} drawn" in ax.get_xlabel() and "shaded" in ax.get_xlabel()
    assert len(ax.patches) >= 2  # the cone band (and the receptive-field span)
    plt.close(ax.figure)
    ax, edges = plot_dilated_stack(9, dil, max_edges=1)  # not even the top row fits: none drawn
    assert len(edges.get_xdata()) == 0 and f"{full:,} connections: 0 drawn" in ax.get_xlabel()
    plt.close(ax.figure)


def test_plot_receptive_field_vs_depth_values():
    ax_n, ax_s = plot_receptive_field_vs_depth(kernel_size=3, max_layers=11, rates=(100, 16000))
    dil, plain = ax_n.get_lines()[:2]
    assert dil.get_ydata()[-1] == 4095 and plain.get_ydata()[-1] == 23 and dil.get_ydata()[3] == 31
    assert ax_s.get_lines()[0].get_ydata()[-1] == pytest.approx(40.95)
    assert ax_n.get_yscale() == "log" and ax_s.get_yscale() == "log"
    plt.close(ax_n.figure)
    with pytest.raises(ValueError, match="rates must be positive numbers"):
        plot_receptive_field_vs_depth(rates=(100, 0))
    with pytest.raises(ValueError, match="max_layers must be a positive integer"):
        plot_receptive_field_vs_depth(max_layers=0)


def test_plot_coverage_bars():
    ax, bars = plot_coverage(2, [1, 4, 16])
    heights = np.array([b.get_height() for b in bars])
    assert len(heights) == 22 and (heights == 0).sum() == 14 and heights.sum() == 8
    plt.close(ax.figure)

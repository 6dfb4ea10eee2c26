import matplotlib.pyplot as plt
import numpy as np
import pytest

import tcnlib.plots as P


def test_plot_waveform_returns_what_it_drew(tone):
    y, sr = tone
    ax, line = P.plot_waveform(y, sr, title="tone")
    assert line in ax.lines and ax.get_title() == "tone"
    assert len(line.get_xdata()) == len(y)
    plt.close(ax.figure)


def test_plot_waveform_zoom_on_given_axes(tone):
    y, sr = tone
    fig, axes = plt.subplots(1, 2)
    ax, line = P.plot_waveform(y, sr, ax=axes[1], start=0.5, end=0.501, samples=True)
    assert ax is axes[1]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(8000, 8016))
    plt.close(fig)


def test_plot_waveform_errors(tone):
    y, sr = tone
    with pytest.raises(ValueError, match=r"the window \[start, end\) = \[2.0, None\) s holds no samples"):
        P.plot_waveform(y, sr, start=2.0)


def test_plot_spectrogram_axes_in_seconds():
    S = np.random.default_rng(0).random((10, 100))
    ax, img = P.plot_spectrogram(S, sr=16000, fps=100, vlines=[0.2, 0.5], colorbar=True)
    left, right, _, _ = img.get_extent()
    assert abs(right - 0.995) < 1e-9 and ax.get_xlabel() == "time (s)"
    assert len(ax.lines) == 2
    plt.close(ax.figure)


def test_plot_spectrogram_frames_and_errors():
    ax, img = P.plot_spectrogram(np.ones((4, 5)))
    assert ax.get_xlabel() == "frame"
    plt.close(ax.figure)
    with pytest.raises(ValueError, match=r"S must be a 2-D spectrogram of shape \(F, T\), got shape \(5,\)"):
        P.plot_spectrogram(np.ones(5))


@pytest.mark.parametrize("call, match", [
    (lambda y, sr: P.plot_waveform(y, sr, samples="no"), r"samples must be True or False, got 'no'"),
    (lambda y, sr: P.plot_tcn_architecture("tcn"), r"model must be a tcnlib.TCN"),
    (lambda y, sr: P.plot_learning_curves(None), r"history must be a tcnlib.training.History or a dict of lists"),
    (lambda y, sr: P.plot_beats(np.zeros((4, 10)), 22050, 100, [np.nan]), r"beats must be finite times in seconds"),
    (lambda y, sr: P.plot_dilated_stack(3, [1, 2], max_edges=0), r"max_edges must be a positive integer, got 0"),
])
def test_bad_input_names_the_argument(tone, call, match):
    with pytest.raises(ValueError, match=match):
        call(*tone)
    plt.close("all")

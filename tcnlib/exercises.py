"""Exercise checkers for the notebooks: each prints a clear PASS or FAIL with a hint.

A checker never raises on a wrong answer (a student's cell should not end in a traceback);
it prints what was expected and returns True/False, so tests can call it too.

Notebook: the "Exercises" section at the end of every notebook
"""
from __future__ import annotations

from typing import Any


class CheckResult:
    """The outcome of a checker: truthy when it passed. Shows nothing in a notebook (the checker
    already printed PASS/FAIL), so a checker call can be the last line of a cell.

    Notebook: every notebook's exercises
    """

    def __init__(self, name: str, passed: bool) -> None:
        self.name = name
        self.passed = bool(passed)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, passed={self.passed})"

    def _ipython_display_(self) -> None:  # printed already; display nothing more
        pass


def report(name: str, passed: bool, hint: str = "", detail: str = "") -> CheckResult:
    """Print ``PASS name`` or ``FAIL name`` with a hint, and return a truthy/falsy result.

    Notebook: every notebook's exercises
    """
    if passed:
        print(f"PASS {name}" + (f": {detail}" if detail else ""))
    else:
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))
        if hint:
            print(f"  hint: {hint}")
    return CheckResult(name, passed)


def _close(a: Any, b: float, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    try:
        return abs(float(a) - float(b)) <= atol + rtol * abs(float(b))
    except (TypeError, ValueError):
        return False


# --- 01_audio_as_sequences -------------------------------------------------------------------


def check_n_samples(answer: Any, seconds: float, sr: int) -> CheckResult:
    """Exercise 01.1: how many samples does ``seconds`` of audio at ``sr`` Hz hold?

    Notebook: 01_audio_as_sequences.ipynb
    """
    expected = int(round(seconds * sr))
    return report("samples in a clip", _close(answer, expected, rtol=0, atol=0.5),
                  hint="samples = duration in seconds x sample rate in samples per second",
                  detail=f"{seconds} s at {sr} Hz = {expected:,} samples" if _close(answer, expected, 0, 0.5)
                  else f"got {answer!r}")


def check_n_frames(answer: Any, n_samples: int, sr: int, fps: float) -> CheckResult:
    """Exercise 01.2: how many spectrogram frames (centred STFT) does a signal of ``n_samples`` give?

    Notebook: 01_audio_as_sequences.ipynb
    """
    from .audio import hop_length

    hop = hop_length(sr, fps)
    expected = 1 + n_samples // hop
    ok = _close(answer, expected, rtol=0, atol=0.5)
    return report("frames in a spectrogram", ok,
                  hint=f"hop = round(sr / fps) = {hop} samples; a centred STFT has 1 + n_samples // hop frames",
                  detail=f"{expected:,} frames of {hop} samples" if ok else f"got {answer!r}")


def check_frame_of_time(answer: Any, seconds: float, sr: int, fps: float) -> CheckResult:
    """Exercise 01.3: which frame index is centred closest to time ``seconds``?

    Notebook: 01_audio_as_sequences.ipynb
    """
    from .audio import hop_length

    hop = hop_length(sr, fps)
    expected = int(round(seconds * sr / hop))
    ok = _close(answer, expected, rtol=0, atol=0.5)
    return report("frame index of a time", ok,
                  hint=f"frame t is centred on sample t * hop (hop = {hop}); divide the time in samples by the hop and round",
                  detail=f"t = {seconds} s -> frame {expected}" if ok else f"got {answer!r}")


# --- 08_wavenet --------------------------------------------------------------------------------


def check_mu_law_encoder(fn: Any, mu: int = 255) -> CheckResult:
    """Exercise 08.1: does ``fn(x: np.ndarray) -> classes`` match :func:`tcnlib.mu_law_encode`?

    Tried on 2001 amplitudes from -1 to 1 plus the edges -1, 0 and 1.

    Notebook: 08_wavenet.ipynb
    """
    import numpy as np

    from .wavenet import mu_law_encode

    x = np.concatenate([np.linspace(-1.0, 1.0, 2001), [-1.0, 0.0, 1.0, 1e-4, -1e-4]])
    expected = mu_law_encode(x, mu)
    try:
        got = np.asarray(fn(x))
    except Exception as err:  # a student's function may fail in any way: report, don't raise
        return report("mu-law encoder", False, hint="fn(x) should accept a NumPy array of amplitudes in [-1, 1]",
                      detail=f"fn(x) raised {type(err).__name__}: {err}")
    if got.shape != expected.shape:
        return report("mu-law encoder", False, hint="return one class per input sample",
                      detail=f"expected shape {expected.shape}, got {got.shape}")
    wrong = np.flatnonzero(got != expected)
    if len(wrong) == 0:
        return report("mu-law encoder", True, detail=f"all {len(x)} amplitudes give tcnlib's classes")
    i = int(wrong[0])
    return report("mu-law encoder", False,
                  hint=f"f = sign(x) ln(1 + {mu}|x|) / ln(1 + {mu}); class = floor((f + 1) / 2 * {mu} + 0.5), an integer",
                  detail=f"{len(wrong)} of {len(x)} differ, e.g. x = {x[i]:.4g}: expected {int(expected[i])}, got {got[i].item()!r}")


def check_wavenet_receptive_field(answer: Any, n_stacks: int, layers_per_stack: int = 10,
                                  kernel_size: int = 2, input_kernel_size: int = 2) -> CheckResult:
    """Exercise 08.2: the receptive field in samples of a WaveNet with ``n_stacks`` stacks.

    Notebook: 08_wavenet.ipynb
    """
    from .wavenet import WaveNet

    expected = WaveNet(n_classes=2, residual_channels=1, dilation_channels=1, skip_channels=1,
                       kernel_size=kernel_size, layers_per_stack=layers_per_stack, n_stacks=n_stacks,
                       input_kernel_size=input_kernel_size).receptive_field
    ok = _close(answer, expected, rtol=0, atol=0.5)
    return report("WaveNet receptive field", ok,
                  hint=(f"1 + (input kernel - 1) + n_stacks * sum((k - 1) * d) over d = 1, 2, ..., "
                        f"{2 ** (layers_per_stack - 1)}; don't forget the causal input convolution"),
                  detail=(f"{n_stacks} stack(s) of dilations 1..{2 ** (layers_per_stack - 1)}: {expected} samples"
                          if ok else f"got {answer!r}"))


def check_cache_columns(answer: Any, model: Any) -> CheckResult:
    """Exercise 08.3: how many past time steps do all queues of a :class:`WaveNetCache` hold together?

    Notebook: 08_wavenet.ipynb
    """
    from .wavenet import WaveNetCache

    cache = WaveNetCache(model, batch_size=1)
    expected = cache.input_queue.size + sum(q.size for q in cache.queues)
    ok = _close(answer, expected, rtol=0, atol=0.5)
    return report("cache size", ok,
                  hint="a layer with kernel k and dilation d must remember its last (k - 1) * d inputs; add them up "
                       "(input convolution included) and compare with the receptive field",
                  detail=(f"{expected} time steps = receptive field - 1 = {model.receptive_field} - 1"
                          if ok else f"got {answer!r}"))

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


# --- 02_receptive_field ----------------------------------------------------------------------


def check_layers_for_context(answer: Any, seconds: float, rate: float, kernel_size: int = 3) -> CheckResult:
    """Exercise 02.1: the fewest plain (undilated) layers of kernel ``kernel_size`` whose receptive
    field covers ``seconds`` at ``rate`` steps per second.

    Notebook: 02_receptive_field.ipynb
    """
    import math

    need = math.ceil(seconds * rate - 1e-9)
    expected = max(1, math.ceil((need - 1) / (kernel_size - 1)))
    ok = _close(answer, expected, rtol=0, atol=0.01)
    return report("layers for context", ok,
                  hint=(f"each plain layer adds k - 1 = {kernel_size - 1} steps: solve 1 + L * (k - 1) >= "
                        f"seconds * rate = {need} for the smallest whole L"),
                  detail=(f"{expected} layers (receptive field {1 + expected * (kernel_size - 1)} steps >= {need})"
                          if ok else f"got {answer!r}"))


def check_receptive_field_fn(fn: Any) -> CheckResult:
    """Exercise 02.2: ``fn(kernel_sizes, dilations)`` must return the exact receptive field of a
    stack with one kernel size and one dilation per layer.

    Notebook: 02_receptive_field.ipynb
    """
    from .receptive import receptive_field

    cases = [([3], [1]), ([1, 1], [4, 8]), ([2, 2, 2], [1, 2, 4]), ([5, 3, 3], [1, 1, 1]),
             ([3, 3, 3, 3], [1, 2, 4, 8]), ([7, 2, 4], [3, 5, 16])]
    for ks, ds in cases:
        want = receptive_field(ks, ds)
        try:
            got = fn(list(ks), list(ds))
        except Exception as err:  # the student's code may raise anything: report it, don't crash
            return report("receptive_field function", False, hint="fn(kernel_sizes, dilations) should return an int",
                          detail=f"fn({ks}, {ds}) raised {type(err).__name__}: {err}")
        if not _close(got, want, rtol=0, atol=0):
            return report("receptive_field function", False,
                          hint="each layer widens the field by (k - 1) * d; start from the output's own step, 1",
                          detail=f"fn({ks}, {ds}) returned {got!r}, expected {want}")
    return report("receptive_field function", True, detail=f"all {len(cases)} stacks right")


def check_measured_field(answer: Any, model: Any, in_channels: int) -> CheckResult:
    """Exercise 02.3: the receptive field of ``model`` (read it off the architecture, or measure it).

    Notebook: 02_receptive_field.ipynb
    """
    from .receptive import measure_receptive_field

    expected = measure_receptive_field(model, in_channels)
    ok = _close(answer, expected, rtol=0, atol=0)
    return report("receptive field of the model", ok,
                  hint="list every Conv1d's kernel_size and dilation, then 1 + sum((k - 1) * d)",
                  detail=f"{expected} steps" if ok else f"got {answer!r}")


# --- 03_dilated_convolutions -----------------------------------------------------------------


def check_dilated_layers_for_context(answer: Any, seconds: float, rate: float, kernel_size: int = 3,
                                     base: int = 2) -> CheckResult:
    """Exercise 03.1: the fewest layers with dilations ``1, base, base**2, ...`` whose receptive
    field covers ``seconds`` at ``rate`` steps per second.

    Notebook: 03_dilated_convolutions.ipynb
    """
    import math

    from .receptive import exponential_dilations, receptive_field

    need = math.ceil(seconds * rate - 1e-9)
    n = 1
    while receptive_field(kernel_size, exponential_dilations(n, base)) < need:
        n += 1
    ok = _close(answer, n, rtol=0, atol=0.01)
    rf = receptive_field(kernel_size, exponential_dilations(n, base))
    return report("dilated layers for context", ok,
                  hint=(f"with dilations 1, {base}, {base}**2, ... the field after L layers is "
                        f"1 + (k - 1) * (1 + {base} + ... + {base}**(L-1)); find the smallest L reaching {need}"),
                  detail=f"{n} layers (receptive field {rf} steps >= {need})" if ok else f"got {answer!r}")


def check_gap_free_schedule(dilations: Any, kernel_size: int = 2, min_field: int = 16,
                            max_layers: int = 4) -> CheckResult:
    """Exercise 03.2: a schedule of at most ``max_layers`` dilations for kernel ``kernel_size``
    with a receptive field of at least ``min_field`` and no holes.

    Notebook: 03_dilated_convolutions.ipynb
    """
    from .receptive import hole_count, receptive_field

    try:
        d = [int(v) for v in dilations]
        rf = receptive_field(kernel_size, d)
    except (TypeError, ValueError) as err:
        return report("gap-free schedule", False, hint="give a list of positive integers, e.g. [1, 2, 3, 4]",
                      detail=f"{dilations!r} is not a dilation list: {err}")
    holes = hole_count(kernel_size, d)
    problems = []
    if len(d) > max_layers:
        problems.append(f"{len(d)} layers > {max_layers}")
    if rf < min_field:
        problems.append(f"receptive field {rf} < {min_field}")
    if holes:
        problems.append(f"{holes} holes")
    return report("gap-free schedule", not problems,
                  hint=("sorted, each dilation may be at most the receptive field of the layers below it "
                        "(for kernel 2: at most their sum plus 1)"),
                  detail=(f"{d}: receptive field {rf}, no holes" if not problems else f"{d}: " + ", ".join(problems)))


# --- 05_tcn_vs_rnn ---------------------------------------------------------------------------

def check_block_parameters(fn) -> bool:
    """Exercise 05.1: ``fn(c_in, c_out, k)`` -> trainable parameters of ``TemporalBlock(c_in, c_out, k, d)``
    (two weight-normalised causal convolutions with biases, and a 1x1 skip convolution when
    ``c_in != c_out``).

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    from .models import TemporalBlock

    name = "05.1 parameters of a residual block"
    for c_in, c_out, k in [(1, 8, 3), (8, 8, 3), (24, 24, 8), (2, 24, 8), (16, 4, 5)]:
        truth = sum(p.numel() for p in TemporalBlock(c_in, c_out, k, 1).parameters())
        try:
            got = fn(c_in, c_out, k)
        except Exception as err:  # a student's bug should not end in a traceback
            return report(name, False, "fn(c_in, c_out, k) must return an integer",
                          f"fn({c_in}, {c_out}, {k}) raised {type(err).__name__}: {err}")
        if got != truth:
            return report(name, False,
                          "each conv has c_out*c_in*k weights and c_out biases; weight norm stores the "
                          "direction v (same shape as the weights) and one gain g per output channel; the "
                          "1x1 skip conv exists only when c_in != c_out",
                          f"fn({c_in}, {c_out}, {k}) = {got}, expected {truth}")
    return report(name, True, detail="matches sum(p.numel()) for 5 block shapes")


def check_gradient_horizon(fn) -> bool:
    """Exercise 05.2: ``fn(kernel_size, dilations)`` -> the largest distance ``T - t`` at which
    ``dy_T/dx_t`` can be non-zero in a causal ``TCN`` with two convolutions per block.

    Checked against the gradient measured with autograd.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    import torch

    from .models import TCN

    name = "05.2 gradient horizon of a TCN"
    for k, dils in [(3, [1, 2, 4]), (2, [1, 1, 1]), (5, [1, 3, 9]), (8, [1, 2, 4, 8])]:
        torch.manual_seed(0)
        # tanh, not ReLU: a ReLU that happens to be off can cut the last path and hide the horizon
        model = TCN(1, [8] * len(dils), kernel_size=k, dilations=dils, activation="tanh").double()
        T = model.receptive_field + 20
        x = torch.randn(1, 1, T, dtype=torch.float64, requires_grad=True)
        model(x)[0, :, -1].sum().backward()
        nonzero = torch.nonzero(x.grad[0, 0]).flatten()
        truth = int(T - 1 - nonzero.min())
        try:
            got = fn(k, dils)
        except Exception as err:
            return report(name, False, "fn(kernel_size, dilations) must return an integer",
                          f"fn({k}, {dils}) raised {type(err).__name__}: {err}")
        if got != truth:
            return report(name, False,
                          "each convolution reaches (k - 1) * d steps further back, and every block has two",
                          f"fn({k}, {dils}) = {got}, measured {truth}")
    return report(name, True, detail="matches the measured gradient for 4 TCNs")


def check_adding_constant_mse(fn) -> bool:
    """Exercise 05.3: ``fn(c)`` -> the expected MSE on the adding problem of always answering ``c``.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    name = "05.3 MSE of a constant answer on the adding problem"
    for c in [1.0, 0.0, 0.5, 1.3, 2.0]:
        truth = 1.0 / 6.0 + (1.0 - c) ** 2
        try:
            got = fn(c)
        except Exception as err:
            return report(name, False, "fn(c) must return a number", f"fn({c}) raised {type(err).__name__}: {err}")
        if not _close(got, truth, rtol=1e-6):
            return report(name, False,
                          "E[(S - c)^2] = Var(S) + (E[S] - c)^2, with S the sum of two independent U(0, 1)",
                          f"fn({c}) = {got}, expected {truth:.6f}")
    return report(name, True, detail="the best constant is c = 1, scoring Var(S) = 1/6")

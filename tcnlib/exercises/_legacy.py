"""The checkers written before the exercise registry (moved lesson by lesson into ``lessonNN``): each prints a clear PASS or FAIL with a hint.

A checker never raises on a wrong answer (a student's cell should not end in a traceback);
it prints what was expected and returns True/False, so tests can call it too.

Notebook: the "Exercises" section at the end of every notebook
"""
from __future__ import annotations

from typing import Any, Callable

from ._core import CheckResult, report  # noqa: F401  (the legacy checkers print through the core)


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
    from ..audio import hop_length

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
    from ..audio import hop_length

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

    from ..wavenet import mu_law_encode

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
    from ..wavenet import WaveNet

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
    from ..wavenet import WaveNetCache

    cache = WaveNetCache(model, batch_size=1)
    expected = cache.input_queue.size + sum(q.size for q in cache.queues)
    ok = _close(answer, expected, rtol=0, atol=0.5)
    return report("cache size", ok,
                  hint="a layer with kernel k and dilation d must remember its last (k - 1) * d inputs; add them up "
                       "(input convolution included) and compare with the receptive field",
                  detail=(f"{expected} time steps = receptive field - 1 = {model.receptive_field} - 1"
                          if ok else f"got {answer!r}"))


# --- 04_causality --------------------------------------------------------------------------------


def check_causal_pad(fn: Any) -> CheckResult:
    """Exercise 04.1: ``fn(x, kernel_size, dilation)`` pads ``x: (B, C, T)`` so that a plain
    (unpadded) ``conv1d`` with that kernel and dilation is causal and keeps the length ``T``.

    Notebook: 04_causality.ipynb
    """
    import torch
    from torch.nn import functional as F

    from ..models import DilatedConv1d

    for k, d, T in [(3, 1, 7), (2, 4, 9), (5, 3, 4), (1, 2, 5)]:
        torch.manual_seed(k * 10 + d)
        conv = DilatedConv1d(2, 3, k, d, causal=True)
        x = torch.randn(1, 2, T)
        try:
            padded = fn(x, k, d)
            got = F.conv1d(padded, conv.conv.weight, conv.conv.bias, dilation=d)
        except Exception as err:  # a student's function may fail in any way: report, don't raise
            return report("causal padding", False, hint="return F.pad(x, (left, right)) with the right amounts",
                          detail=f"kernel {k}, dilation {d}: {type(err).__name__}: {err}")
        with torch.no_grad():
            expected = conv(x)
        if got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-6):
            return report("causal padding", False,
                          hint="a causal conv pads (kernel_size - 1) * dilation zeros on the LEFT only",
                          detail=f"kernel {k}, dilation {d}: output shape {tuple(got.shape)} or values differ "
                                 f"from DilatedConv1d(causal=True)")
    return report("causal padding", True, detail="matches DilatedConv1d(causal=True) for 4 kernel/dilation pairs")


def check_lookahead(frames: Any, ms: Any, kernel_size: int, dilations: Any, convs_per_block: int = 2,
                    fps: float = 100.0) -> CheckResult:
    """Exercise 04.2: how many future frames a non-causal ("same") TCN looks ahead, and the
    latency in milliseconds that this lookahead costs a real-time system at ``fps``.

    Notebook: 04_causality.ipynb
    """
    expected = sum(((kernel_size - 1) * d) // 2 for d in dilations) * convs_per_block
    ok_frames = _close(frames, expected, rtol=0, atol=0.5)
    ok_ms = _close(ms, expected * 1000.0 / fps, rtol=1e-3, atol=1e-6)
    return report("lookahead", ok_frames and ok_ms,
                  hint=("each 'same' convolution sees (k - 1) * d // 2 frames ahead; they add up over every "
                        "convolution; a frame lasts 1000 / fps ms, and the output can only be computed once "
                        "the last future frame has arrived"),
                  detail=(f"{expected} frames = {expected * 1000.0 / fps:g} ms at {fps:g} fps" if ok_frames and ok_ms
                          else f"got frames={frames!r}, ms={ms!r}"))


def check_ring_buffer_size(answer: Any, model: Any, batch_size: int = 1) -> CheckResult:
    """Exercise 04.3: how many past input frames the stream of ``model`` must remember in all
    (one history of ``(k - 1) * d`` frames per convolution, summed over convolutions).

    Notebook: 04_causality.ipynb
    """
    expected = sum((model.kernel_size - 1) * d for d in model.dilations) * model.convs_per_block
    ok = _close(answer, expected, rtol=0, atol=0.5)
    return report("stream memory", ok,
                  hint="every convolution needs its last (k - 1) * d inputs; there are convs_per_block per block",
                  detail=(f"{expected} frames (= receptive field - 1 = {model.receptive_field} - 1), independent of "
                          f"how long the stream runs" if ok else f"got {answer!r}"))


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
    from ..receptive import receptive_field

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
    from ..receptive import measure_receptive_field

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

    from ..receptive import exponential_dilations, receptive_field

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
    from ..receptive import hole_count, receptive_field

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

def check_block_parameters(fn: Callable[[int, int, int], int]) -> bool:
    """Exercise 05.1: ``fn(c_in, c_out, k)`` -> trainable parameters of ``TemporalBlock(c_in, c_out, k, d)``
    (two weight-normalised causal convolutions with biases, and a 1x1 skip convolution when
    ``c_in != c_out``).

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    from ..models import TemporalBlock

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


def check_gradient_horizon(fn: Callable[[int, list], int]) -> bool:
    """Exercise 05.2: ``fn(kernel_size, dilations)`` -> the largest distance ``T - t`` at which
    ``dy_T/dx_t`` can be non-zero in a causal ``TCN`` with two convolutions per block.

    Checked against the gradient measured with autograd.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    import torch

    from ..models import TCN

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


def check_adding_constant_mse(fn: Callable[[float], float]) -> bool:
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


# --- 06_cnn2d_clip_classification ------------------------------------------------------------


def check_n_patches(answer: Any, n_frames: int, frames: int, hop: int) -> CheckResult:
    """Exercise 06.1: how many patches of ``frames`` frames, ``hop`` apart, fit in ``n_frames``?

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    name = "06.1 number of patches per clip"
    truth = 1 + (n_frames - frames) // hop
    if isinstance(answer, bool) or not isinstance(answer, (int,)) and not hasattr(answer, "__index__"):
        return report(name, False, "answer with an integer", f"got {answer!r}")
    if int(answer) != truth:
        return report(name, False, "the last patch must end inside the clip: starts are 0, hop, 2*hop, ... "
                      "up to n_frames - frames", f"got {answer}, expected {truth}")
    return report(name, True, detail=f"{truth} patches of {frames} frames from {n_frames} frames")


def check_clip_vote(fn: Any) -> CheckResult:
    """Exercise 06.2: ``fn(logits (n, C)) -> class``: the clip's class from its patches' logits,
    by the mean log-probability (the rule of :func:`tcnlib.cnn2d.predict_clip`).

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    import numpy as np
    import torch

    name = "06.2 clip decision from patch logits"
    rng = np.random.default_rng(6)
    for trial in range(20):
        logits = torch.from_numpy(rng.normal(0, 3, size=(int(rng.integers(1, 9)), 8)).astype(np.float32))
        truth = int(torch.log_softmax(logits, dim=1).mean(0).argmax())
        try:
            got = fn(logits)
        except Exception as err:
            return report(name, False, "fn(logits) must accept a (n, C) tensor and return an integer",
                          f"raised {type(err).__name__}: {err}")
        try:
            ok = int(got) == truth
        except (TypeError, ValueError):
            ok = False
        if not ok:
            return report(name, False, "take log_softmax over the classes (dim=1), average over the patches "
                          "(dim=0), then argmax; averaging raw logits or voting can differ",
                          f"for logits of shape {tuple(logits.shape)}: got {got!r}, expected {truth}")
    return report(name, True, detail="agrees with the mean log-probability rule on 20 random clips")


def check_accuracy_from_confusion(answer: Any, C: Any) -> CheckResult:
    """Exercise 06.3: the accuracy read from a confusion matrix ``C`` (rows: true, columns: predicted).

    Notebook: 06_cnn2d_clip_classification.ipynb
    """
    import numpy as np

    name = "06.3 accuracy from a confusion matrix"
    C = np.asarray(C)
    truth = float(np.trace(C) / C.sum())
    if not _close(answer, truth, rtol=1e-9, atol=1e-9):
        return report(name, False, "correct clips lie on the diagonal: trace(C) / sum(C)",
                      f"got {answer!r}, expected {truth:.4f}")
    return report(name, True, detail=f"{int(np.trace(C))} of {int(C.sum())} clips = {truth:.4f}")


# --- 07_tcn_beat_tracking ----------------------------------------------------------------------


def check_beat_frame(answer: Any, seconds: float, sr: int = 22050, fps: float = 100.0) -> CheckResult:
    """Exercise 07.1: the frame index a beat at ``seconds`` lands on (hop ``round(sr / fps)``).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    name = "07.1 frame of a beat"
    hop = max(1, int(round(sr / fps)))
    truth = int(round(seconds * sr / hop))
    try:
        ok = int(answer) == truth and float(answer) == truth
    except (TypeError, ValueError):
        ok = False
    if not ok:
        return report(name, False, f"the hop is round(sr / fps) = {hop} samples, so the true rate is "
                      f"{sr / hop:.3f} frames/s, not {fps:g}", f"got {answer!r}, expected {truth}")
    return report(name, True, detail=f"frame {truth}")


def check_tcn_context(answer: Any, kernel_size: int, n_blocks: int, convs_per_block: int = 2,
                      rate: float = 22050 / 220) -> CheckResult:
    """Exercise 07.2: the receptive field in seconds of a TCN with dilations 1, 2, ..., 2**(n_blocks-1).

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    name = "07.2 receptive field of the beat TCN in seconds"
    frames = 1 + convs_per_block * (kernel_size - 1) * (2 ** n_blocks - 1)
    truth = frames / rate
    if not _close(answer, truth, rtol=1e-3):
        return report(name, False, "1 + convs_per_block * (k - 1) * sum(dilations) frames, divided by the "
                      "frame rate", f"got {answer!r}, expected {truth:.4f} s ({frames} frames)")
    return report(name, True, detail=f"{frames} frames = {truth:.1f} s")


def check_f_measure(fn: Any) -> CheckResult:
    """Exercise 07.3: ``fn(reference, estimate) -> F-measure`` with a +-70 ms window, as mir_eval.

    Notebook: 07_tcn_beat_tracking.ipynb
    """
    import numpy as np
    import mir_eval

    name = "07.3 beat F-measure"
    rng = np.random.default_rng(7)
    for trial in range(25):
        ref = np.cumsum(rng.uniform(0.3, 0.8, size=int(rng.integers(2, 30))))
        keep = rng.uniform(size=len(ref)) < 0.8
        est = np.sort(ref[keep] + rng.normal(0, 0.05, size=int(keep.sum())))
        extra = np.sort(rng.uniform(0, ref[-1], size=int(rng.integers(0, 4))))
        est = np.unique(np.round(np.concatenate([est, extra]), 4))
        est = est[est >= 0]
        truth = mir_eval.beat.f_measure(ref, est, 0.07) if len(est) else 0.0
        try:
            got = fn(ref, est)
        except Exception as err:
            return report(name, False, "fn(reference, estimate) must return a number",
                          f"raised {type(err).__name__}: {err}")
        if not _close(got, truth, rtol=1e-6, atol=1e-9):
            return report(name, False, "match each estimate to at most one reference within 70 ms; "
                          "F = 2 * matches / (n_reference + n_estimate)",
                          f"got {got!r}, expected {truth:.4f} on trial {trial}")
    return report(name, True, detail="agrees with mir_eval.beat.f_measure on 25 random cases")

"""Exercises of lesson 09, the capstone: build a causal dilated TCN from ``torch.nn.Conv1d``, check it
with tcnlib's instruments, stream it, and train it to track beats.

The stages build on each other; each reference solution uses the previous stage's reference
(``solution("09.1")`` ...), so ``show_solution`` reveals one stage at a time.

Notebook: 09_build_your_own_tcn.ipynb
"""
from __future__ import annotations

import copy
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ._core import Exercise, NotYet, Verdict, Wrong, call, is_placeholder, register

F_TARGET = 0.9
"""Held-out beat F-measure the trained model of 09.5 must reach."""


# --- shared helpers ---------------------------------------------------------------------------


def _build(cls: Any, *args: Any, name: str) -> nn.Module:
    """Instantiate a student's class; NotYet for a placeholder, Wrong if it is not a module."""
    module = call(cls, *args, name=name)
    if not isinstance(module, nn.Module):
        raise Wrong(f"{name}{args} made a {type(module).__name__}, not a torch.nn.Module",
                    "write `class ...(nn.Module):` and call super().__init__() first")
    return module


def _forward(module: nn.Module, x: torch.Tensor, name: str) -> torch.Tensor:
    """Run a student's module: NotYet while forward raises NotImplementedError, Wrong if it crashes."""
    try:
        y = module(x)
    except NotImplementedError:
        raise NotYet() from None
    except Exception as err:  # a student's bug becomes a FAIL with the error
        raise Wrong(f"{name} on an input of shape {tuple(x.shape)} raised {type(err).__name__}: {err}",
                    "run it on torch.randn(1, C, 20) in a cell of its own and read the error") from None
    if not isinstance(y, torch.Tensor):
        raise Wrong(f"{name}.forward returned {type(y).__name__}, not a tensor", "return the output tensor")
    return y


def _no_tcnlib_layers(module: nn.Module, name: str) -> None:
    from ..models import TCN, DilatedConv1d, TemporalBlock

    for m in module.modules():
        if isinstance(m, (TCN, DilatedConv1d, TemporalBlock)) or type(m).__module__.startswith("tcnlib.beats"):
            raise Wrong(f"{name} contains tcnlib's {type(m).__name__}",
                        "build it from torch.nn.Conv1d and your own classes: that is the point of the capstone")


def _convs(module: nn.Module) -> List[nn.Conv1d]:
    return [m for m in module.modules() if isinstance(m, nn.Conv1d)]


def _lookback_and_leak(module: nn.Module, in_channels: int, length: int) -> Tuple[int, int]:
    """Frames the most far-sighted output looks back and ahead, from the measured dependency mask."""
    from ..causality import dependency_mask, future_leak

    mask = dependency_mask(module, in_channels, length, trials=2)
    t, s = torch.nonzero(mask, as_tuple=True)
    back = int((t - s).max()) if t.numel() else 0
    return back, future_leak(mask)


# --- 09.1 a causal convolution layer -----------------------------------------------------------


def _check_causal_conv(cls: Any) -> Verdict:
    for c_in, c_out, k, d in [(2, 3, 3, 2), (1, 4, 2, 5), (3, 2, 5, 1)]:
        torch.manual_seed(k + d)
        layer = _build(cls, c_in, c_out, k, d, name="CausalConv1d")
        x = torch.randn(2, c_in, 24)
        with torch.no_grad():
            y = _forward(layer.eval(), x, "CausalConv1d")
        _no_tcnlib_layers(layer, "CausalConv1d")
        convs = _convs(layer)
        if len(convs) != 1:
            raise Wrong(f"CausalConv1d({c_in}, {c_out}, {k}, {d}) holds {len(convs)} nn.Conv1d layers",
                        "exactly one nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation)")
        conv = convs[0]
        if tuple(y.shape) != (2, c_out, 24):
            return Verdict(False, f"kernel {k}, dilation {d}: input (2, {c_in}, 24) gave {tuple(y.shape)}, "
                                  f"expected (2, {c_out}, 24)",
                           "pad (kernel_size - 1) * dilation zeros in time so that the output keeps the input's length")
        back, leak = _lookback_and_leak(layer, c_in, 24)
        if leak > 0:
            return Verdict(False, f"kernel {k}, dilation {d}: outputs see {leak} frames into the future",
                           "a causal layer pads all (kernel_size - 1) * dilation zeros on the LEFT, none on the right")
        if back != (k - 1) * d:
            return Verdict(False, f"kernel {k}, dilation {d}: an output sees {back} frames back, expected "
                                  f"(k - 1) * d = {(k - 1) * d}",
                           "pass dilation=dilation to nn.Conv1d and pad (kernel_size - 1) * dilation frames")
        with torch.no_grad():
            expected = F.conv1d(F.pad(x, ((k - 1) * d, 0)), conv.weight, conv.bias, dilation=conv.dilation)
        if not torch.allclose(y, expected, atol=1e-5):
            return Verdict(False, f"kernel {k}, dilation {d}: the output is not the causal convolution of the input",
                           "forward should only pad and convolve: no activation, no extra scaling")
    return Verdict(True, "causal, length-preserving, looks back exactly (k - 1) * d frames (3 kernel/dilation pairs)")


register(Exercise(
    "09.1", "a causal convolution layer", _check_causal_conv,
    start="give CausalConv1d an nn.Conv1d and the left padding in __init__, and write forward",
    solution="""\
        import torch
        from torch import nn
        from torch.nn import functional as F

        class CausalConv1d(nn.Module):
            \"\"\"(B, C_in, T) -> (B, C_out, T); output t sees inputs t - (k-1)*d ... t.\"\"\"

            def __init__(self, in_channels, out_channels, kernel_size, dilation=1):
                super().__init__()
                self.left = (kernel_size - 1) * dilation          # all the padding goes to the past
                self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation)

            def forward(self, x):
                return self.conv(F.pad(x, (self.left, 0)))

        answer = CausalConv1d
        """,
    mistake="""\
        import torch
        from torch import nn

        class CausalConv1d(nn.Module):
            def __init__(self, in_channels, out_channels, kernel_size, dilation=1):
                super().__init__()
                total = (kernel_size - 1) * dilation               # "same" padding: half on each side
                self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation,
                                      padding=total // 2)
                self.extra = total % 2

            def forward(self, x):
                y = self.conv(x)
                return nn.functional.pad(y, (self.extra, 0))

        answer = CausalConv1d
        """,
    placeholder="""\
        import torch
        from torch import nn

        class CausalConv1d(nn.Module):
            def __init__(self, in_channels, out_channels, kernel_size, dilation=1):
                super().__init__()
                ...

            def forward(self, x):
                raise NotImplementedError

        answer = CausalConv1d
        """,
    kind="code",
))


# --- 09.2 a residual block ---------------------------------------------------------------------


def _check_block(cls: Any) -> Verdict:
    for c, k, d in [(4, 3, 2), (3, 2, 4)]:
        torch.manual_seed(c + k + d)
        block = _build(cls, c, k, d, name="ResidualBlock")
        x = torch.randn(2, c, 40)
        with torch.no_grad():
            y = _forward(block.eval(), x, "ResidualBlock")
        _no_tcnlib_layers(block, "ResidualBlock")
        convs = [m for m in _convs(block) if m.kernel_size[0] > 1]
        if len(convs) != 2 or any(m.dilation[0] != d for m in convs):
            raise Wrong(f"ResidualBlock({c}, {k}, {d}) holds {len(convs)} convolutions wider than 1 with dilations "
                        f"{[m.dilation[0] for m in convs]}",
                        "two CausalConv1d(channels, channels, kernel_size, dilation) layers")
        if tuple(y.shape) != (2, c, 40):
            return Verdict(False, f"input (2, {c}, 40) gave {tuple(y.shape)}", "a block keeps channels and length")
        back, leak = _lookback_and_leak(block, c, 40)
        if leak > 0:
            return Verdict(False, f"outputs see {leak} frames into the future",
                           "use your causal layer from 09.1 for both convolutions")
        if back != 2 * (k - 1) * d:
            return Verdict(False, f"kernel {k}, dilation {d}: an output sees {back} frames back, expected "
                                  f"2 * (k - 1) * d = {2 * (k - 1) * d}",
                           "the second convolution takes the first one's output (one after the other)")
        skip = copy.deepcopy(block).eval()
        with torch.no_grad():
            for m in _convs(skip):
                if m.kernel_size[0] > 1:
                    m.weight.zero_()
                    if m.bias is not None:
                        m.bias.zero_()
        xs = torch.randn(1, c, 20, requires_grad=True)
        out = _forward(skip, xs, "ResidualBlock")
        (g,) = torch.autograd.grad(out[0, :, 10].sum(), xs, allow_unused=True)
        if g is None or float(g[0, :, 10].abs().sum()) == 0.0:
            return Verdict(False, "with its convolutions switched off (weights 0) the block's output no longer "
                                  "depends on its input: there is no skip path",
                           "return act(x + h): add the block's input to the second convolution's output")
    return Verdict(True, "two causal dilated convolutions, field 1 + 2 (k - 1) d, and a skip path (2 settings)")


register(Exercise(
    "09.2", "a residual block of two causal convolutions", _check_block,
    start="write ResidualBlock(channels, kernel_size, dilation): two CausalConv1d layers and a skip path",
    solution="""\
        import torch
        from torch import nn
        from tcnlib.exercises import solution

        CausalConv1d = solution("09.1")   # in the notebook: your class from 09.1

        class ResidualBlock(nn.Module):
            \"\"\"y = relu(x + conv2(relu(conv1(x)))): (B, C, T) -> (B, C, T).\"\"\"

            def __init__(self, channels, kernel_size, dilation):
                super().__init__()
                self.conv1 = CausalConv1d(channels, channels, kernel_size, dilation)
                self.conv2 = CausalConv1d(channels, channels, kernel_size, dilation)

            def forward(self, x):
                h = torch.relu(self.conv1(x))
                h = self.conv2(h)
                return torch.relu(x + h)                         # the skip path

        answer = ResidualBlock
        """,
    mistake="""\
        import torch
        from torch import nn
        from tcnlib.exercises import solution

        CausalConv1d = solution("09.1")

        class ResidualBlock(nn.Module):
            def __init__(self, channels, kernel_size, dilation):
                super().__init__()
                self.conv1 = CausalConv1d(channels, channels, kernel_size, dilation)
                self.conv2 = CausalConv1d(channels, channels, kernel_size, dilation)

            def forward(self, x):
                return torch.relu(self.conv2(torch.relu(self.conv1(x))))   # no skip path

        answer = ResidualBlock
        """,
    placeholder="""\
        import torch
        from torch import nn

        class ResidualBlock(nn.Module):
            def __init__(self, channels, kernel_size, dilation):
                super().__init__()
                ...

            def forward(self, x):
                raise NotImplementedError

        answer = ResidualBlock
        """,
    kind="code",
))


# --- 09.3 the TCN: formula = measurement, causal ------------------------------------------------


def _check_tcn(cls: Any) -> Verdict:
    from ..receptive import measure_receptive_field, receptive_field

    settings = [(3, 2, 8, 3, [1, 2, 4]), (5, 1, 6, 2, [1, 2, 4, 8, 16])]
    shown = []
    for c_in, c_out, ch, k, dil in settings:
        torch.manual_seed(len(dil))
        model = _build(cls, c_in, c_out, ch, k, list(dil), name="MyTCN")
        x = torch.randn(2, c_in, 50)
        with torch.no_grad():
            y = _forward(model.eval(), x, "MyTCN")
        _no_tcnlib_layers(model, "MyTCN")
        if tuple(y.shape) != (2, c_out, 50):
            return Verdict(False, f"MyTCN({c_in}, {c_out}, {ch}, {k}, {dil}): input (2, {c_in}, 50) gave "
                                  f"{tuple(y.shape)}, expected (2, {c_out}, 50)",
                           "a 1x1 nn.Conv1d from in_channels to channels first, one from channels to out_channels last")
        formula = receptive_field(k, dil, convs_per_block=2)
        try:
            measured = measure_receptive_field(model, c_in)
        except ValueError as err:
            return Verdict(False, f"the receptive field could not be measured: {err}",
                           "every output must depend on a finite window of inputs")
        if measured != formula:
            return Verdict(False, f"MyTCN(..., kernel_size={k}, dilations={dil}): measured receptive field {measured}, "
                                  f"formula 1 + 2 * sum((k - 1) * d) = {formula}",
                           "one ResidualBlock per entry of dilations, each with its own dilation")
        _, leak = _lookback_and_leak(model, c_in, 2 * formula)
        if leak > 0:
            return Verdict(False, f"outputs see {leak} frames into the future", "build every block from causal layers")
        shown.append(f"{formula} ({dil})")
    return Verdict(True, "measured receptive field = formula: " + ", ".join(shown) + "; causal")


register(Exercise(
    "09.3", "your TCN: formula, measurement, causality", _check_tcn,
    start="write MyTCN(in_channels, out_channels, channels, kernel_size, dilations) from your ResidualBlock",
    solution="""\
        from torch import nn
        from tcnlib.exercises import solution

        ResidualBlock = solution("09.2")  # in the notebook: your class from 09.2

        class MyTCN(nn.Module):
            \"\"\"1x1 conv in -> one ResidualBlock per dilation -> 1x1 conv out: (B, C_in, T) -> (B, C_out, T).\"\"\"

            def __init__(self, in_channels, out_channels, channels, kernel_size, dilations):
                super().__init__()
                self.inp = nn.Conv1d(in_channels, channels, 1)
                self.blocks = nn.Sequential(*[ResidualBlock(channels, kernel_size, d) for d in dilations])
                self.out = nn.Conv1d(channels, out_channels, 1)

            def forward(self, x):
                return self.out(self.blocks(self.inp(x)))

        answer = MyTCN
        """,
    mistake="""\
        from torch import nn
        from tcnlib.exercises import solution

        ResidualBlock = solution("09.2")

        class MyTCN(nn.Module):
            def __init__(self, in_channels, out_channels, channels, kernel_size, dilations):
                super().__init__()
                self.inp = nn.Conv1d(in_channels, channels, 1)
                self.blocks = nn.Sequential(*[ResidualBlock(channels, kernel_size, 1) for d in dilations])
                self.out = nn.Conv1d(channels, out_channels, 1)

            def forward(self, x):
                return self.out(self.blocks(self.inp(x)))

        answer = MyTCN
        """,
    placeholder="""\
        from torch import nn

        class MyTCN(nn.Module):
            def __init__(self, in_channels, out_channels, channels, kernel_size, dilations):
                super().__init__()
                ...

            def forward(self, x):
                raise NotImplementedError

        answer = MyTCN
        """,
    kind="code",
))


# --- 09.4 streaming = offline -------------------------------------------------------------------


class _Recorder(nn.Module):
    """Wraps a model and records the length of every input it is run on."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.lengths: List[int] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.lengths.append(int(x.shape[-1]))
        return self.model(x)


def _check_stream(fn: Any) -> Verdict:
    from ..models import TCN

    torch.manual_seed(0)
    model = TCN(3, [6, 6, 6], kernel_size=3, causal=True).eval()   # any causal model will do
    R = model.receptive_field                                       # 29
    x = torch.randn(2, 3, 100)
    with torch.no_grad():
        offline = model(x)
    for chunk in (1, 7, 40):
        rec = _Recorder(model)
        got = call(fn, rec, x, chunk, R, name="stream_in_chunks")
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(offline.shape):
            return Verdict(False, f"chunk {chunk}: got {getattr(got, 'shape', type(got).__name__)}, expected a tensor "
                                  f"of shape {tuple(offline.shape)}",
                           "concatenate the outputs of all chunks along time: torch.cat(outputs, dim=-1)")
        if not rec.lengths:
            return Verdict(False, "the model was never called", "run model on buffer + chunk for every chunk")
        if max(rec.lengths) > R - 1 + chunk or len(rec.lengths) < -(-100 // chunk):
            return Verdict(False, f"chunk {chunk}: the model ran {len(rec.lengths)} times on up to {max(rec.lengths)} "
                                  f"frames; a stream may hold only the last R - 1 = {R - 1} frames plus the new chunk",
                           "keep a buffer of the last receptive_field - 1 input frames, not the whole past")
        diff = float((got.detach() - offline).abs().max())
        if diff > 1e-5:
            return Verdict(False, f"chunk {chunk}: outputs differ from offline by up to {diff:.3g}",
                           "put the last receptive_field - 1 input frames before each new chunk, run the model, "
                           "and keep only the outputs of the new frames")
    return Verdict(True, f"equal to offline (<= 1e-5) for chunks of 1, 7 and 40 frames, holding at most "
                         f"R - 1 = {R - 1} past frames")


register(Exercise(
    "09.4", "streaming equals offline", _check_stream,
    start="write stream_in_chunks(model, x, chunk, receptive_field): run model chunk by chunk with a buffer",
    solution="""\
        import torch

        def stream_in_chunks(model, x, chunk, receptive_field):
            \"\"\"model's output on x (B, C, T), computed chunk by chunk; the buffer holds R - 1 frames.\"\"\"
            buffer = x[:, :, :0]                                    # nothing seen yet
            outputs = []
            with torch.no_grad():
                for start in range(0, x.shape[-1], chunk):
                    new = x[:, :, start:start + chunk]
                    y = model(torch.cat([buffer, new], dim=-1))
                    outputs.append(y[:, :, -new.shape[-1]:])        # the outputs of the new frames
                    buffer = torch.cat([buffer, new], dim=-1)[:, :, -(receptive_field - 1):] \\
                        if receptive_field > 1 else x[:, :, :0]
            return torch.cat(outputs, dim=-1)

        answer = stream_in_chunks
        """,
    mistake="""\
        import torch

        def stream_in_chunks(model, x, chunk, receptive_field):
            with torch.no_grad():                                   # every chunk on its own: no buffer
                return torch.cat([model(x[:, :, s:s + chunk]) for s in range(0, x.shape[-1], chunk)], dim=-1)

        answer = stream_in_chunks
        """,
    placeholder="""\
        def stream_in_chunks(model, x, chunk, receptive_field):
            raise NotImplementedError

        answer = stream_in_chunks
        """,
    kind="code",
))


# --- 09.5 train it to track beats ----------------------------------------------------------------


def held_out_clips() -> List[str]:
    """The example set's 24 test clips (3 per style), on which the checker of 09.5 scores a model.

    Notebook: 09_build_your_own_tcn.ipynb
    """
    from ..data import list_example_clips

    return list_example_clips("test")


def score_beat_model(model: nn.Module, names: Sequence[str]) -> List[float]:
    """Beat F-measure (mir_eval, HMM-decoded) of a model's channel 0 on each example clip.

    Notebook: 09_build_your_own_tcn.ipynb
    """
    from .. import beats

    scores = []
    model.eval()
    for name in names:
        S = beats.example_features(name)[0]
        ref = beats.example_features(name)[1]
        with torch.no_grad():
            logits = model(torch.from_numpy(np.array(S, dtype=np.float32))[None])
        act = torch.sigmoid(logits[0, 0].float()).numpy().astype(np.float64)
        scores.append(beats.evaluate_beats(ref, beats.decode_beats(act))["F-measure"])
    return scores


def _check_trained(model: Any, names: Optional[Sequence[str]] = None) -> Verdict:
    if is_placeholder(model):
        raise NotYet()
    if not isinstance(model, nn.Module):
        raise Wrong(f"expected your trained model (an nn.Module), got {type(model).__name__}",
                    "pass the model itself: check(\"09.5\", beat_model)")
    _no_tcnlib_layers(model, "your beat model")
    model = copy.deepcopy(model).cpu().eval()     # scored on the CPU; your model is not touched
    with torch.no_grad():
        y = _forward(model, torch.zeros(1, 80, 64), "your beat model")
    if y.dim() != 3 or y.shape[0] != 1 or y.shape[2] != 64:
        raise Wrong(f"input (1, 80, 64) gave {tuple(y.shape)}, expected (1, C, 64) with channel 0 the beat logit",
                    "MyTCN(80, 2, channels, kernel_size, dilations): channel 0 the beat, 1 the downbeat")
    _, leak = _lookback_and_leak(model, 80, 64)
    if leak > 0:
        return Verdict(False, f"your beat model looks {leak} frames into the future", "train your causal MyTCN")
    names = list(names) if names is not None else held_out_clips()
    scores = score_beat_model(model, names)
    f = float(np.mean(scores))
    n_params = sum(p.numel() for p in model.parameters())
    detail = (f"held-out beat F-measure {f:.3f} on {len(names)} test clips (worst clip {min(scores):.2f}); "
              f"causal, {n_params:,} parameters")
    return Verdict(f >= F_TARGET, detail,
                   f"reach {F_TARGET}: is the loss falling? train longer or with a larger learning rate, "
                   "give the model more context (dilations), and keep channel 0 a logit (no sigmoid in the model)")


register(Exercise(
    "09.5", "train your TCN to track beats", _check_trained,
    start="build your MyTCN for 80 mel bands and 2 outputs (beat, downbeat), train it with the loop "
          "described above, and pass the trained model",
    solution="""\
        import torch
        import tcnlib
        from tcnlib import beats
        from tcnlib.exercises import solution

        MyTCN = solution("09.3")          # in the notebook: your class from 09.3
        torch.manual_seed(0)
        beat_model = MyTCN(80, 2, 16, 3, [1, 2, 4, 8, 16, 32, 64, 128])   # 1021 frames: 10 s of the past
        steps = 1000                      # the budget: 1000 steps of 8 crops of 6 s
        opt = torch.optim.Adam(beat_model.parameters(), lr=5e-3)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=5e-3, total_steps=steps)
        train_clips = tcnlib.list_example_clips("train")
        for step in range(steps):
            x, y = beats.make_beat_batch(train_clips, seed=step, batch_size=8, frames=600, augment=False)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(beat_model(x), y)   # beat and downbeat
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if step % 200 == 0:
                print(f"step {step}: loss {loss.item():.4f}")
        answer = beat_model.eval()
        """,
    mistake="""\
        from tcnlib.exercises import solution

        MyTCN = solution("09.3")
        answer = MyTCN(80, 2, 16, 3, [1, 2, 4, 8, 16, 32, 64, 128]).eval()   # built, but never trained
        """,
    placeholder="answer = ...",
    kind="model",
))

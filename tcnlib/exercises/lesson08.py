"""Exercises of lesson 08 (WaveNet): mu-law by hand, the receptive field of a deeper WaveNet, the
size of the generation queues, global conditioning on a label, and two concept checks.

Notebook: 08_wavenet.ipynb
"""
from __future__ import annotations

from typing import Any, Tuple

import numpy as np

from ._core import Exercise, Verdict, Wrong, as_number, call, multiple_choice, register



# --- 08.1 mu-law encoder -------------------------------------------------------------------------


def _check_mu_law(fn: Any) -> Verdict:
    from ..wavenet import mu_law_encode

    mu = 255
    x = np.concatenate([np.linspace(-1.0, 1.0, 2001), [-1.0, 0.0, 1.0, 1e-4, -1e-4]])
    expected = mu_law_encode(x, mu)
    got = np.asarray(call(fn, x, name="my_mu_law"))
    if got.shape != expected.shape:
        return Verdict(False, f"expected shape {expected.shape}, got {got.shape}", "return one class per input sample")
    wrong = np.flatnonzero(got != expected)
    if len(wrong) == 0:
        return Verdict(True, f"all {len(x)} amplitudes give tcnlib's classes")
    i = int(wrong[0])
    return Verdict(False, f"{len(wrong)} of {len(x)} differ, e.g. x = {x[i]:.4g}: expected {int(expected[i])}, "
                          f"got {got[i].item()!r}",
                   f"f = sign(x) ln(1 + {mu}|x|) / ln(1 + {mu}); class = floor((f + 1) / 2 * {mu} + 0.5), an integer")


register(Exercise(
    "08.1", "mu-law encoder", _check_mu_law, kind="code",
    start="write my_mu_law(x) from the formula of section 4 (NumPy only), then pass the function itself",
    placeholder="""
def my_mu_law(x, mu=255):
    raise NotImplementedError  # your code: compand, then round to one of 256 classes

answer = my_mu_law
""",
    solution="""
import numpy as np

def my_mu_law(x, mu=255):
    f = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)   # companding, still in [-1, 1]
    return np.floor((f + 1) / 2 * mu + 0.5).astype(int)        # one of mu + 1 = 256 classes

answer = my_mu_law
""",
    mistake="""
import numpy as np

def my_mu_law(x, mu=255):
    return np.floor((x + 1) / 2 * mu + 0.5).astype(int)  # forgets the companding: linear 8 bit

answer = my_mu_law
"""))


# --- 08.2 receptive field of a 3-stack WaveNet ---------------------------------------------------


def _wavenet_field(n_stacks: int) -> int:
    from ..receptive import exponential_dilations, receptive_field

    dilations = exponential_dilations(10) * n_stacks
    return receptive_field([2] * (1 + len(dilations)), [1] + dilations)


def _check_field(answer: Any) -> Verdict:
    expected = _wavenet_field(3)
    got = as_number(answer, "a number of samples")
    if got == expected:
        return Verdict(True, f"3 stacks of dilations 1..512: {expected} samples = {1000 * expected / 16000:.1f} ms at 16 kHz")
    hint = "1 + (input kernel - 1) * 1 + n_stacks * sum((k - 1) * d) over d = 1, 2, ..., 512"
    if got == expected - 1:
        hint += "; don't forget the causal input convolution (kernel 2 adds 1 sample)"
    return Verdict(False, f"got {answer!r}", hint)


register(Exercise(
    "08.2", "receptive field of a 3-stack WaveNet", _check_field,
    start="replace ... with the receptive field in samples (an integer)",
    solution="""
import tcnlib
answer = 1 + (2 - 1) * 1 + 3 * sum((2 - 1) * d for d in tcnlib.exponential_dilations(10))  # input conv + 3 stacks
""",
    mistake="""
import tcnlib
answer = 1 + 3 * sum(tcnlib.exponential_dilations(10))  # the stacks only
"""))


# --- 08.3 how much the generation queues hold ----------------------------------------------------


def _check_cache(answer: Any) -> Verdict:
    from ..wavenet import WaveNet, WaveNetCache

    model = WaveNet(n_classes=256, residual_channels=2, dilation_channels=2, skip_channels=2,
                    layers_per_stack=10, n_stacks=2)
    cache = WaveNetCache(model)
    expected = cache.input_queue.size + sum(q.size for q in cache.queues)
    got = as_number(answer, "a number of time steps")
    if got == expected:
        return Verdict(True, f"{expected} time steps = receptive field - 1 = {model.receptive_field} - 1")
    return Verdict(False, f"got {answer!r}",
                   "a layer with kernel k and dilation d must remember its last (k - 1) * d inputs; add them up "
                   "over the input convolution (k = 2, d = 1) and the 20 layers")


register(Exercise(
    "08.3", "columns held by the generation queues", _check_cache,
    start="replace ... with the number of past time steps all queues hold together (an integer)",
    solution="""
import tcnlib
dilations = tcnlib.exponential_dilations(10) * 2   # our model: 2 stacks of 1..512, kernel 2
answer = (2 - 1) * 1 + sum((2 - 1) * d for d in dilations)
""",
    mistake="""
import tcnlib
answer = 2 * len(tcnlib.exponential_dilations(10)) + 1   # one column per layer: the time cost, not the memory
"""))


# --- 08.4 global conditioning (model) ------------------------------------------------------------

TOY_CLASSES, TOY_LABELS, TOY_LENGTH = 16, 2, 32
TOY_PERIODS = (16.0, 5.0)  # label 0: a low tone (500 Hz at 8 kHz), label 1: a high one (1600 Hz)


def toy_batch(rng: np.random.Generator, batch_size: int = 16, length: int = TOY_LENGTH) -> Tuple[Any, Any]:
    """The toy task of exercise 08.4: tones whose pitch is given by a label.

    Label 0 is a sine with a period of 16 samples, label 1 one with a period of 5 samples; random
    phase and amplitude (0.5 to 0.9), quantized with mu-law to 16 classes.

    Returns:
        ``(x, label)``: classes ``(B, length)`` int64 and labels ``(B,)`` int64.

    Notebook: 08_wavenet.ipynb
    """
    import torch

    from ..wavenet import mu_law_encode

    label = rng.integers(0, TOY_LABELS, size=batch_size)
    period = np.asarray(TOY_PERIODS)[label][:, None]
    phase = rng.uniform(0, 2 * np.pi, size=(batch_size, 1))
    amp = rng.uniform(0.5, 0.9, size=(batch_size, 1))
    y = amp * np.sin(2 * np.pi * np.arange(length)[None, :] / period + phase)
    q = mu_law_encode(y, TOY_CLASSES - 1).astype(np.int64)
    return torch.from_numpy(q), torch.from_numpy(label.astype(np.int64))


def _early_loss(model: Any, x: Any, label: Any, n: int = 6) -> float:
    """Mean next-sample cross-entropy over the first ``n`` predictions (little context: the label matters)."""
    import torch

    logits = model(x[:, :-1], label)
    return float(torch.nn.functional.cross_entropy(logits[:, :, :n], x[:, 1:n + 1]))


def _check_conditioning(cls: Any, steps: int = 80, seed: int = 0) -> Verdict:
    import torch

    torch.manual_seed(seed)
    model = call(cls, TOY_CLASSES, TOY_LABELS, name="ConditionedWaveNet")
    if not isinstance(model, torch.nn.Module):
        raise Wrong(f"ConditionedWaveNet(n_classes, n_labels) gave a {type(model).__name__}",
                    "answer with a torch.nn.Module class (the class itself, not an instance)")
    rng = np.random.default_rng(seed)
    x, label = toy_batch(rng, 4)
    out = call(model, x, label, name="model")
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (4, TOY_CLASSES, TOY_LENGTH):
        raise Wrong(f"model(x, label) returned {getattr(out, 'shape', type(out).__name__)} for x of shape "
                    f"{tuple(x.shape)}", f"return logits of shape (B, n_classes, T) = (4, {TOY_CLASSES}, {TOY_LENGTH})")
    # causal? the logits before t must not change when the samples from t on change
    x2 = x.clone()
    x2[:, 20:] = (x2[:, 20:] + 5) % TOY_CLASSES
    with torch.no_grad():
        leak = float((model(x, label)[:, :, :20] - model(x2, label)[:, :, :20]).abs().max())
    if leak > 1e-5:
        return Verdict(False, f"the logits before t = 20 change by {leak:.3g} when samples from t = 20 on change",
                       "keep the WaveNet's causal convolutions: the label may go everywhere, the future nowhere")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise Wrong("the model has no trainable parameters", "build the WaveNet and the label embeddings in __init__")
    opt = torch.optim.Adam(params, lr=1e-2)
    model.train()
    for _ in range(steps):
        xb, lb = toy_batch(rng)
        loss = torch.nn.functional.cross_entropy(model(xb[:, :-1], lb), xb[:, 1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    xt, lt = toy_batch(np.random.default_rng(seed + 1), 256)
    with torch.no_grad():
        right = _early_loss(model, xt, lt)
        swapped = _early_loss(model, xt, 1 - lt)
    detail = (f"after {steps} training steps, loss of the first 6 predictions with the right label "
              f"{right:.2f} nats, with the other label {swapped:.2f} nats")
    if swapped - right < 0.3:
        return Verdict(False, detail, "the model's output must depend on the label: add a learned vector per label "
                                      "(torch.nn.Embedding) to every layer's filter and gate inputs")
    return Verdict(True, detail + ": the model uses the label")


_CONDITIONED = """
import torch
import tcnlib


class ConditionedWaveNet(torch.nn.Module):
    \"\"\"A WaveNet whose layers also see a learned vector for the label (global conditioning).\"\"\"

    def __init__(self, n_classes, n_labels, channels=16, layers=4):
        super().__init__()
        self.net = tcnlib.WaveNet(n_classes=n_classes, residual_channels=channels, dilation_channels=channels,
                                  skip_channels=channels, layers_per_stack=layers, n_stacks=1)
        # per layer, one vector per label added to its filter and gate inputs (the paper's V h)
        self.embed = torch.nn.ModuleList(torch.nn.Embedding(n_labels, 2 * channels) for _ in self.net.layers)

    def forward(self, x, label):
        net = self.net
        h = net.input_conv(torch.nn.functional.one_hot(x, net.n_classes).transpose(1, 2).float())
        skips = 0
        for layer, embed in zip(net.layers, self.embed):
            z = layer.gate(layer.conv(h) + embed(label)[:, :, None]){forget}
            h, skips = h + layer.res(z), skips + layer.skip(z)
        return net.head(skips)


answer = ConditionedWaveNet
"""

register(Exercise(
    "08.4", "condition a WaveNet on a label", _check_conditioning, kind="model",
    start="complete ConditionedWaveNet (build it in __init__, use the label in forward), then pass the class",
    placeholder="""
import torch
import tcnlib


class ConditionedWaveNet(torch.nn.Module):
    def __init__(self, n_classes, n_labels):
        super().__init__()
        # your code: a small tcnlib.WaveNet and one torch.nn.Embedding(n_labels, ...) per layer

    def forward(self, x, label):
        # x: (B, T) classes, label: (B,) -> logits (B, n_classes, T)
        raise NotImplementedError


answer = ConditionedWaveNet
""",
    solution=_CONDITIONED.replace("{forget}", ""),
    mistake=_CONDITIONED.replace("layer.gate(layer.conv(h) + embed(label)[:, :, None]){forget}",
                                 "layer.gate(layer.conv(h))  # the embedding is built but never used")))


# --- concept checks ------------------------------------------------------------------------------

register(Exercise(
    "08.5", "what a 256 ms receptive field can model", multiple_choice(
        "a", "256 ms hold dozens of periods of a pitched note but not a sequence of notes; longer structure "
             "must come from conditioning (text, a score, a label)",
        {"b": "how many notes of a melody fit into a quarter of a second? the output can only use what it sees",
         "c": "the key shows over many notes, seconds apart; the output can only use what it sees"}),
    kind="concept", start='answer with a letter: "a", "b" or "c"',
    solution='answer = "a"  # a quarter of a second: the sound of a note, not the melody',
    mistake='answer = "b"'))

register(Exercise(
    "08.6", "memory and time of the generation queues", multiple_choice(
        "a", "memory = sum of (k - 1) d = receptive field - 1 columns; time = k columns per layer",
        {"b": "look at exercise 08.3: what does a queue store, and what does one step read from it?",
         "c": "nothing is compressed: look at exercise 08.3, what does a queue store?"}),
    kind="concept", start='answer with a letter: "a", "b" or "c"',
    solution='answer = "a"', mistake='answer = "b"'))

"""8-bit quantization of audio: mu-law companding and classes, linear classes for comparison, SNR.

WaveNet (van den Oord et al., 2016) predicts each sample as one of 256 classes. Mu-law companding

    f(x) = sign(x) ln(1 + mu |x|) / ln(1 + mu),     mu = 255,

stretches quiet amplitudes before ``[-1, 1]`` is cut into ``mu + 1`` equal steps, so quiet samples
get fine steps and loud samples coarse ones, roughly matching how we hear loudness. Linear
quantization (equal steps of the raw amplitude) is the comparison, and :func:`snr_db` measures
what each one loses.

One formula, one home: :func:`mu_law_compress` / :func:`mu_law_expand` hold the companding
curve and its inverse; :func:`mu_law_encode` / :func:`mu_law_decode` are that curve followed by
the same uniform quantizer as :func:`linear_encode` / :func:`linear_decode`.

Shapes: any shape in, the same shape out; NumPy arrays stay arrays and tensors stay tensors (on
their device). Signals are floats in ``[-1, 1]``; classes are int64 in ``[0, n_classes)``.

Notebook: 08_wavenet.ipynb
"""
from __future__ import annotations

from typing import Optional, Tuple, Union

import numpy as np
import torch

from .utils import is_int

ArrayLike = Union[np.ndarray, torch.Tensor]

MU = 255
"""The mu of 8-bit mu-law (ITU-T G.711 and WaveNet): ``MU + 1 = 256`` classes."""


# --- argument checks and conversions ---------------------------------------------------------

def _check_mu(mu: int) -> int:
    if not is_int(mu) or mu < 1:
        raise ValueError(f"mu must be a positive integer (255 for 256 classes), got {mu!r}")
    return int(mu)


def _check_n_classes(n_classes: int) -> int:
    if not is_int(n_classes) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2 (256 for 8 bits), got {n_classes!r}")
    return int(n_classes)


def _as_float64(x: ArrayLike, name: str) -> Tuple[np.ndarray, bool, Optional[torch.device]]:
    """Return ``x`` as a float64 NumPy array, whether it was a tensor, and its device.

    Integers are refused: a signal in ``[-1, 1]`` is made of floats, and integers here are
    either classes (decode them) or PCM samples (scale them with :func:`tcnlib.as_waveform`).
    """
    is_tensor = isinstance(x, torch.Tensor)
    device = x.device if is_tensor else None
    arr = x.detach().cpu().numpy() if is_tensor else np.asarray(x)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(f"{name} must hold real numbers (floats in [-1, 1]), got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold floats in [-1, 1], got integer dtype {arr.dtype} (classes? use "
                         "mu_law_decode; integer PCM audio? scale it with tcnlib.as_waveform first)")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr, is_tensor, device


def _check_signal_range(x: np.ndarray, name: str = "x") -> None:
    if x.size and np.max(np.abs(x)) > 1.0:
        raise ValueError(f"{name} must lie in [-1, 1] (normalise or clip it first), "
                         f"got max |{name}| = {float(np.max(np.abs(x))):.4g}")


def _as_classes(q: ArrayLike, n_classes: int, name: str = "q") -> Tuple[np.ndarray, bool, Optional[torch.device]]:
    is_tensor = isinstance(q, torch.Tensor)
    device = q.device if is_tensor else None
    arr = q.detach().cpu().numpy() if is_tensor else np.asarray(q)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class indices in [0, {n_classes - 1}], got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > n_classes - 1):
        raise ValueError(f"{name} must hold class indices in [0, {n_classes - 1}], "
                         f"got values in [{int(arr.min())}, {int(arr.max())}]")
    return arr.astype(np.int64), is_tensor, device


def _wrap_float(y: np.ndarray, is_tensor: bool, device: Optional[torch.device]) -> ArrayLike:
    y = y.astype(np.float32)
    return torch.from_numpy(y).to(device) if is_tensor else y


def _wrap_int(q: np.ndarray, is_tensor: bool, device: Optional[torch.device]) -> ArrayLike:
    return torch.from_numpy(q.astype(np.int64)).to(device) if is_tensor else q.astype(np.int64)


# The formulas, each in one place (float64 NumPy in, float64/int64 NumPy out, no checks).

def _compress(x: np.ndarray, mu: int) -> np.ndarray:
    """The mu-law curve ``sign(x) ln(1 + mu |x|) / ln(1 + mu)``."""
    return np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)


def _expand(y: np.ndarray, mu: int) -> np.ndarray:
    """Its inverse ``sign(y) ((1 + mu)^|y| - 1) / mu``."""
    return np.sign(y) * np.expm1(np.abs(y) * np.log1p(mu)) / mu


def _quantize(y: np.ndarray, steps: int) -> np.ndarray:
    """Uniform quantizer: ``[-1, 1]`` -> classes ``round((y + 1) / 2 * steps)`` in ``[0, steps]``."""
    return np.clip(np.floor((y + 1.0) / 2.0 * steps + 0.5), 0, steps)


def _level(q: np.ndarray, steps: int) -> np.ndarray:
    """The amplitude of class ``q`` of the uniform quantizer: ``2 q / steps - 1``."""
    return 2.0 * q.astype(np.float64) / steps - 1.0


def mu_law_compress(x: ArrayLike, mu: int = MU) -> ArrayLike:
    """Mu-law companding ``f(x) = sign(x) ln(1 + mu |x|) / ln(1 + mu)``, before quantization.

    Args:
        x: signal in ``[-1, 1]``, any shape (NumPy array or tensor).
        mu: compression parameter (255 in 8-bit telephony and WaveNet).

    Returns:
        ``f(x)`` in ``[-1, 1]``, float32, same shape and type as ``x``.

    Raises:
        ValueError: if ``x`` leaves ``[-1, 1]`` or holds NaN/inf, or ``mu`` is not a positive integer.

    Notebook: none (the companding half of mu_law_encode)
    """
    mu = _check_mu(mu)
    arr, is_t, dev = _as_float64(x, "x")
    _check_signal_range(arr)
    return _wrap_float(_compress(arr, mu), is_t, dev)


def mu_law_expand(y: ArrayLike, mu: int = MU) -> ArrayLike:
    """Inverse of :func:`mu_law_compress`: ``x = sign(y) ((1 + mu)^|y| - 1) / mu``.

    Args:
        y: companded signal in ``[-1, 1]``, any shape.
        mu: compression parameter.

    Returns:
        ``x`` in ``[-1, 1]``, float32, same shape and type as ``y``.

    Notebook: none (the expanding half of mu_law_decode)
    """
    mu = _check_mu(mu)
    arr, is_t, dev = _as_float64(y, "y")
    _check_signal_range(arr, "y")
    return _wrap_float(_expand(arr, mu), is_t, dev)


def mu_law_encode(x: ArrayLike, mu: int = MU) -> ArrayLike:
    """Mu-law encode a signal into ``mu + 1`` integer classes (256 for ``mu = 255``).

    Companding ``f(x)`` (see :func:`mu_law_compress`) followed by uniform quantization of
    ``[-1, 1]`` into ``mu + 1`` levels: ``q = round((f(x) + 1) / 2 * mu)``. Quiet samples get
    fine steps, loud samples coarse ones, roughly matching how we hear loudness.

    Args:
        x: waveform in ``[-1, 1]``, any shape (NumPy array or tensor).
        mu: compression parameter; ``mu + 1`` classes.

    Returns:
        int64 classes in ``[0, mu]``, same shape and type (array/tensor) as ``x``.
        ``-1 -> 0``, ``1 -> mu``, ``0 -> (mu + 1) // 2`` (128 for mu = 255).

    Raises:
        ValueError: if ``x`` leaves ``[-1, 1]``, holds NaN/inf or non-numbers, or ``mu`` is not a
            positive integer.

    Example:
        >>> mu_law_encode(np.array([-1.0, 0.0, 1.0]))
        array([  0, 128, 255])

    Notebook: 08_wavenet.ipynb
    """
    mu = _check_mu(mu)
    arr, is_t, dev = _as_float64(x, "x")
    _check_signal_range(arr)
    return _wrap_int(_quantize(_compress(arr, mu), mu), is_t, dev)


def mu_law_decode(q: ArrayLike, mu: int = MU) -> ArrayLike:
    """Map mu-law classes back to amplitudes: the centre of each class, expanded.

    ``y = 2 q / mu - 1`` (the quantization level), then :func:`mu_law_expand`. Exactly inverts
    :func:`mu_law_encode` on classes: ``mu_law_encode(mu_law_decode(q)) == q``.

    Args:
        q: integer classes in ``[0, mu]``, any shape (NumPy array or tensor).
        mu: compression parameter.

    Returns:
        float32 amplitudes in ``[-1, 1]``, same shape and type as ``q``.

    Raises:
        ValueError: if ``q`` holds non-integers or values outside ``[0, mu]``, or ``mu`` is bad.

    Notebook: 08_wavenet.ipynb
    """
    mu = _check_mu(mu)
    arr, is_t, dev = _as_classes(q, mu + 1)
    return _wrap_float(_expand(_level(arr, mu), mu), is_t, dev)


def linear_encode(x: ArrayLike, n_classes: int = MU + 1) -> ArrayLike:
    """Uniform (linear) quantization of ``[-1, 1]`` into ``n_classes`` levels, for comparison.

    ``q = round((x + 1) / 2 * (n_classes - 1))``: the same number of classes as mu-law, but
    equal steps everywhere, so quiet passages get only a few levels.

    Returns:
        int64 classes in ``[0, n_classes - 1]``, same shape and type as ``x``.

    Notebook: 08_wavenet.ipynb
    """
    n = _check_n_classes(n_classes)
    arr, is_t, dev = _as_float64(x, "x")
    _check_signal_range(arr)
    return _wrap_int(_quantize(arr, n - 1), is_t, dev)


def linear_decode(q: ArrayLike, n_classes: int = MU + 1) -> ArrayLike:
    """Inverse of :func:`linear_encode`: class ``q`` -> amplitude ``2 q / (n_classes - 1) - 1``.

    Notebook: 08_wavenet.ipynb
    """
    n = _check_n_classes(n_classes)
    arr, is_t, dev = _as_classes(q, n)
    return _wrap_float(_level(arr, n - 1), is_t, dev)


def snr_db(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Signal-to-noise ratio ``10 log10(sum(ref^2) / sum((ref - est)^2))`` in dB.

    Returns ``inf`` when the estimate is exact.

    Raises:
        ValueError: if the inputs hold non-numbers or NaN/inf, the shapes differ or the reference
            is silent.

    Notebook: 08_wavenet.ipynb
    """
    ref = _real_array(reference, "reference")
    est = _real_array(estimate, "estimate")
    if ref.shape != est.shape:
        raise ValueError(f"reference and estimate must have the same shape, got {ref.shape} and {est.shape}")
    power = float(np.sum(ref ** 2))
    if power == 0.0:
        raise ValueError("reference is silent (all zeros): its SNR is undefined")
    noise = float(np.sum((ref - est) ** 2))
    return float("inf") if noise == 0.0 else 10.0 * float(np.log10(power / noise))


def _real_array(x: ArrayLike, name: str) -> np.ndarray:
    """``x`` (floats or integers, not NaN/inf) as float64."""
    arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr

"""Course-wide settings: quick mode, device choice and seeding.

Quick mode is read in exactly one place, :func:`quick_mode`, from the environment variable
``TCN_COURSE_QUICK``. CI sets it to ``1`` so that notebooks shrink their data and epochs; a
student running the course leaves it unset and gets the full lessons.

Notebook: 01_audio_as_sequences.ipynb (set-up cell of every notebook)
"""
from __future__ import annotations

import os
import random
from typing import Optional, TypeVar

import numpy as np
import torch

QUICK_ENV_VAR = "TCN_COURSE_QUICK"
"""Name of the environment variable that switches quick mode on (``1``/``true``/``yes``)."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}

T = TypeVar("T")


def quick_mode() -> bool:
    """Return True when the course runs in quick mode (CI), False for the full lessons.

    Reads ``TCN_COURSE_QUICK`` every time it is called, so a test can switch it.

    Raises:
        ValueError: if the variable holds something other than a yes/no word.

    Notebook: 05_tcn_vs_rnn.ipynb to 08_wavenet.ipynb (the settings cell of each)
    """
    raw = os.environ.get(QUICK_ENV_VAR, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(
        f"{QUICK_ENV_VAR} must be one of {sorted(_TRUE | _FALSE - {''})} or unset, got {raw!r}"
    )


def pick(full: T, quick: T) -> T:
    """Choose a setting by mode: ``full`` for students, ``quick`` for CI.

    Example: ``epochs = pick(full=30, quick=2)``.

    Notebook: 03_dilated_convolutions.ipynb to 08_wavenet.ipynb (the settings cell of each)
    """
    return quick if quick_mode() else full


def get_device(prefer: Optional[str] = None) -> torch.device:
    """Return the device to compute on: the GPU when one is present, else the CPU.

    Args:
        prefer: ``None`` (automatic: CUDA, then Apple MPS, then CPU), or an explicit
            ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``.

    Raises:
        ValueError: if ``prefer`` names a device that is not available here.

    Notebook: 08_wavenet.ipynb
    """
    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(prefer)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"prefer must be None, 'cpu', 'cuda', 'cuda:N' or 'mps', got {prefer!r}"
        ) from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"prefer={prefer!r} but no CUDA GPU is available here; use None or 'cpu'")
    if dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"prefer={prefer!r} but Apple MPS is not available here; use None or 'cpu'")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"prefer must be None, 'cpu', 'cuda', 'cuda:N' or 'mps', got {prefer!r}")
    return dev


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch (CPU and every GPU) so a lesson reproduces.

    Args:
        seed: a non-negative integer below 2**32.

    Returns:
        A ``torch.Generator`` seeded with ``seed``, handy for data loaders.

    Raises:
        ValueError: if ``seed`` is not an integer in [0, 2**32).

    Notebook: 01_audio_as_sequences.ipynb
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen

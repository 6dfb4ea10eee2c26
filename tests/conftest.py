"""Shared fixtures for the unit tests."""
from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # no display in CI

import numpy as np
import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (CI must not be flaky); run with
# --hypothesis-profile=explore to search new random examples locally.
settings.register_profile("course", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("course")

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip a test that needs an optional system package, except in CI, where it must run.

    ``.ci/run`` installs every such package, so in CI a missing one is a real failure.
    """
    if IN_CI:
        pytest.fail(f"{reason} (CI installs it: see .ci/run)")
    pytest.skip(reason)


@pytest.fixture
def tone() -> tuple:
    """One second of a 440 Hz sine at 16 kHz: ``(y, sr)``, y of shape (16000,)."""
    sr = 16000
    t = np.arange(sr) / sr
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), sr

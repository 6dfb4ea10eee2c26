import random

import numpy as np
import pytest
import torch

import tcnlib
from tcnlib.config import QUICK_ENV_VAR


def test_quick_mode_reads_variable(monkeypatch):
    monkeypatch.delenv(QUICK_ENV_VAR, raising=False)
    assert tcnlib.quick_mode() is False
    for word in ("1", "true", "YES", " on "):
        monkeypatch.setenv(QUICK_ENV_VAR, word)
        assert tcnlib.quick_mode() is True
    for word in ("0", "false", "no", ""):
        monkeypatch.setenv(QUICK_ENV_VAR, word)
        assert tcnlib.quick_mode() is False


def test_quick_mode_rejects_garbage(monkeypatch):
    monkeypatch.setenv(QUICK_ENV_VAR, "maybe")
    with pytest.raises(ValueError, match="TCN_COURSE_QUICK must be one of .* got 'maybe'"):
        tcnlib.quick_mode()


def test_pick(monkeypatch):
    monkeypatch.setenv(QUICK_ENV_VAR, "1")
    assert tcnlib.pick(full=30, quick=2) == 2
    monkeypatch.setenv(QUICK_ENV_VAR, "0")
    assert tcnlib.pick(full=30, quick=2) == 30


def test_get_device_cpu_fallback(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    dev = tcnlib.get_device()
    assert dev.type in ("cpu", "mps")
    assert tcnlib.get_device("cpu") == torch.device("cpu")


def test_get_device_prefers_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert tcnlib.get_device().type == "cuda"


def test_get_device_errors(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no CUDA GPU is available"):
        tcnlib.get_device("cuda")
    with pytest.raises(ValueError, match="prefer must be None, 'cpu'"):
        tcnlib.get_device("tpu-please")


def test_seed_everything_reproduces():
    tcnlib.seed_everything(123)
    a = (random.random(), np.random.rand(), torch.rand(3))
    gen = tcnlib.seed_everything(123)
    b = (random.random(), np.random.rand(), torch.rand(3))
    assert a[0] == b[0] and a[1] == b[1] and torch.equal(a[2], b[2])
    assert isinstance(gen, torch.Generator)
    assert gen.initial_seed() == 123


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "7", True, None])
def test_seed_everything_rejects(bad):
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*32\)"):
        tcnlib.seed_everything(bad)

"""The shared helpers of tcnlib.utils: checks, padding rule, atomic writes, eval mode, counts."""
import errno
import os
import stat

import numpy as np
import pytest
import torch
from torch import nn

from tcnlib.utils import (atomic_write, check_bool, check_int, check_int_list, check_module, check_non_negative_int,
                          check_positive_int, count_parameters, eval_mode, padding_amounts)


# ----------------------------------------------------------------------------- integer checks


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.int32(1), np.uint8(2)])
def test_positive_int_accepts_python_and_numpy_integers(value):
    out = check_positive_int("n", value)
    assert out == int(value) and type(out) is int


@pytest.mark.parametrize("value", [0, -2, True, False, np.bool_(True), 2.0, "3", None, [2], np.array([2])])
def test_positive_int_rejects_with_todays_message(value):
    with pytest.raises(ValueError) as err:
        check_positive_int("n_layers", value)
    assert str(err.value) == f"n_layers must be a positive integer, got {value!r}"


def test_int_checks_minimum_and_unit_in_message():
    assert check_non_negative_int("widen", 0) == 0
    with pytest.raises(ValueError, match=r"^widen must be an integer >= 0 frames, got -1$"):
        check_non_negative_int("widen", -1, unit="frames")
    with pytest.raises(ValueError, match=r"^beat_width must be a positive integer number of frames, got 0$"):
        check_positive_int("beat_width", 0, unit="frames")
    with pytest.raises(ValueError, match=r"^max_inputs must be an integer >= 2, got 1$"):
        check_int("max_inputs", 1, minimum=2)
    assert check_int("max_inputs", np.int16(2), minimum=2) == 2


def test_int_list():
    assert check_int_list("dilations", (1, np.int64(2), 4)) == [1, 2, 4]
    assert check_int_list("taps", np.array([0, 3]), minimum=0) == [0, 3]
    with pytest.raises(ValueError, match=r"^dilations must be positive integers, got \[1, 0, 4\]$"):
        check_int_list("dilations", [1, 0, 4])
    with pytest.raises(ValueError, match=r"^dilations must not be empty$"):
        check_int_list("dilations", [])
    for bad in ([1, True], [1, 2.0], [1, "2"]):
        with pytest.raises(ValueError, match="dilations must be positive integers"):
            check_int_list("dilations", bad)
    for bad in ("124", 4, None, np.ones((2, 2), dtype=int)):
        with pytest.raises(ValueError, match="dilations must be a list of positive integers"):
            check_int_list("dilations", bad)
    with pytest.raises(ValueError, match=r"taps must be integers >= 0, got \[-1\]"):
        check_int_list("taps", [-1], minimum=0)


def test_check_bool_is_strict():
    assert check_bool("causal", True) is True
    assert check_bool("causal", np.bool_(False)) is False
    for bad in ("no", "False", 0, 1, None, 1.0):
        with pytest.raises(ValueError) as err:
            check_bool("causal", bad)
        assert str(err.value) == f"causal must be True or False, got {bad!r}"


# ----------------------------------------------------------------------------- padding rule


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("d", [1, 2, 3, 8])
def test_padding_amounts_keep_the_length_and_match_a_real_convolution(k, d):
    for causal in (True, False):
        left, right = padding_amounts(k, d, causal)
        assert left + right == (k - 1) * d
        assert left >= right
        if causal:
            assert right == 0
        # the padded convolution keeps T and output t depends on inputs t-left .. t+right
        conv = nn.Conv1d(1, 1, k, dilation=d, bias=False)
        nn.init.constant_(conv.weight, 1.0)
        T, t = 80, 40
        x = torch.zeros(1, 1, T, requires_grad=True)
        y = conv(nn.functional.pad(x, (left, right)))
        assert y.shape[-1] == T
        (g,) = torch.autograd.grad(y[0, 0, t], x)
        nz = torch.nonzero(g[0, 0]).ravel()
        assert int(nz[0]) == t - left and int(nz[-1]) == t + right


def test_padding_amounts_examples_and_errors():
    assert padding_amounts(3, 4, causal=True) == (8, 0)
    assert padding_amounts(3, 4, causal=False) == (4, 4)
    assert padding_amounts(2, 1, causal=False) == (1, 0)  # an odd total: the extra step is the past
    with pytest.raises(ValueError, match="kernel_size must be a positive integer, got 0"):
        padding_amounts(0, 1, True)
    with pytest.raises(ValueError, match="dilation must be a positive integer, got 1.5"):
        padding_amounts(3, 1.5, True)
    with pytest.raises(ValueError, match="causal must be True or False, got 'no'"):
        padding_amounts(3, 1, "no")


# ----------------------------------------------------------------------------- atomic_write


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_text_and_binary(tmp_path):
    p = tmp_path / "sub" / "a.txt"
    with atomic_write(p) as f:
        f.write("héllo\n")
    assert p.read_text(encoding="utf-8") == "héllo\n"
    with atomic_write(p, "wb") as f:
        f.write(b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    assert _leftovers(p.parent) == []
    with pytest.raises(ValueError, match="mode must be 'w' or 'wb', got 'a'"):
        with atomic_write(p, "a"):
            pass


def test_atomic_write_keeps_the_old_file_and_removes_the_temp_on_error(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("old\n")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(p) as f:
            f.write("half of the new")
            raise RuntimeError("boom")
    assert p.read_text() == "old\n"
    assert _leftovers(tmp_path) == []


def test_atomic_write_disk_full_message(tmp_path, monkeypatch):
    p = tmp_path / "a.bin"
    p.write_bytes(b"old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as err:
        with atomic_write(p, "wb") as f:
            f.write(b"new")
    assert err.value.errno == errno.ENOSPC
    assert f"no space left on device while writing {p}" in str(err.value)
    assert p.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_atomic_write_file_mode_is_a_normal_files(tmp_path):
    old = os.umask(0o022)
    try:
        p = tmp_path / "new.txt"
        with atomic_write(p) as f:
            f.write("x")
        assert stat.S_IMODE(p.stat().st_mode) == 0o644  # not mkstemp's 0600
        os.umask(0o077)
        q = tmp_path / "private.txt"
        with atomic_write(q) as f:
            f.write("x")
        assert stat.S_IMODE(q.stat().st_mode) == 0o600
        os.chmod(p, 0o640)  # an existing file keeps its mode, as with open(path, "w")
        with atomic_write(p) as f:
            f.write("y")
        assert stat.S_IMODE(p.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_atomic_write_unique_temp_names(tmp_path):
    p = tmp_path / "a.txt"
    with atomic_write(p) as f1, atomic_write(p) as f2:
        temps = _leftovers(tmp_path)
        assert len(temps) == 2 and all(t.startswith(".a.txt.") for t in temps)  # same folder, unique
        f1.write("one")
        f2.write("two")
    assert p.read_text() == "one"  # the outer block finishes last
    assert _leftovers(tmp_path) == []


# ----------------------------------------------------------------------------- models


def test_eval_mode_restores_each_submodules_mode():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.BatchNorm1d(2))
    model.train()
    model[2].eval()  # a frozen BatchNorm stays frozen
    with eval_mode(model) as m:
        assert m is model
        assert not any(x.training for x in model.modules())
    assert model.training and model[1].training and not model[2].training
    with pytest.raises(RuntimeError):
        with eval_mode(model):
            raise RuntimeError
    assert model.training and not model[2].training


def test_count_parameters():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    assert count_parameters(model) == 3 * 4 + 4 + 4 + 1
    model[0].weight.requires_grad_(False)
    assert count_parameters(model) == 4 + 4 + 1
    assert count_parameters(model, trainable_only=False) == 21


def test_count_parameters_and_check_module_reject_non_modules():
    for bad in (None, "tcn", [torch.zeros(3)]):
        with pytest.raises(ValueError, match=r"^model must be a torch.nn.Module, got (NoneType|str|list)$"):
            count_parameters(bad)
    assert check_module("net", nn.Linear(1, 1)) is not None
    with pytest.raises(ValueError, match=r"net must be a BeatNet \(a torch.nn.Module\), got NoneType"):
        check_module("net", None, "a BeatNet")


def test_atomic_write_refuses_a_folder(tmp_path):
    with pytest.raises(ValueError, match=r"path .* is a folder \(directory\), not a file"):
        with atomic_write(tmp_path):
            pass
    assert list(tmp_path.iterdir()) == []

"""Training checkpoints: :func:`save_checkpoint` and :func:`load_checkpoint`.

A checkpoint is written **atomically** (a temporary file in the same folder, then ``os.replace``,
so a crash never leaves half a file; see :func:`tcnlib.utils.atomic_write`) and holds only tensors
and plain containers, so it loads with ``torch.load(path, weights_only=True)``. Loading checks
everything before it changes anything: the model's keys and shapes, the optimizer's class and
parameter groups, the scheduler's kind, and that ``map_location`` names a device this machine has.
:func:`tcnlib.fit` writes one after every epoch (``checkpoint=path``) and continues from it
(``resume=True``).

Notebook: none (used by fit(checkpoint=..., resume=True))
"""
from __future__ import annotations

import os
import random
from typing import Any, Dict, Optional, Union

import numpy as np
import torch
from torch import nn

from .history import History
from .utils import atomic_write, check_module

CHECKPOINT_KEYS = ("model", "optimizer", "scheduler", "epoch", "step", "history", "rng")
"""Keys every checkpoint has (``optimizer_class`` and ``best_model`` are optional)."""


def _rng_state() -> Dict[str, Any]:
    """Every random generator's state as tensors and plain lists (``weights_only``-safe)."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    py_version, py_state, py_gauss = random.getstate()
    state: Dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
        "numpy_meta": [int(pos), int(has_gauss), float(gauss)],
        "python": [int(py_version), list(py_state), py_gauss],
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: Dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    pos, has_gauss, gauss = state["numpy_meta"]
    np.random.set_state(("MT19937", state["numpy"].numpy().astype(np.uint32), int(pos), int(has_gauss), gauss))
    py_version, py_state, py_gauss = state["python"]
    random.setstate((py_version, tuple(py_state), py_gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _finite_state(state: Dict[str, torch.Tensor]) -> bool:
    return all(bool(torch.isfinite(v).all()) for v in state.values()
               if isinstance(v, torch.Tensor) and v.is_floating_point())


def save_checkpoint(path: Union[str, os.PathLike], model: nn.Module,
                    optimizer: Optional[torch.optim.Optimizer] = None, epoch: int = 0, step: int = 0,
                    history: Optional[History] = None, scheduler: Optional[Any] = None,
                    best_model: Optional[Dict[str, torch.Tensor]] = None) -> str:
    """Write a checkpoint atomically: a temporary file in the same folder, then ``os.replace``.

    The file holds a dict with keys ``model``, ``optimizer``, ``scheduler`` (state dicts or
    None), ``optimizer_class`` (e.g. ``"Adam"``), ``epoch``, ``step``, ``history`` (dict of
    lists) and ``rng`` (generator states), and ``best_model`` when given (the state dict of the
    best epoch, for ``fit(restore_best=True)``), all tensors and plain containers, so
    ``torch.load(path, weights_only=True)`` reads it. The file gets the permissions a plain
    ``open`` would give.

    Returns:
        The path written, as a string.

    Raises:
        ValueError: if the model's weights are not finite (NaN or inf): such a file would
            replace a good checkpoint with a useless one, so nothing is written.

    Notebook: none (used by fit(checkpoint=..., resume=True))
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ValueError(f"checkpoint must be a file path, but {path!r} is a directory")
    check_module("model", model)
    for name, value in (("epoch", epoch), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    state = model.state_dict()
    if not _finite_state(state):
        raise ValueError(f"the model's weights hold NaN or inf; not writing them to {path!r} "
                         f"(a file there keeps its previous content)")
    payload = {
        "model": state,
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "optimizer_class": None if optimizer is None else type(optimizer).__name__,
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "epoch": int(epoch),
        "step": int(step),
        "history": (history or History()).to_dict(),
        "rng": _rng_state(),
    }
    if best_model is not None:
        payload["best_model"] = best_model
    with atomic_write(path, "wb") as f:
        torch.save(payload, f)
    return path


# Hyper-parameters that some torch versions add to every optimizer's param groups.
_COMMON_GROUP_KEYS = {"params", "lr", "foreach", "maximize", "capturable", "differentiable", "fused",
                      "decoupled_weight_decay", "initial_lr", "weight_decay"}


def _check_optimizer_state(path: str, saved: Dict[str, Any], saved_class: Optional[str],
                           optimizer: torch.optim.Optimizer) -> None:
    """Refuse an optimizer state that this optimizer cannot continue from, before loading anything."""
    name = type(optimizer).__name__
    if saved_class is not None and saved_class != name:
        raise ValueError(f"the checkpoint {path!r} holds the state of a {saved_class} optimizer, but a {name} "
                         f"was given; resume with torch.optim.{saved_class}(...) or start a new checkpoint")
    current = optimizer.state_dict()
    groups = saved.get("param_groups", []) if isinstance(saved, dict) else []
    if len(groups) != len(current["param_groups"]) or any(
            len(a.get("params", [])) != len(b["params"]) for a, b in zip(groups, current["param_groups"])):
        raise ValueError(f"the checkpoint {path!r} holds an optimizer state for "
                         f"{[len(g.get('params', [])) for g in groups]} parameters per group, but this optimizer "
                         f"has {[len(g['params']) for g in current['param_groups']]}")
    for a, b in zip(groups, current["param_groups"]):
        missing = sorted(set(b) - set(a) - _COMMON_GROUP_KEYS)
        if missing:
            raise ValueError(f"the checkpoint {path!r} holds the state of another kind of optimizer (its "
                             f"parameter groups lack {missing}, which a {name} needs); resume with the "
                             f"optimizer that wrote it or start a new checkpoint")


def _check_model_state(path: str, saved: Dict[str, Any], model: nn.Module) -> None:
    """Same keys and shapes as ``model.state_dict()``, checked before any weight is overwritten."""
    own = model.state_dict()
    if not isinstance(saved, dict):
        raise ValueError(f"the checkpoint {path!r} holds no model state dict")
    missing, unexpected = sorted(set(own) - set(saved)), sorted(set(saved) - set(own))
    wrong = [f"{k}: {tuple(saved[k].shape)} vs {tuple(v.shape)}" for k, v in own.items()
             if k in saved and isinstance(saved[k], torch.Tensor) and saved[k].shape != v.shape]
    if missing or unexpected or wrong:
        raise ValueError(f"the checkpoint {path!r} does not fit this model: missing keys {missing[:5]}, "
                         f"unexpected keys {unexpected[:5]}, shape mismatches (checkpoint vs model) {wrong[:5]}")


def _check_map_location(map_location: Any) -> None:
    if isinstance(map_location, (str, torch.device)):
        try:
            dev = torch.device(map_location)
        except (RuntimeError, TypeError):
            raise ValueError(f"map_location must be a device such as 'cpu' or 'cuda', got {map_location!r}") from None
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"map_location={str(map_location)!r} but no CUDA GPU is available here; "
                             f"use map_location='cpu'")


def load_checkpoint(path: Union[str, os.PathLike], model: Optional[nn.Module] = None,
                    optimizer: Optional[torch.optim.Optimizer] = None, scheduler: Optional[Any] = None,
                    map_location: Union[str, torch.device] = "cpu") -> Dict[str, Any]:
    """Read a checkpoint with ``weights_only=True`` and load its states into what you pass.

    Everything is checked before anything is loaded: a checkpoint that does not fit the model, or
    holds another optimizer's state (SGD's into an Adam), leaves the model and optimizer untouched.

    Args:
        path: a file written by :func:`save_checkpoint` (or by ``fit(checkpoint=...)``).
        model, optimizer, scheduler: objects to restore (each optional).
        map_location: where tensors are loaded (default the CPU).

    Returns:
        The checkpoint dict (``history`` turned into a :class:`History`).

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file is not a readable checkpoint (truncated, corrupt, or not
            written by :func:`save_checkpoint`), its model does not match ``model``, its optimizer
            state does not match ``optimizer``, or ``map_location`` names a GPU this machine lacks.

    Notebook: none (used by fit(checkpoint=..., resume=True))
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ValueError(f"path must be a checkpoint file, but {path!r} is a directory")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no checkpoint at {path!r}; train with fit(..., checkpoint={path!r}) first")
    _check_map_location(map_location)
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # truncated zip, pickle with custom classes, random bytes...
        raise ValueError(f"{path!r} is not a readable checkpoint (corrupt, truncated, or it holds "
                         f"objects other than tensors and plain containers): {err}") from err
    missing = [k for k in CHECKPOINT_KEYS if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise ValueError(f"{path!r} is not a tcnlib checkpoint: it lacks the keys {missing}")
    if model is not None:
        _check_model_state(path, ckpt["model"], model)
    if optimizer is not None:
        if ckpt["optimizer"] is None:
            raise ValueError(f"the checkpoint {path!r} holds no optimizer state")
        _check_optimizer_state(path, ckpt["optimizer"], ckpt.get("optimizer_class"), optimizer)
    if scheduler is not None and ckpt["scheduler"] is not None:
        saved = set(ckpt["scheduler"]) if isinstance(ckpt["scheduler"], dict) else set()
        if saved != set(scheduler.state_dict()):
            raise ValueError(f"the checkpoint {path!r} holds the state of another kind of scheduler than "
                             f"{type(scheduler).__name__}")
    history = History.from_dict(ckpt["history"])
    if model is not None:
        try:
            model.load_state_dict(ckpt["model"])
        except RuntimeError as err:
            raise ValueError(f"the checkpoint {path!r} does not fit this model: {err}") from err
    if optimizer is not None:
        optimizer.load_state_dict(ckpt["optimizer"])
    if scheduler is not None and ckpt["scheduler"] is not None:
        scheduler.load_state_dict(ckpt["scheduler"])
    ckpt["history"] = history
    return ckpt


def _check_checkpoint_path(checkpoint: Union[None, str, os.PathLike]) -> Optional[str]:
    if checkpoint is None:
        return None
    if not isinstance(checkpoint, (str, os.PathLike)):
        raise ValueError(f"checkpoint must be a file path or None, got {type(checkpoint).__name__}")
    path = os.fspath(checkpoint)
    if os.path.isdir(path):
        raise ValueError(f"checkpoint must be a file path, but {path!r} is a directory; "
                         f"name a file in it, e.g. {os.path.join(path, 'checkpoint.pt')!r}")
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise ValueError(f"checkpoint {path!r} cannot be written: {parent!r} is a file, not a folder")
    if not os.access(parent, os.W_OK):
        raise ValueError(f"checkpoint {path!r} cannot be written: no permission to write in {parent!r}")
    return path

"""Checks that catch a silently wrong training run before (or as soon as) it goes wrong.

A loss that broadcasts outputs against targets of another shape, an optimizer over another
model's parameters, callbacks that are not a list of functions, and the message that explains
a loss that became NaN or infinite. :func:`tcnlib.fit` runs them; none is called directly.

Notebook: none (used by fit)
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Callable, List, Optional, Tuple

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from .history import History

Callback = Callable[[int, History, nn.Module], Optional[bool]]


_ELEMENTWISE = {"sub", "__sub__", "__rsub__", "sub_", "add", "__add__", "__radd__", "mul", "__mul__", "__rmul__",
                "div", "__truediv__", "__rtruediv__", "pow", "__pow__", "abs", "mse_loss", "l1_loss",
                "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
                "soft_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "kl_div", "where", "minimum", "maximum"}


class _BroadcastWatch(TorchFunctionMode):
    """Notes an element-wise operation that broadcasts the output's shape against the targets' shape
    into a larger tensor: ``(B, 1, T)`` against ``(B, T)`` gives ``(B, B, T)``, a loss that trains on
    every pair of examples instead of each with its own target."""

    def __init__(self, out_shape: torch.Size, target_shape: torch.Size) -> None:
        super().__init__()
        self.shapes = {tuple(out_shape), tuple(target_shape)}
        self.found: Optional[Tuple[Tuple[int, ...], Tuple[int, ...], Tuple[int, ...]]] = None

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if self.found is None and name in _ELEMENTWISE:
            tensors = [a for a in list(args) + list(kwargs.values()) if isinstance(a, torch.Tensor)]
            shapes = [tuple(t.shape) for t in tensors]
            if len(shapes) >= 2 and shapes[0] != shapes[1] and {shapes[0], shapes[1]} == self.shapes:
                try:
                    joint = tuple(torch.broadcast_shapes(shapes[0], shapes[1]))
                except RuntimeError:
                    joint = ()
                if joint and math.prod(joint) > min(math.prod(shapes[0]), math.prod(shapes[1])):
                    self.found = (shapes[0], shapes[1], joint)
        return func(*args, **kwargs)


def _checked_loss(loss_fn: Callable) -> Callable:
    """``loss_fn`` whose first call refuses an output/target shape mismatch that broadcasts."""
    state = {"checked": False}

    def loss(out: Any, targets: Any) -> torch.Tensor:
        if state["checked"] or not (isinstance(out, torch.Tensor) and isinstance(targets, torch.Tensor)) \
                or out.shape == targets.shape:
            state["checked"] = True
            return loss_fn(out, targets)
        state["checked"] = True
        watch = _BroadcastWatch(out.shape, targets.shape)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Using a target size")  # we say it better below
            with watch:
                value = loss_fn(out, targets)
        if watch.found is not None:
            o, t = tuple(out.shape), tuple(targets.shape)
            raise ValueError(
                f"loss_fn broadcasts the model's output of shape {o} against targets of shape {t} into "
                f"{watch.found[2]}: one of them is repeated along a dimension, so the loss compares outputs "
                f"with targets that are not theirs. Give targets the output's shape (e.g. targets.reshape{o}) or change the model's "
                f"output")
        return value

    return loss


def _check_optimizer_covers(model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ValueError(f"optimizer must be a torch.optim optimizer, got {type(optimizer).__name__}")
    own = {id(p) for p in model.parameters()}
    opt = [p for g in optimizer.param_groups for p in g["params"]]
    if own and not any(id(p) in own for p in opt):
        raise ValueError("optimizer holds none of this model's parameters (was it built for another model, "
                         "or before the model was re-created?); build it as torch.optim.Adam(model.parameters())")



def _check_callbacks(callbacks: Any) -> List[Callback]:
    if callable(callbacks) or isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise ValueError(f"callbacks must be a list of functions cb(epoch, history, model), got "
                         f"{type(callbacks).__name__}; for one function write callbacks=[fn]")
    cbs = list(callbacks)
    bad = [c for c in cbs if not callable(c)]
    if bad:
        raise ValueError(f"callbacks must be a list of functions cb(epoch, history, model); {bad[0]!r} is not callable")
    return cbs


def _nonfinite_error(loss: float, epoch: int, step: int, epoch_step: int, batch: Any, lr: float,
                     checkpoint: Optional[str], saved_epoch: int) -> FloatingPointError:
    def finite(obj: Any) -> bool:
        if isinstance(obj, torch.Tensor):
            return not obj.is_floating_point() or bool(torch.isfinite(obj).all())
        if isinstance(obj, (list, tuple)):
            return all(finite(o) for o in obj)
        return True

    inputs, targets = batch
    cause = []
    if inputs is None and targets is None:  # found after the epoch (GPU): the batch is gone
        cause.append(f"look for NaN or inf in the data, lower the learning rate (now {lr:g}) or clip "
                     f"gradients (grad_clip=1.0)")
    elif not finite(inputs):
        cause.append("this batch's inputs hold NaN or inf")
    if not finite(targets):
        cause.append("this batch's targets hold NaN or inf")
    if not cause:
        cause.append(f"the data of this batch is finite, so the weights diverged: lower the learning rate "
                     f"(now {lr:g}) or clip gradients (grad_clip=1.0)")
    kept = (f"; the checkpoint {checkpoint!r} still holds epoch {saved_epoch}" if checkpoint and saved_epoch
            else "; no checkpoint was written with these weights")
    return FloatingPointError(f"training loss became {loss} at step {step} (epoch {epoch}, step {epoch_step} of "
                              f"the epoch): {'; '.join(cause)}. Training stopped{kept}.")


"""A small training loop for every lesson: ``fit`` a model, get a ``History`` of metrics back.

What ``fit`` does for you, and nothing more:

* picks the device (:func:`tcnlib.get_device`) and moves the model and each batch there;
* on a CUDA GPU, runs the forward pass under bfloat16 autocast and takes the **fast path**
  (``torch.compile`` with CUDA graphs, cuDNN autotuning), because a TCN training step is made
  of many small kernels whose launch overhead, not arithmetic, sets the pace;
* clips gradients, steps a learning-rate scheduler, evaluates on validation data with extra
  metrics, stops early when a monitored metric stops improving;
* writes a checkpoint after every epoch **atomically** (a temporary file, then ``os.replace``,
  so a crash never leaves half a file) holding only tensors and plain containers, so it loads
  with ``torch.load(path, weights_only=True)``; ``resume=True`` continues where it stopped
  (:mod:`tcnlib.checkpoints`);
* shows progress bars (``tqdm.auto``: a widget in Jupyter, plain text elsewhere).

Batches are ``(inputs, targets)`` pairs: the loss is ``loss_fn(model(inputs), targets)``
(``inputs`` may be a tuple, passed as ``model(*inputs)``). Training data is either an iterable
of batches (a ``DataLoader``, a list) re-iterated every epoch, or a function ``batch_fn(step)``
of the global step number returning one batch, for generated data such as the tasks of
:mod:`tcnlib.tasks` (seed it with ``step`` and every batch reproduces, resumed or not).

Notebook: 05_tcn_vs_rnn.ipynb (also used by 07 and 08)
"""
from __future__ import annotations

import contextlib
import math
import os
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from .checkpoints import CHECKPOINT_KEYS, _check_checkpoint_path, _set_rng_state, load_checkpoint, save_checkpoint
from .config import get_device
from .distributed import _shard, distributed_world
from .fit_checks import Callback, _check_callbacks, _check_optimizer_covers, _checked_loss, _nonfinite_error
from .history import History, _check_mode
from .utils import check_bool, check_module, check_positive_int

__all__ = [
    # defined here
    "fit", "evaluate", "make_train_step", "time_step", "fast_model", "resolve_amp", "resolve_compile",
    "AMP_CHOICES", "COMPILE_CHOICES", "Batch", "BatchFn", "Metric", "Callback",
    # re-exported from their own modules, where code has long found them as tcnlib.training.X
    "History", "save_checkpoint", "load_checkpoint", "CHECKPOINT_KEYS", "distributed_world",
]

Batch = Tuple[Any, Any]
BatchFn = Callable[[int], Batch]
Metric = Callable[[torch.Tensor, torch.Tensor], Union[float, torch.Tensor]]

AMP_CHOICES = ("auto", True, False)
COMPILE_CHOICES = ("auto", True, False)


# --- one training step ---------------------------------------------------------------------------

def _to(obj: Any, device: torch.device) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.to(device, non_blocking=True)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: _to(v, device) for k, v in obj.items()}
    return obj


def _call(model: Callable, inputs: Any) -> torch.Tensor:
    return model(*inputs) if isinstance(inputs, (list, tuple)) else model(inputs)


def resolve_amp(amp: Union[str, bool], device: torch.device) -> bool:
    """``amp="auto"`` means bfloat16 autocast on CUDA only; True/False force it on or off.

    Notebook: none (used by make_train_step and fit)
    """
    if amp not in AMP_CHOICES:
        raise ValueError(f"amp must be 'auto', True or False, got {amp!r}")
    return device.type == "cuda" if amp == "auto" else bool(amp)


def resolve_compile(compile: Union[str, bool], device: torch.device) -> bool:
    """``compile="auto"`` means the fast path (``torch.compile``) on CUDA only.

    Notebook: none (used by make_train_step and fit)
    """
    if compile not in COMPILE_CHOICES:
        raise ValueError(f"compile must be 'auto', True or False, got {compile!r}")
    return device.type == "cuda" if compile == "auto" else bool(compile)


def _autocast(device: torch.device, enabled: bool):
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def fast_model(model: nn.Module, device: torch.device) -> Callable:
    """The fast path: ``torch.compile`` the model; on CUDA with CUDA graphs.

    On a GPU, a TCN step launches a few hundred small kernels (pads, convolutions, weight-norm
    arithmetic, activations, their gradients), each costing microseconds of launch overhead
    while the arithmetic takes less. Compiling fuses the pointwise work, and
    ``mode="reduce-overhead"`` records the whole forward and backward into CUDA graphs that
    replay with one launch. Shapes are static: each new input length compiles once more.
    On the CPU the default mode is used (fusion, no graphs).

    Returns:
        A callable with the model's forward signature, sharing the model's parameters.

    Notebook: none (used by make_train_step and fit)
    """
    check_module("model", model)
    if not isinstance(device, torch.device):
        raise ValueError(f"device must be a torch.device (e.g. torch.device('cpu')), got {device!r}")
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        return torch.compile(model, mode="reduce-overhead", dynamic=False)
    return torch.compile(model, dynamic=False)


def make_train_step(model: nn.Module, loss_fn: Callable, optimizer: torch.optim.Optimizer,
                    device: Optional[torch.device] = None, amp: Union[str, bool] = "auto",
                    compile: Union[str, bool] = "auto", grad_clip: Optional[float] = None
                    ) -> Callable[[Any, Any], torch.Tensor]:
    """Build ``step(inputs, targets) -> loss``: forward, backward, clipping and optimizer step.

    The batch must already be on ``device``. The returned loss is detached (a 0-d tensor; call
    ``.item()`` only when you need the number, since on a GPU that waits for the step).

    Args:
        model: the model, already on ``device``.
        loss_fn: ``loss_fn(output, targets) -> scalar tensor``.
        optimizer: any ``torch.optim`` optimizer over ``model``'s parameters.
        device: where the step runs (``None``: the device of the model's first parameter).
        amp: ``"auto"`` (bfloat16 autocast on CUDA only), True or False.
        compile: ``"auto"`` (the fast path of :func:`fast_model` on CUDA only), True or False.
        grad_clip: clip the global gradient norm to this value (``None``: no clipping).

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    check_module("model", model)
    if device is None:
        device = next(model.parameters()).device
    use_amp = resolve_amp(amp, device)
    forward = fast_model(model, device) if resolve_compile(compile, device) else model
    graphs = device.type == "cuda" and forward is not model
    if grad_clip is not None and not grad_clip > 0:
        raise ValueError(f"grad_clip must be a positive number or None, got {grad_clip!r}")
    params = [p for p in model.parameters() if p.requires_grad]

    def step(inputs: Any, targets: Any) -> torch.Tensor:
        if graphs:
            torch.compiler.cudagraph_mark_step_begin()
        optimizer.zero_grad(set_to_none=True)
        with _autocast(device, use_amp):
            loss = loss_fn(_call(forward, inputs), targets)
        loss.backward()
        if grad_clip is not None:
            nn.utils.clip_grad_norm_(params, grad_clip)
        optimizer.step()
        # A copy: with CUDA graphs the graph's own output buffer is overwritten next step.
        return loss.detach().float().clone()

    step.forward = forward  # type: ignore[attr-defined]
    step.amp = use_amp  # type: ignore[attr-defined]
    return step


def time_step(step: Callable[[Any, Any], Any], inputs: Any, targets: Any, reps: int = 5,
              warmup: int = 2) -> List[float]:
    """Time ``step(inputs, targets)``: ``warmup`` untimed calls, then ``reps`` timed ones.

    Waits for the GPU before reading the clock, so CUDA timings are honest.

    Returns:
        The ``reps`` durations in seconds.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    if reps < 1 or warmup < 0:
        raise ValueError(f"reps must be >= 1 and warmup >= 0, got reps={reps}, warmup={warmup}")
    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    for _ in range(warmup):
        step(inputs, targets)
    sync()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step(inputs, targets)
        sync()
        times.append(time.perf_counter() - t0)
    return times


# --- evaluation ----------------------------------------------------------------------------------

def evaluate(model: Callable, data: Iterable[Batch], loss_fn: Callable,
             metrics: Optional[Dict[str, Metric]] = None, device: Optional[torch.device] = None,
             amp: bool = False) -> Dict[str, float]:
    """Average loss and metrics over ``data`` (weighted by batch size), without gradients.

    Args:
        model: the model (or its compiled forward); put it in eval mode yourself.
        data: an iterable of ``(inputs, targets)`` batches.
        loss_fn: ``loss_fn(output, targets)``.
        metrics: ``{name: fn(output, targets) -> number}``.
        device: where to compute (``None``: leave batches where they are).
        amp: run under bfloat16 autocast.

    Returns:
        ``{"loss": ..., name: ...}`` as floats.

    Raises:
        ValueError: if ``data`` holds no batch.

    Notebook: none (used by fit on its validation data)
    """
    if data is None or isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
        raise ValueError(f"data must be an iterable of (inputs, targets) batches, got {type(data).__name__}")
    if metrics is not None and not isinstance(metrics, dict):
        raise ValueError(f"metrics must be a dict {{name: fn(output, targets)}}, got {type(metrics).__name__}")
    metrics = metrics or {}
    totals: Dict[str, float] = {"loss": 0.0, **{k: 0.0 for k in metrics}}
    count = 0
    with torch.no_grad():
        for batch in data:
            inputs, targets = _unpack(batch)
            if device is not None:
                inputs, targets = _to(inputs, device), _to(targets, device)
            dev = device or _device_of(inputs)
            with _autocast(dev, amp):
                out = _call(model, inputs)
            out = out.float() if isinstance(out, torch.Tensor) else out
            n = _batch_size(targets)
            totals["loss"] += float(loss_fn(out, targets)) * n
            for name, fn in metrics.items():
                totals[name] += float(fn(out, targets)) * n
            count += n
    if count == 0:
        raise ValueError("val holds no batch; pass a non-empty list or DataLoader of (inputs, targets)")
    return {k: v / count for k, v in totals.items()}


def _unpack(batch: Any) -> Batch:
    if not isinstance(batch, (list, tuple)) or len(batch) != 2:
        raise ValueError(f"each batch must be a pair (inputs, targets), got {type(batch).__name__}"
                         + (f" of length {len(batch)}" if isinstance(batch, (list, tuple)) else ""))
    return batch[0], batch[1]


def _batch_size(targets: Any) -> int:
    t = targets[0] if isinstance(targets, (list, tuple)) else targets
    return int(t.shape[0]) if isinstance(t, torch.Tensor) and t.dim() > 0 else 1


def _device_of(inputs: Any) -> torch.device:
    t = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
    return t.device if isinstance(t, torch.Tensor) else torch.device("cpu")




# --- the loop --------------------------------------------------------------------------------

def _progress_bar(enabled: bool, total: Optional[int], initial: int):
    """One bar over all steps of a fit: a widget in Jupyter, plain text in a terminal or log."""
    if not enabled:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, initial=initial, desc="training", unit="step", dynamic_ncols=True)


def _epoch_batches(train: Union[Iterable[Batch], BatchFn], first_step: int,
                   steps_per_epoch: Optional[int]) -> Iterable[Batch]:
    if callable(train) and not hasattr(train, "__iter__"):
        for i in range(steps_per_epoch or 0):
            yield train(first_step + i)
        return
    for i, batch in enumerate(train):
        if steps_per_epoch is not None and i >= steps_per_epoch:
            return
        yield batch


def fit(model: nn.Module, train: Union[Iterable[Batch], BatchFn], loss_fn: Callable,
        optimizer: torch.optim.Optimizer, epochs: int = 1, steps_per_epoch: Optional[int] = None,
        val: Optional[Iterable[Batch]] = None, metrics: Optional[Dict[str, Metric]] = None,
        device: Union[None, str, torch.device] = None, amp: Union[str, bool] = "auto",
        compile: Union[str, bool] = "auto", grad_clip: Optional[float] = None,
        scheduler: Optional[Any] = None, scheduler_interval: str = "epoch",
        monitor: Optional[str] = None, mode: str = "min", patience: Optional[int] = None,
        checkpoint: Union[None, str, os.PathLike] = None, resume: bool = False,
        progress: bool = True, callbacks: Sequence[Callback] = (),
        restore_best: bool = False) -> History:
    """Train ``model`` for ``epochs`` epochs and return the :class:`History` of metrics.

    Args:
        model: any ``nn.Module``; it is moved to ``device``.
        train: an iterable of ``(inputs, targets)`` batches (re-iterated each epoch), or a
            function ``batch_fn(step) -> (inputs, targets)`` of the global step (0, 1, ...).
        loss_fn: ``loss_fn(model(inputs), targets) -> scalar tensor``.
        optimizer: a ``torch.optim`` optimizer over the model's parameters.
        epochs: total number of epochs (with ``resume``, counted from the very start).
        steps_per_epoch: steps per epoch; required with a ``batch_fn``, optional with an
            iterable (it then cuts each epoch short).
        val: validation batches (a list or ``DataLoader`` of ``(inputs, targets)``), evaluated
            after every epoch into ``val_loss`` and ``val_<metric>``.
        metrics: ``{name: fn(output, targets) -> number}`` computed on ``val``.
        device: ``None`` (automatic: :func:`tcnlib.get_device`), ``"cpu"``, ``"cuda"``...
        amp: ``"auto"`` (bfloat16 autocast on CUDA only), True or False.
        compile: ``"auto"`` (the fast path on CUDA only, see :func:`fast_model`), True or False.
        grad_clip: maximum global gradient norm (``None``: no clipping).
        scheduler: a learning-rate scheduler, stepped once per epoch (or per step with
            ``scheduler_interval="step"``); ``ReduceLROnPlateau`` gets the monitored value.
        scheduler_interval: ``"epoch"`` or ``"step"``.
        monitor: the metric early stopping and ``restore_best`` watch (default ``val_loss`` with
            ``val``, else ``train_loss``).
        mode: ``"min"`` or ``"max"``: whether smaller or larger ``monitor`` is better.
        patience: stop after this many epochs without improvement (``None``: never).
        checkpoint: a file path; a checkpoint is written there atomically after every epoch.
        resume: continue from ``checkpoint`` if that file exists (model, optimizer, scheduler,
            history and random generators restored), up to ``epochs`` in total.
        progress: show one progress bar over all steps and a line per epoch (False: silent).
        callbacks: a list of functions ``cb(epoch, history, model)`` called after every epoch;
            one that returns True stops training.
        restore_best: at the end, load the weights of the epoch with the best ``monitor`` value
            (kept in memory, and in the checkpoint so that a resumed run knows it too).

    Returns:
        The :class:`History`, one entry per epoch (including resumed ones).

    Raises:
        ValueError: for bad arguments (each message names the argument), ``resume`` without
            ``checkpoint``, a checkpoint path that is a folder, an optimizer over another model's
            parameters, or a loss that broadcasts outputs against targets of another shape.
        FloatingPointError: when the training loss becomes NaN or infinite (the message names
            the step and epoch); the last checkpoint is never overwritten with such weights.

    Several processes: started by ``torchrun --nproc_per_node=N script.py`` (``WORLD_SIZE`` > 1
    in the environment), ``fit`` joins the process group (gloo on CPUs, NCCL on GPUs, one GPU
    per process), wraps the model in ``DistributedDataParallel`` and gives each process its
    ``1/N`` of the rows of every global batch (the batch size must be divisible by N), so the
    gradient averaged over the processes is that of the whole batch: N processes train the
    same weights as one. Only rank 0 prints and writes checkpoints. One process is the default.

    Notebook: 05_tcn_vs_rnn.ipynb
    """
    epochs = check_positive_int("epochs", epochs)
    is_fn = callable(train) and not hasattr(train, "__iter__")
    if is_fn and steps_per_epoch is None:
        raise ValueError("steps_per_epoch is required when train is a batch function batch_fn(step)")
    if not is_fn and not hasattr(train, "__iter__"):
        raise ValueError(f"train must be an iterable of (inputs, targets) batches or a function "
                         f"batch_fn(step), got {type(train).__name__}")
    if steps_per_epoch is not None:
        try:
            steps_per_epoch = check_positive_int("steps_per_epoch", steps_per_epoch)
        except ValueError:
            raise ValueError(f"steps_per_epoch must be a positive integer or None, got {steps_per_epoch!r}") from None
    if scheduler_interval not in ("epoch", "step"):
        raise ValueError(f"scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}")
    _check_mode(mode)
    if patience is not None:
        try:
            patience = check_positive_int("patience", patience)
        except ValueError:
            raise ValueError(f"patience must be a positive integer or None, got {patience!r}") from None
    resume = check_bool("resume", resume)
    progress = check_bool("progress", progress)
    restore_best = check_bool("restore_best", restore_best)
    if resume and checkpoint is None:
        raise ValueError("resume=True needs checkpoint=<path> to resume from")
    checkpoint = _check_checkpoint_path(checkpoint)
    callbacks = _check_callbacks(callbacks)
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise ValueError(f"loss_fn must be a function loss_fn(output, targets), got {type(loss_fn).__name__}")
    _check_optimizer_covers(model, optimizer)
    monitor = monitor or ("val_loss" if val is not None else "train_loss")
    watched = patience is not None or restore_best
    if not monitor.startswith("val_") and monitor not in ("train_loss", "lr") and watched:
        raise ValueError(f"monitor must be 'train_loss', 'val_loss' or 'val_<metric>', got {monitor!r}")
    if monitor.startswith("val_") and val is None:
        raise ValueError(f"monitor={monitor!r} needs val= data to evaluate on (or monitor='train_loss')")
    if monitor.startswith("val_") and monitor != "val_loss" and monitor[4:] not in (metrics or {}) and watched:
        raise ValueError(f"monitor={monitor!r} names no metric; metrics has {sorted(metrics or {})}")

    rank, local_rank, world = distributed_world()
    if world > 1 and device is None:
        device = f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu"
    elif world > 1 and str(device) == "cuda":
        device = f"cuda:{local_rank}"
    try:
        device = get_device(None if device is None else str(device))
    except ValueError as err:  # get_device names its own argument, `prefer`
        raise ValueError(str(err).replace("prefer", "device")) from None
    created_group = False
    if world > 1:
        import torch.distributed as dist
        if not dist.is_initialized():
            if device.type == "cuda":
                torch.cuda.set_device(device)
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
            created_group = True
    try:
        return _fit_loop(model, train, loss_fn, optimizer, epochs, steps_per_epoch, val, metrics, device, amp,
                         compile, grad_clip, scheduler, scheduler_interval, monitor, mode, patience,
                         checkpoint, resume, progress and rank == 0, callbacks, restore_best, rank, world)
    finally:
        if created_group:
            import torch.distributed as dist
            dist.destroy_process_group()


def _fit_loop(model: nn.Module, train: Union[Iterable[Batch], BatchFn], loss_fn: Callable,
              optimizer: torch.optim.Optimizer, epochs: int, steps_per_epoch: Optional[int],
              val: Optional[Iterable[Batch]], metrics: Optional[Dict[str, Metric]], device: torch.device,
              amp: Union[str, bool], compile: Union[str, bool], grad_clip: Optional[float], scheduler: Optional[Any],
              scheduler_interval: str, monitor: str, mode: str, patience: Optional[int],
              checkpoint: Optional[str], resume: bool, progress: bool, callbacks: List[Callback],
              restore_best: bool, rank: int, world: int) -> History:
    """The body of :func:`fit`, its arguments checked (``rank``/``world`` from torchrun, else 0/1)."""
    model.to(device)
    history = History()
    start_epoch, step_count = 0, 0
    best_state: Optional[Dict[str, torch.Tensor]] = None
    if resume and checkpoint is not None and os.path.isfile(checkpoint):
        ckpt = load_checkpoint(checkpoint, model, optimizer, scheduler, map_location=device)
        history, start_epoch, step_count = ckpt["history"], ckpt["epoch"], ckpt["step"]
        best_state = ckpt.get("best_model")
        _set_rng_state(ckpt["rng"])
    saved_epoch = start_epoch
    use_amp = resolve_amp(amp, device)
    trained: nn.Module = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel
        trained = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    step = make_train_step(trained, _checked_loss(loss_fn), optimizer, device, amp=use_amp, compile=compile,
                           grad_clip=grad_clip)
    evaluator = step.forward if world == 1 else model  # type: ignore[attr-defined]
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    per_epoch = steps_per_epoch if steps_per_epoch is not None else _len_or_none(train)
    bar = _progress_bar(progress, None if per_epoch is None else per_epoch * epochs, step_count)
    check_each_step = device.type != "cuda"  # on a GPU, reading the loss every step would stall it

    def all_mean(t: torch.Tensor) -> torch.Tensor:
        if world > 1:
            import torch.distributed as dist
            t = t.clone()
            dist.all_reduce(t)
            t /= world
        return t

    def better(value: float, best: Optional[float]) -> bool:
        return math.isfinite(value) and (best is None or (value < best if mode == "min" else value > best))

    best_value: Optional[float] = None
    if restore_best and len(history) and monitor in history:
        try:
            best_value = history.best(monitor, mode)[1]
        except ValueError:
            best_value = None

    for epoch in range(start_epoch + 1, epochs + 1):
        if _should_stop(history, monitor, mode, patience):
            break
        model.train()
        t0 = time.perf_counter()
        losses: List[torch.Tensor] = []
        for batch in _epoch_batches(train, step_count, steps_per_epoch):
            inputs, targets = _unpack(batch)
            if world > 1:
                inputs, targets = _shard(inputs, rank, world), _shard(targets, rank, world)
            loss = step(_to(inputs, device), _to(targets, device))
            step_count += 1
            if check_each_step:
                value = float(all_mean(loss))
                if not math.isfinite(value):
                    raise _nonfinite_error(value, epoch, step_count, len(losses) + 1, (inputs, targets),
                                           optimizer.param_groups[0]["lr"], checkpoint, saved_epoch)
            losses.append(loss)
            if bar is not None:
                bar.update(1)
            if scheduler is not None and scheduler_interval == "step" and not plateau:
                scheduler.step()
        if not losses:
            raise ValueError("train produced no batch in this epoch; is the DataLoader empty?")
        stacked = all_mean(torch.stack(losses))
        if not check_each_step and not bool(torch.isfinite(stacked).all()):
            first = int((~torch.isfinite(stacked)).nonzero()[0])
            raise _nonfinite_error(float(stacked[first]), epoch, step_count - len(losses) + first + 1, first + 1,
                                   (None, None), optimizer.param_groups[0]["lr"], checkpoint, saved_epoch)
        row = {"epoch": epoch, "step": step_count, "train_loss": float(stacked.sum()) / len(losses),
               "lr": optimizer.param_groups[0]["lr"]}
        if val is not None:
            model.eval()
            scores = evaluate(evaluator, val, loss_fn, metrics, device, use_amp)
            row.update({f"val_{k}": v for k, v in scores.items()})
            model.train()
        row["epoch_time"] = time.perf_counter() - t0
        history.append(row)
        if restore_best and monitor in row and better(row[monitor], best_value):
            best_value = row[monitor]
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if scheduler is not None and (scheduler_interval == "epoch" or plateau):
            if plateau:
                scheduler.step(row[monitor])
            else:
                scheduler.step()
        if checkpoint is not None and rank == 0:
            save_checkpoint(checkpoint, model, optimizer, epoch, step_count, history, scheduler,
                            best_model=best_state if restore_best else None)
            saved_epoch = epoch
        if bar is not None:
            shown = ", ".join(f"{k} {row[k]:.4g}" for k in row if k not in ("epoch", "step", "epoch_time"))
            bar.set_postfix_str(f"epoch {epoch}: {shown}")
            bar.write(f"epoch {epoch}/{epochs}: {shown} (epoch time: {row['epoch_time']:.1f} s)")
        if any(cb(epoch, history, model) for cb in callbacks):
            break
    if bar is not None:
        bar.close()
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
        if progress:
            print(f"restored the weights of epoch {history.best(monitor, mode)[0]} "
                  f"({monitor} {best_value:.4g})")
    model.eval()
    return history


def _len_or_none(obj: Any) -> Optional[int]:
    try:
        return len(obj)
    except TypeError:
        return None


def _should_stop(history: History, monitor: str, mode: str, patience: Optional[int]) -> bool:
    """True when ``monitor`` has not improved during the last ``patience`` epochs."""
    if patience is None or len(history) <= patience or monitor not in history:
        return False
    if all(math.isnan(v) for v in history[monitor]):
        return False
    best_epoch, _ = history.best(monitor, mode)
    return history["epoch"][-1] - best_epoch >= patience

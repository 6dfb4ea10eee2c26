"""Small rules used all over tcnlib, written once: argument checks, atomic writes, eval mode,
parameter counts and the padding of causal and "same" convolutions.

Pure Python/NumPy (``torch`` only for type hints): every module of the package may import it.

Notebook: none (used by the other tcnlib modules)
"""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

if TYPE_CHECKING:
    from torch import nn

PathLike = Union[str, os.PathLike]


# ----------------------------------------------------------------------------- argument checks


def is_int(value: object) -> bool:
    """True for a Python or NumPy integer, False for a bool, a float (even ``3.0``) or anything else.

    Notebook: none (used by the other tcnlib modules)
    """
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _int_words(minimum: int, unit: Optional[str]) -> str:
    if minimum == 1:
        return "a positive integer" + (f" number of {unit}" if unit else "")
    return f"an integer >= {minimum}" + (f" {unit}" if unit else "")


def check_int(name: str, value: object, minimum: int = 1, unit: Optional[str] = None) -> int:
    """``value`` as an ``int`` if it is an integer ``>= minimum``, else a ``ValueError`` naming ``name``.

    Python and NumPy integers pass; bools, floats and strings do not. Messages read
    ``"n_layers must be a positive integer, got 0"`` (``minimum=1``) or
    ``"widen must be an integer >= 0 frames, got -1"`` (``minimum=0, unit="frames"``).

    Args:
        name: the argument's name, as the caller's signature spells it.
        value: what was passed.
        minimum: the smallest accepted value.
        unit: optional unit for the message (``"frames"``, ``"samples"``).

    Returns:
        ``int(value)``.

    Raises:
        ValueError: if ``value`` is not an integer or is below ``minimum``.

    Notebook: none (used by the other tcnlib modules)
    """
    if not is_int(value) or value < minimum:  # type: ignore[operator]
        raise ValueError(f"{name} must be {_int_words(minimum, unit)}, got {value!r}")
    return int(value)  # type: ignore[arg-type]


def check_positive_int(name: str, value: object, unit: Optional[str] = None) -> int:
    """:func:`check_int` with ``minimum=1``: ``"X must be a positive integer, got 0"``.

    Notebook: none (used by the other tcnlib modules)
    """
    return check_int(name, value, 1, unit)


def check_non_negative_int(name: str, value: object, unit: Optional[str] = None) -> int:
    """:func:`check_int` with ``minimum=0``: ``"X must be an integer >= 0, got -1"``.

    Notebook: none (used by the other tcnlib modules)
    """
    return check_int(name, value, 0, unit)


def check_int_list(name: str, values: object, minimum: int = 1) -> List[int]:
    """A non-empty sequence of integers ``>= minimum`` as a list of ``int``.

    Messages: ``"dilations must not be empty"``, ``"dilations must be positive integers, got [1, 0, 4]"``
    (``minimum=1``) or ``"... must be integers >= 0, got ..."``. A string, a bare number or a
    multi-dimensional array is not a list of integers.

    Raises:
        ValueError: as above.

    Notebook: none (used by the other tcnlib modules)
    """
    kind = "positive integers" if minimum == 1 else f"integers >= {minimum}"
    if isinstance(values, (str, bytes)) or (isinstance(values, np.ndarray) and values.ndim != 1):
        raise ValueError(f"{name} must be a list of {kind}, got {values!r}")
    try:
        vals = list(values)  # type: ignore[call-overload]
    except TypeError:
        raise ValueError(f"{name} must be a list of {kind}, got {values!r}") from None
    if len(vals) == 0:
        raise ValueError(f"{name} must not be empty")
    if any(not is_int(v) or v < minimum for v in vals):
        raise ValueError(f"{name} must be {kind}, got {vals}")
    return [int(v) for v in vals]


def check_bool(name: str, value: object) -> bool:
    """``value`` if it is ``True`` or ``False`` (a NumPy bool too), else a ``ValueError``.

    ``causal="no"`` or ``causal=0`` would silently mean something else, so they are refused:
    ``"causal must be True or False, got 'no'"``.

    Notebook: none (used by the other tcnlib modules)
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_module(name: str, value: object, what: str = "a torch.nn.Module") -> "nn.Module":
    """``value`` if it is a ``torch.nn.Module``, else ``"model must be a torch.nn.Module, got str"``.

    Notebook: none (used by the other tcnlib modules)
    """
    from torch import nn

    if not isinstance(value, nn.Module):
        kind = what if what == "a torch.nn.Module" else f"{what} (a torch.nn.Module)"
        raise ValueError(f"{name} must be {kind}, got {type(value).__name__}")
    return value


# ----------------------------------------------------------------------------- padding


def padding_amounts(kernel_size: int, dilation: int = 1, causal: bool = True) -> Tuple[int, int]:
    """Zeros a stride-1 convolution pads on the left and right to keep the length.

    The window of a dilated convolution spans ``total = (kernel_size - 1) * dilation`` steps
    beside the output's own. A causal convolution pads all of them on the left (output ``t``
    sees ``t - total ... t``); a "same" one pads ``total - total // 2`` on the left and
    ``total // 2`` on the right (the extra step of an odd total goes to the past).

    This one rule is used by the convolution (:class:`tcnlib.DilatedConv1d`), the receptive-field
    geometry (:func:`tcnlib.field_span`, :func:`tcnlib.cone_offsets`) and the stack plot.

    Example:
        >>> padding_amounts(3, 4, causal=True), padding_amounts(3, 4, causal=False)
        ((8, 0), (4, 4))

    Returns:
        ``(left, right)`` in input steps.

    Raises:
        ValueError: for a kernel size or dilation that is not a positive integer, or a
            non-bool ``causal``.

    Notebook: none (used by tcnlib.DilatedConv1d, tcnlib.field_span and the stack plot)
    """
    k = check_positive_int("kernel_size", kernel_size)
    d = check_positive_int("dilation", dilation)
    total = (k - 1) * d
    if check_bool("causal", causal):
        return total, 0
    return total - total // 2, total // 2


# ----------------------------------------------------------------------------- files


def _file_mode(target: Path) -> int:
    """Permission bits a plain ``open(target, "w")`` would give: the existing file's, else 0o666 - umask."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def atomic_write(path: PathLike, mode: str = "w", encoding: Optional[str] = "utf-8",
                 newline: Optional[str] = None) -> Iterator[IO[Any]]:
    """Write a file so that readers see the old content or the new one, never half a file.

    Yields a file object on a temporary file with a unique name in the same folder; when the
    ``with`` block ends without an error, the data is flushed and fsynced, the temporary file
    gets the permissions a plain ``open`` would give (the old file's, else ``0o666`` minus the
    umask) and ``os.replace`` puts it at ``path``. On any error the temporary file is removed and
    ``path`` is untouched. The parent folder is created if needed.

    Example:
        >>> with atomic_write("notes.txt") as f:          # doctest: +SKIP
        ...     f.write("hello\\n")

    Args:
        path: the file to write.
        mode: ``"w"`` (text) or ``"wb"`` (binary).
        encoding: text encoding (text mode only).
        newline: as for :func:`open` (text mode only).

    Raises:
        ValueError: for another ``mode``, or a ``path`` that is a folder.
        OSError: ``"no space left on device while writing <path>"`` when the disk is full, or
            the error of the file system otherwise.

    Notebook: none (used by tcnlib's writers: .beats files, checkpoints, audio, caches)
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"path {str(target)!r} is a folder (directory), not a file; give a file name inside it")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        kwargs = {} if mode == "wb" else {"encoding": encoding, "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:
            raise OSError(errno.ENOSPC, f"no space left on device while writing {target}") from err
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (not possible everywhere)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# ----------------------------------------------------------------------------- models


@contextlib.contextmanager
def eval_mode(model: "nn.Module") -> Iterator["nn.Module"]:
    """Put ``model`` in eval mode for a ``with`` block, then restore every submodule's own mode.

    Restoring module by module (not ``model.train(was_training)``) keeps a submodule that was
    deliberately left in eval mode (a frozen BatchNorm) as it was. Gradients are not switched
    off: add ``torch.no_grad()`` where that is wanted.

    Example:
        >>> with eval_mode(model), torch.no_grad():       # doctest: +SKIP
        ...     y = model(x)

    Notebook: none (used by tcnlib's evaluation helpers)
    """
    check_module("model", model)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for m, training in modes:
            m.training = training


def count_parameters(model: "nn.Module", trainable_only: bool = True) -> int:
    """Number of parameters of ``model`` (weight norm's ``g`` and ``v`` both count).

    Args:
        model: any ``nn.Module``.
        trainable_only: count only parameters with ``requires_grad`` (the default).

    Raises:
        ValueError: if ``model`` is not a ``torch.nn.Module``.

    Notebook: 05_tcn_vs_rnn.ipynb, 06_cnn2d_clip_classification.ipynb, 07_tcn_beat_tracking.ipynb
    """
    check_module("model", model)
    trainable_only = check_bool("trainable_only", trainable_only)
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


__all__ = ["atomic_write", "check_bool", "check_int", "check_int_list", "check_module", "check_non_negative_int",
           "check_positive_int", "count_parameters", "eval_mode", "is_int", "padding_amounts"]


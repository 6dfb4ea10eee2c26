"""Several processes started by ``torchrun``: who this process is, and its share of a batch.

:func:`tcnlib.fit` reads :func:`distributed_world`; with more than one process it joins the
process group, wraps the model in ``DistributedDataParallel`` and trains each process on its
rows of every global batch.

Notebook: none (used by fit)
"""
from __future__ import annotations

import os
from typing import Any, Tuple

import torch


def distributed_world() -> Tuple[int, int, int]:
    """``(rank, local_rank, world_size)`` from the environment ``torchrun`` sets; ``(0, 0, 1)`` without it.

    Notebook: none (used by fit)
    """
    values = []
    for name, default in (("WORLD_SIZE", "1"), ("RANK", "0"), ("LOCAL_RANK", "0")):
        text = os.environ.get(name, default) or default
        try:
            values.append(int(text))
        except ValueError:
            raise ValueError(f"the environment variable {name} must be an integer (torchrun sets it), "
                             f"got {text!r}") from None
    world, rank, local_rank = values
    if world <= 1:
        return 0, 0, 1
    return rank, local_rank, world


def _shard(batch: Any, rank: int, world: int) -> Any:
    """This process's rows of a global batch: rows ``rank*n .. (rank+1)*n`` of every tensor (dim 0)."""
    if isinstance(batch, torch.Tensor):
        if batch.dim() == 0:
            return batch
        if batch.shape[0] % world:
            raise ValueError(f"the global batch of {batch.shape[0]} examples cannot be split evenly across "
                             f"{world} processes; use a batch size divisible by {world}")
        n = batch.shape[0] // world
        return batch[rank * n:(rank + 1) * n]
    if isinstance(batch, (list, tuple)):
        return type(batch)(_shard(b, rank, world) for b in batch)
    if isinstance(batch, dict):
        return {k: _shard(v, rank, world) for k, v in batch.items()}
    return batch


"""The per-epoch metrics of a training run: :class:`History`, what :func:`tcnlib.fit` returns.

Notebook: 05_tcn_vs_rnn.ipynb
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple


@dataclass
class History:
    """Per-epoch metrics of a training run: a dict of equally long lists.

    Keys: ``epoch`` (1-based), ``step`` (global steps done), ``train_loss``, ``lr``,
    ``epoch_time`` (seconds), and when validating ``val_loss`` and ``val_<metric>``.

    Notebook: 05_tcn_vs_rnn.ipynb
    """

    metrics: Dict[str, List[float]] = field(default_factory=dict)

    def append(self, row: Dict[str, float]) -> None:
        """Add one epoch's values (new keys start a list padded with NaN for earlier epochs)."""
        n = len(self)
        for key in row:
            if key not in self.metrics:
                self.metrics[key] = [math.nan] * n
        for key, values in self.metrics.items():
            values.append(float(row.get(key, math.nan)))

    def __len__(self) -> int:
        return len(next(iter(self.metrics.values()))) if self.metrics else 0

    def __getitem__(self, key: str) -> List[float]:
        if key not in self.metrics:
            raise KeyError(f"history has no metric {key!r}; it has {sorted(self.metrics)}")
        return self.metrics[key]

    def __contains__(self, key: object) -> bool:
        return key in self.metrics

    def best(self, monitor: str = "val_loss", mode: str = "min") -> Tuple[int, float]:
        """Return ``(epoch, value)`` of the best value of ``monitor`` so far (NaN-free epochs only)."""
        _check_mode(mode)
        values = self[monitor]
        pairs = [(v, i) for i, v in enumerate(values) if not math.isnan(v)]
        if not pairs:
            raise ValueError(f"history has no finite value of {monitor!r} yet")
        v, i = (min if mode == "min" else max)(pairs, key=lambda p: p[0])
        return int(self["epoch"][i]) if "epoch" in self else i + 1, v

    def to_dict(self) -> Dict[str, List[float]]:
        """A plain dict of lists (what checkpoints store)."""
        return {k: list(v) for k, v in self.metrics.items()}

    @classmethod
    def from_dict(cls, data: Dict[str, Sequence[float]]) -> "History":
        """Rebuild a History from :meth:`to_dict`'s output."""
        if not isinstance(data, dict) or len({len(v) for v in data.values()}) > 1:
            raise ValueError("history must be a dict of equally long lists of numbers")
        return cls({str(k): [float(x) for x in v] for k, v in data.items()})


def _check_mode(mode: str) -> None:
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")

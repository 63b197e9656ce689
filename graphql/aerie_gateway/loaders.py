"""Per-request dataloaders: one query per field per page, never one per employee."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import partial
from typing import Any

from psycopg_pool import AsyncConnectionPool
from strawberry.dataloader import DataLoader

Batch = Callable[[AsyncConnectionPool, list[Any]], Awaitable[Sequence[Any]]]
"""``async (pool, keys) -> values``, one value per key, in the keys' order."""


class Loaders:
    """The dataloaders of one request, made on first use from module-level batch functions."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool
        self._made: dict[Hashable, DataLoader[Any, Any]] = {}

    def of(self, batch: Batch) -> DataLoader[Any, Any]:
        """The request's loader for ``batch`` (one per batch function and request)."""
        loader = self._made.get(batch)
        if loader is None:
            loader = self._made[batch] = DataLoader(partial(batch, self.pool))
        return loader

"""Per-request dataloaders: one query per field per page, never one per employee."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aerie_projections.profile import queries as profile
from psycopg_pool import AsyncConnectionPool
from strawberry.dataloader import DataLoader

from aerie_gateway.types import Issue, TrainingPassed


@dataclass
class Loaders:
    profiles: DataLoader[str, dict[str, Any] | None]
    trainings: DataLoader[str, list[TrainingPassed]]
    open_issues: DataLoader[str, list[Issue]]


def build_loaders(pool: AsyncConnectionPool) -> Loaders:
    async def profiles(keys: list[str]) -> list[dict[str, Any] | None]:
        async with pool.connection() as conn:
            rows = await profile.employees(conn, keys)
        return [rows.get(k) for k in keys]

    async def trainings(keys: list[str]) -> list[list[TrainingPassed]]:
        async with pool.connection() as conn:
            rows = await profile.trainings_of(conn, keys)
        return [[TrainingPassed(**r) for r in rows.get(k, [])] for k in keys]

    async def open_issues(keys: list[str]) -> list[list[Issue]]:
        async with pool.connection() as conn:
            rows = await profile.open_issues_of(conn, keys)
        return [[Issue(**r) for r in rows.get(k, [])] for k in keys]

    return Loaders(DataLoader(profiles), DataLoader(trainings), DataLoader(open_issues))

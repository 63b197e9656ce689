"""Per-request dataloaders: one query per field per page, never one per employee."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from strawberry.dataloader import DataLoader

from aerie_gateway.types import Issue, TrainingPassed

SCHEMA = "aerie_read"


async def _grouped(pool: AsyncConnectionPool, query: str, keys: list[str]) -> dict[str, list[Any]]:
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, (keys,))
        grouped: dict[str, list[Any]] = defaultdict(list)
        for row in await cur.fetchall():
            grouped[row.pop("employee_id")].append(row)
        return grouped


@dataclass
class Loaders:
    trainings: DataLoader[str, list[TrainingPassed]]
    open_issues: DataLoader[str, list[Issue]]


def build_loaders(pool: AsyncConnectionPool) -> Loaders:
    async def trainings(keys: list[str]) -> list[list[TrainingPassed]]:
        rows = await _grouped(
            pool,
            f"SELECT employee_id, course_id, course_title, score, passed_on FROM {SCHEMA}.training_passed "
            "WHERE employee_id = ANY(%s) ORDER BY passed_on, position",
            keys,
        )
        return [[TrainingPassed(**r) for r in rows.get(k, [])] for k in keys]

    async def open_issues(keys: list[str]) -> list[list[Issue]]:
        rows = await _grouped(
            pool,
            f"SELECT employee_id, issue_id, department, title, status, raised_at FROM {SCHEMA}.issue "
            "WHERE employee_id = ANY(%s) AND status = 'open' ORDER BY raised_at, issue_id",
            keys,
        )
        return [[Issue(**r) for r in rows.get(k, [])] for k in keys]

    return Loaders(DataLoader(trainings), DataLoader(open_issues))

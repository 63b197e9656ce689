"""The energy manager: its state tables, its timers, the commands it sends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from aerie_events.catalog.learning import ACCEPTANCE_TEST_FAILED, ACCEPTANCE_TEST_PASSED
from aerie_events.catalog.people import EMPLOYEE_HIRED, EMPLOYEE_LEFT
from aerie_events.catalog.performance import (
    CHICK_GRADUATED,
    EMPLOYEE_REPOSITIONED,
    ENERGY_REWARDED,
    KPI_RECORDED,
    OFFPOST_TRAINING_ORDERED,
    STAR_DEMOTED,
    STAR_PROMOTED,
    TRACK_CHANGED,
)
from aerie_events.envelope import Envelope
from aerie_events.rules.growth.energy import Consequence, assess_week, week_of
from aerie_events.rules.growth.kpi import KPI_NAMES, DailyKpi
from aerie_events.rules.growth.ladder import FIRST_STAR, Standing, Step, StepKind, Track
from aerie_events.rules.growth.policy import Evidence, ladder_policy_on
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from aerie_projections.acceptance import ACCEPTANCE_TEST_TYPES, acceptance_test_rows
from aerie_projections.kit import Statement, insert_rows, patch_rows, unnest
from aerie_projections.manager import CancelTimer, CommandRequest, DueTimer, ProcessManager, Timer
from aerie_projections.roster import roster_patch

STATE = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.energy_kpi_day (
    employee_id text NOT NULL,
    day date NOT NULL,
    facts jsonb NOT NULL,
    PRIMARY KEY (employee_id, day)
);
CREATE TABLE IF NOT EXISTS {s}.energy_agent (
    employee_id text PRIMARY KEY,
    hired_on date,
    track text NOT NULL DEFAULT 'agent',
    star int NOT NULL DEFAULT 1,
    graduated boolean NOT NULL DEFAULT false,
    level_since date
);
CREATE TABLE IF NOT EXISTS {s}.energy_order (
    order_id text PRIMARY KEY,
    employee_id text NOT NULL,
    ends_on date NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.energy_acceptance (
    order_id text PRIMARY KEY,
    employee_id text NOT NULL,
    passed boolean NOT NULL,
    score int NOT NULL,
    taken_on date NOT NULL
);
"""

LEAVERS = "ALTER TABLE {s}.energy_agent ADD COLUMN IF NOT EXISTS left_on date;"

SETTLE = dt.timedelta(hours=36)
"""How long after a week ends (midnight UTC) live facts of it are waited for: every zone's
Sunday has ended and a late site has published."""
ACCEPTANCE_DAYS = 3
"""Days after off-post training ends within which the acceptance test must be passed."""
REPOSITION_POST = "back_office"
AGENT_TYPES = {
    "left_on": "date",
    "hired_on": "date",
    "track": "text",
    "star": "int",
    "graduated": "boolean",
    "level_since": "date",
}


def _midnight_after(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def _live(e: Envelope, due: dt.datetime) -> bool:
    """Whether the event was recorded before ``due``: a timer for then decides on time."""
    return dt.datetime.fromisoformat(e.recorded_at) < due


def _acceptance_check(order: str, why: str, cause: Envelope) -> Timer:
    """A look at an order's acceptance test as soon as ``cause`` (``why``: ordered, result)."""
    return Timer(
        f"accept:{order}:{why}",
        cause.recorded_at,
        cause.event_id,
        {"order_id": order, "deadline": False},
        replace=False,
    )


class EnergyManager(ProcessManager):
    name = "energy"
    tables = ("energy_kpi_day", "energy_agent", "energy_order", "energy_acceptance")
    handles = frozenset(
        {
            EMPLOYEE_HIRED,
            EMPLOYEE_LEFT,
            KPI_RECORDED,
            CHICK_GRADUATED,
            STAR_PROMOTED,
            STAR_DEMOTED,
            TRACK_CHANGED,
            OFFPOST_TRAINING_ORDERED,
            ACCEPTANCE_TEST_PASSED,
            ACCEPTANCE_TEST_FAILED,
        }
    )
    migrations = (
        (1, "KPI days, ladder standing, off-post orders and acceptance tests", STATE),
        (2, "who left", LEAVERS),
    )

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        days, orders, tests = [], [], []
        agents: dict[str, dict[str, Any]] = {}
        for e in envelopes:
            p, who = e.payload, e.employee_id
            if who is None:
                continue
            if e.type == KPI_RECORDED:
                days.append([who, p["day"], {k: p[k] for k in KPI_NAMES}])
            elif e.type == OFFPOST_TRAINING_ORDERED and p["acceptance_test"]:
                orders.append([p["order_id"], who, p["ends_on"]])
            elif e.type in ACCEPTANCE_TEST_TYPES:
                tests.append(e)
            elif patch := roster_patch(e, AGENT_TYPES):
                agents.setdefault(who, {}).update(patch)
        statements = []
        if days:
            columns = [("employee_id", "text"), ("day", "date"), ("facts", "jsonb")]
            statements.append(insert_rows("energy_kpi_day", columns, days))
        if agents:
            source, params = unnest([("employee_id", "text")], [[k] for k in sorted(agents)])
            statements.append(
                Statement(
                    f"INSERT INTO {{s}}.energy_agent (employee_id) SELECT * FROM {source} ON CONFLICT DO NOTHING",
                    params,
                )
            )
            statements += patch_rows("energy_agent", ("employee_id", "text"), AGENT_TYPES, agents)
        if orders:
            columns = [("order_id", "text"), ("employee_id", "text"), ("ends_on", "date")]
            statements.append(insert_rows("energy_order", columns, orders))
        statements += acceptance_test_rows("energy_acceptance", tests)
        return statements

    def timers(self, envelopes: Sequence[Envelope]) -> list[Timer | CancelTimer]:
        timers: dict[str, Timer] = {}

        def earliest(timer: Timer) -> None:
            if timer.key not in timers or timer.due_at < timers[timer.key].due_at:
                timers[timer.key] = timer

        for e in envelopes:
            p, who = e.payload, e.employee_id
            if e.type == KPI_RECORDED and who:
                monday, sunday = week_of(dt.date.fromisoformat(p["day"]))
                before = monday - dt.timedelta(days=7)
                earliest(  # a fact of the next week: the week before is complete, decide it now
                    Timer(
                        f"week:{who}:{before}",
                        e.recorded_at,
                        e.event_id,
                        {"employee_id": who, "week": before.isoformat()},
                        replace=False,
                        earlier=True,
                    )
                )
                due = _midnight_after(sunday) + SETTLE
                if _live(e, due):
                    earliest(
                        Timer(
                            f"week:{who}:{monday}",
                            due.isoformat(),
                            e.event_id,
                            {"employee_id": who, "week": monday.isoformat()},
                            replace=False,
                        )
                    )
            elif e.type == OFFPOST_TRAINING_ORDERED and p["acceptance_test"] and who:
                order = p["order_id"]
                earliest(_acceptance_check(order, "ordered", e))
                ends = dt.date.fromisoformat(p["ends_on"])
                due = _midnight_after(ends + dt.timedelta(days=ACCEPTANCE_DAYS))
                if _live(e, due):
                    earliest(
                        Timer(
                            f"accept:{order}:deadline",
                            due.isoformat(),
                            e.event_id,
                            {"order_id": order, "deadline": True},
                            replace=False,
                        )
                    )
            elif e.type == ACCEPTANCE_TEST_FAILED:
                earliest(_acceptance_check(p["order_id"], "result", e))
        # the deadline stands after a pass: its timer finds the pass and does nothing, unless
        # the pass is dated before the training ended (then it does not count)
        return list(timers.values())

    async def on_timer(
        self, conn: AsyncConnection[Any], schema: str, timer: DueTimer
    ) -> list[CommandRequest]:
        if timer.key.startswith("week:"):
            return await self._assess(conn, schema, timer)
        return await self._acceptance(conn, schema, timer)

    async def _assess(
        self, conn: AsyncConnection[Any], schema: str, timer: DueTimer
    ) -> list[CommandRequest]:
        who, monday = timer.data["employee_id"], dt.date.fromisoformat(timer.data["week"])
        after = monday + dt.timedelta(days=7)
        policy = ladder_policy_on(after)
        start = min(monday, policy.window_before(after)[0])
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"SELECT day, facts FROM {schema}.energy_kpi_day WHERE employee_id = %s AND day >= %s AND day < %s",
                (who, start, after),
            )
            days = [
                DailyKpi.from_payload({"day": r["day"].isoformat(), **r["facts"]})
                for r in await cur.fetchall()
            ]
            await cur.execute(f"SELECT * FROM {schema}.energy_agent WHERE employee_id = %s", (who,))
            agent = await cur.fetchone()
        cause = str(timer.cause)
        if agent is not None and agent["left_on"] is not None:
            return []  # nothing is decided about someone who left
        commands = []
        assessment = assess_week(days, monday)
        week = monday.isoformat()
        if assessment.consequence is Consequence.REWARD:
            commands.append(
                CommandRequest(
                    ENERGY_REWARDED, f"energy:{who}:{week}", who, {"window_start": week}, cause
                )
            )
        elif assessment.consequence is Consequence.OFFPOST_TRAINING:
            data = {"order_id": f"offpost-{who}-{week}", "window_start": week}
            commands.append(
                CommandRequest(OFFPOST_TRAINING_ORDERED, f"energy:{who}:{week}", who, data, cause)
            )
        if agent is not None and agent["track"] == Track.AGENT and agent["star"] > FIRST_STAR:
            standing = Standing(
                agent["track"],
                agent["star"],
                agent["graduated"],
                agent["level_since"] or agent["hired_on"],
            )
            step = Step(StepKind.DEMOTE, to_star=agent["star"] - 1)
            evaluation = policy.evaluate(step, standing, Evidence(kpi_days=days), after)
            if evaluation.met:
                energy = next(r.actual for r in evaluation.results if r.key == "average:energy")
                reason = (
                    f"sustained low performance: average energy {energy} from {evaluation.window_start} "
                    f"to {evaluation.window_end} ({policy.version})"
                )
                data = {
                    "to_star": agent["star"] - 1,
                    "reason": reason,
                    "demoted_on": after.isoformat(),
                }
                commands.append(
                    CommandRequest(STAR_DEMOTED, f"demotion:{who}:{week}", who, data, cause)
                )
        return commands

    async def _acceptance(
        self, conn: AsyncConnection[Any], schema: str, timer: DueTimer
    ) -> list[CommandRequest]:
        order_id = timer.data["order_id"]
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"SELECT o.employee_id, o.ends_on, t.passed, t.score, t.taken_on FROM {schema}.energy_order o "
                f"LEFT JOIN {schema}.energy_acceptance t "
                "ON t.order_id = o.order_id AND t.taken_on > o.ends_on "
                f"LEFT JOIN {schema}.energy_agent a ON a.employee_id = o.employee_id "
                "WHERE o.order_id = %s AND a.left_on IS NULL",
                (order_id,),
            )
            row = await cur.fetchone()
        if row is None or row["passed"]:
            return []  # the order is not known yet (its result came first), or the test was passed
        # a test dated before the training ended does not count (the write side refuses it once
        # the order is known; one recorded before was not checked): as if none was taken
        who, cause = row["employee_id"], str(timer.cause)
        if row["passed"] is False:
            data = {
                "order_id": order_id,
                "reason": f"failed the acceptance test on {row['taken_on']} with {row['score']}",
                "repositioned_on": row["taken_on"].isoformat(),
                "to_post": REPOSITION_POST,
            }
            return [
                CommandRequest(
                    EMPLOYEE_REPOSITIONED, f"reposition:{order_id}:failed", who, data, cause
                )
            ]
        if not timer.data["deadline"]:
            return []
        deadline = row["ends_on"] + dt.timedelta(days=ACCEPTANCE_DAYS)
        data = {
            "order_id": order_id,
            "reason": f"no acceptance test passed within {ACCEPTANCE_DAYS} days of the off-post training",
            "repositioned_on": deadline.isoformat(),
            "to_post": REPOSITION_POST,
        }
        return [
            CommandRequest(
                EMPLOYEE_REPOSITIONED, f"reposition:{order_id}:deadline", who, data, cause
            )
        ]

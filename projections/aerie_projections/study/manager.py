"""The daily-study manager: plans, minutes and quizzes per day, and the days it judged missed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from aerie_events.catalog.learning import (
    QUIZ_SCORED,
    STUDY_LOGGED,
    STUDY_MISSED,
    STUDY_PLAN_ENDED,
    STUDY_PLAN_STARTED,
)
from aerie_events.catalog.people import EMPLOYEE_LEFT
from aerie_events.envelope import Envelope
from aerie_events.rules.growth.study import plan_days, study_policy_on
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from aerie_projections.kit import Statement, insert_rows, unnest, upsert_rows
from aerie_projections.manager import CancelTimer, CommandRequest, DueTimer, ProcessManager, Timer

STATE = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.study_plan (
    employee_id text PRIMARY KEY,
    first_day date NOT NULL,
    last_day date NOT NULL,
    required_minutes int NOT NULL,
    time_zone text NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.study_day (
    employee_id text NOT NULL,
    day date NOT NULL,
    minutes int NOT NULL,
    quiz_scores int[] NOT NULL,
    PRIMARY KEY (employee_id, day)
);
CREATE TABLE IF NOT EXISTS {s}.study_missed (
    employee_id text NOT NULL,
    day date NOT NULL,
    PRIMARY KEY (employee_id, day)
);
"""


class StudyManager(ProcessManager):
    name = "study"
    tables = ("study_plan", "study_day", "study_missed")
    handles = frozenset(
        {
            STUDY_PLAN_STARTED,
            STUDY_PLAN_ENDED,
            STUDY_LOGGED,
            QUIZ_SCORED,
            STUDY_MISSED,
            EMPLOYEE_LEFT,
        }
    )
    migrations = ((1, "study plans, minutes and quizzes by day, missed days", STATE),)

    def plan(self, envelopes: Sequence[Envelope]) -> list[Statement]:
        plans: dict[str, list[Any]] = {}
        ends: dict[str, str] = {}
        sums: dict[tuple[str, str], list[Any]] = {}
        missed = []
        for e in envelopes:
            p, who = e.payload, e.employee_id
            if who is None:
                continue
            if e.type == STUDY_PLAN_STARTED:
                plans[who] = [
                    who,
                    p["first_day"],
                    p["last_day"],
                    p["required_minutes"],
                    p["time_zone"],
                ]
                ends.pop(who, None)
            elif e.type in (STUDY_PLAN_ENDED, EMPLOYEE_LEFT):  # no day after it is judged
                last = p.get("ended_on") or p["left_on"]
                if who in plans:
                    plans[who][2] = min(plans[who][2], last)
                else:
                    ends[who] = min(ends.get(who, last), last)
            elif e.type in (STUDY_LOGGED, QUIZ_SCORED):
                row = sums.setdefault((who, p["day"]), [who, p["day"], 0, []])
                if e.type == STUDY_LOGGED:
                    row[2] += p["minutes"]
                else:
                    row[3].append(p["score"])
            elif e.type == STUDY_MISSED:
                missed.append([who, p["day"]])
        statements = []
        if plans:
            columns = [
                ("first_day", "date"),
                ("last_day", "date"),
                ("required_minutes", "int"),
                ("time_zone", "text"),
            ]
            statements.append(
                upsert_rows(
                    "study_plan",
                    ("employee_id", "text"),
                    columns,
                    [plans[k] for k in sorted(plans)],
                )
            )
        if ends:
            source, params = unnest(
                [("employee_id", "text"), ("ended_on", "date")], sorted(ends.items())
            )
            statements.append(
                Statement(
                    f"UPDATE {{s}}.study_plan AS t SET last_day = least(t.last_day, u.ended_on) FROM {source} "
                    "WHERE t.employee_id = u.employee_id",
                    params,
                )
            )
        if sums:
            columns = [
                ("employee_id", "text"),
                ("day", "date"),
                ("minutes", "int"),
                ("quiz_scores", "int[]"),
            ]
            rows = [
                [w, d, m, "{" + ",".join(map(str, q)) + "}"]
                for (w, d, m, q) in (sums[k] for k in sorted(sums))
            ]
            source, params = unnest(columns, rows)
            statements.append(
                Statement(
                    f"INSERT INTO {{s}}.study_day AS d (employee_id, day, minutes, quiz_scores) "
                    f"SELECT * FROM {source} ORDER BY 1, 2 ON CONFLICT (employee_id, day) DO UPDATE SET "
                    "minutes = d.minutes + excluded.minutes, quiz_scores = d.quiz_scores || excluded.quiz_scores",
                    params,
                )
            )
        if missed:
            statements.append(
                insert_rows("study_missed", [("employee_id", "text"), ("day", "date")], missed)
            )
        return statements

    def timers(self, envelopes: Sequence[Envelope]) -> list[Timer | CancelTimer]:
        timers: dict[str, Timer] = {}
        for e in envelopes:
            p, who = e.payload, e.employee_id
            if who is None:
                continue
            if e.type == STUDY_PLAN_STARTED:
                recorded = dt.datetime.fromisoformat(e.recorded_at)
                for day in plan_days(
                    dt.date.fromisoformat(p["first_day"]), dt.date.fromisoformat(p["last_day"])
                ):
                    due = study_policy_on(day).judged_at(day, p["time_zone"])
                    if recorded < due:  # a day still ahead: judged when it is over
                        data = {"employee_id": who, "as_of": due.isoformat()}
                        timers[f"day:{who}:{day}"] = Timer(
                            f"day:{who}:{day}", due.isoformat(), e.event_id, data, replace=False
                        )
            if e.type in (STUDY_PLAN_STARTED, STUDY_LOGGED, QUIZ_SCORED):
                # days already over when this was recorded are judged now, from what came before
                key = f"facts:{who}:{e.occurred_at[:10]}"
                data = {"employee_id": who, "as_of": e.occurred_at}
                timers.setdefault(key, Timer(key, e.recorded_at, e.event_id, data, replace=False))
        return list(timers.values())

    async def on_timer(
        self, conn: AsyncConnection[Any], schema: str, timer: DueTimer
    ) -> list[CommandRequest]:
        who, as_of = timer.data["employee_id"], dt.datetime.fromisoformat(timer.data["as_of"])
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(f"SELECT * FROM {schema}.study_plan WHERE employee_id = %s", (who,))
            plan = await cur.fetchone()
            if plan is None:
                return []
            await cur.execute(
                f"SELECT d.day, d.minutes, d.quiz_scores FROM {schema}.study_day d WHERE d.employee_id = %s "
                "AND d.day BETWEEN %s AND %s",
                (who, plan["first_day"], plan["last_day"]),
            )
            studied = {r["day"]: r for r in await cur.fetchall()}
            await cur.execute(
                f"SELECT day FROM {schema}.study_missed WHERE employee_id = %s AND day BETWEEN %s AND %s",
                (who, plan["first_day"], plan["last_day"]),
            )
            recorded = {r["day"] for r in await cur.fetchall()}
        commands = []
        for day in plan_days(plan["first_day"], plan["last_day"]):
            policy = study_policy_on(day)
            if day in recorded or policy.judged_at(day, plan["time_zone"]) > as_of:
                continue
            found = studied.get(day)
            judged = policy.judge(
                plan["required_minutes"],
                found["minutes"] if found else 0,
                found["quiz_scores"] if found else [],
            )
            if not judged.met:
                data = {"day": day.isoformat()}
                commands.append(
                    CommandRequest(
                        STUDY_MISSED, f"study-missed:{who}:{day}", who, data, str(timer.cause)
                    )
                )
        return commands

"""The satisfaction projection's speed, and its incremental statistics against a recomputation.

Run with ``make bench`` (``python -m tests.perf.surveys``). Records a backlog of
survey answers (a tenth of them corrections) through the surveys context's
own aggregate and application (the command path's rules, saved thousands to a
transaction, as a bulk load would), has the relay publish them, then starts a
worker running only the satisfaction projection (``AERIE_PROJECTIONS``) on the
backlog and times it from its first applied batch to its last. Then it compares,
for every survey, the running sums with the same sums recomputed in the
database from each response's last answer, and the statistics results show
with a two-pass computation in Python of the answers it recorded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import threading
import time
import uuid
from contextlib import ExitStack
from typing import Any

import psycopg
from aerie_events.catalog.people import EMPLOYEE_HIRED
from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_CLOSED, SURVEY_PUBLISHED
from aerie_events.rules.scales import SCALES
from aerie_events.topics import Topics
from aerie_platform.compose import WriteSide
from aerie_platform.replay import Progress
from aerie_projections.satisfaction import queries
from aerie_projections.satisfaction.statistics import ENPS, OVERALL, batch_statistics
from aerie_services.kit.inputs import build_command
from aerie_services.surveys.domainmodel import Respondent, Survey, SurveySnapshot
from aerie_services.surveys.questionnaire import response_pseudonym

from tests.conftest import Platform, wait_until
from tests.perf.bench import (
    Result,
    bench_platform,
    database,
    load_average,
    print_machine,
    print_summary,
    report,
    together,
)

ANSWERS_PER_SURVEY = 60_000
SURVEYS = 2
CORRECTION_SHARE = 0.1
SITES, TEAMS_PER_SITE = 3, 30
SAVE_CHUNK = 5000
COMMAND_PATH_ANSWERS = 1000
CONTENDED_ANSWERS = 1000
"""Answers each writer process sends to the one survey, in the contention measurement."""
DRIVERS = ("workload", "coaching", "recognition", "schedule", "tools", "canteen")
OPENS_ON = dt.date(2026, 3, 2)


def questions() -> list[dict[str, str]]:
    return [
        {"question_id": "overall", "text": "Satisfied?", "scale": "1-5", "role": "overall"},
        {"question_id": "recommend", "text": "Recommend?", "scale": "0-10", "role": "enps"},
        *({"question_id": d, "text": d, "scale": "1-5", "role": "driver"} for d in DRIVERS),
    ]


def publish(side: WriteSide, survey_id: str) -> None:
    side.bus.handle(
        SURVEY_PUBLISHED,
        command_id=f"publish-{survey_id}",
        occurred_at="2026-03-01T09:00:00+00:00",
        trusted_time=True,  # history, dated as the platform's loader may
        data={
            "survey_id": survey_id,
            "series_id": "bench",
            "title": survey_id,
            "questions": questions(),
            "opens_on": OPENS_ON.isoformat(),
            "closes_on": (OPENS_ON + dt.timedelta(days=6)).isoformat(),
        },
    )


def an_answer(rng: random.Random) -> dict[str, Any]:
    drivers = {d: rng.randint(1, 5) for d in DRIVERS}
    overall = max(
        1, min(5, round((drivers["workload"] + drivers["coaching"]) / 2 + rng.gauss(0, 0.7)))
    )
    return {
        "overall": overall,
        "enps": max(0, min(10, 2 * overall + rng.randint(-1, 1))),
        "drivers": drivers,
    }


def record_backlog(side: WriteSide, survey_id: str, rng: random.Random) -> dict[str, dict]:
    """Answers (and corrections) to one survey, saved ``SAVE_CHUNK`` to a transaction.

    Each goes through the surveys application's anonymising and the survey's
    rules, exactly as on the command path; returns each response's last answer.
    """
    app: Any = side.apps["surveys"]
    key = app._key()
    survey: Survey = app.find(Survey.id_for(survey_id))
    last: dict[str, dict] = {}
    people = [f"P-{n:06d}" for n in range(int(ANSWERS_PER_SURVEY / (1 + CORRECTION_SHARE)))]
    pending = 0
    bar = Progress(f"  recording {survey_id}", ANSWERS_PER_SURVEY)
    for n in range(ANSWERS_PER_SURVEY):
        employee = people[n] if n < len(people) else rng.choice(people)
        site = f"site-{int(employee[2:]) % SITES}"
        team = f"{site}-team-{int(employee[2:]) % TEAMS_PER_SITE:02d}"
        data = {"survey_id": survey_id, **an_answer(rng)}
        command = build_command(
            SURVEY_ANSWERED,
            command_id=f"bench-{survey_id}-{n}",
            employee_id=employee,
            data=data,
            occurred_at="2026-03-03T10:00:00+00:00",
            decided_by_domain=side.registry.handlers[SURVEY_ANSWERED][1].decided_by_domain,
        )
        response_id = response_pseudonym(key, survey_id, employee)
        anonymous = app._anonymised(command, response_id)
        meta = anonymous.meta(site_id=None, key_id=f"survey-response:{response_id}")
        survey.answer(meta, anonymous.data, Respondent(response_id, site, team, OPENS_ON))
        group = last.get(response_id, {"site_id": site, "team_id": team})
        last[response_id] = {**data, "site_id": group["site_id"], "team_id": group["team_id"]}
        pending += 1
        if pending == SAVE_CHUNK or n == ANSWERS_PER_SURVEY - 1:
            app.save(survey)
            pending = 0
            bar.update(n + 1)
    bar.done()
    return last


def answer_one_by_one(side: Any, survey_id: str, employees: list[str], rng: random.Random) -> None:
    """Each employee answers ``survey_id`` through ``Aerie.handle``, one command at a time."""
    for employee in employees:
        side.bus.handle(
            SURVEY_ANSWERED,
            command_id=f"answer-{employee}",
            employee_id=employee,
            occurred_at="2026-03-03T10:00:00+00:00",
            trusted_time=True,
            data={"survey_id": survey_id, **an_answer(rng)},
        )


def command_path_answers(side: WriteSide, survey_id: str) -> Result:
    """Answers one at a time through ``Aerie.handle`` (each an optimistic append to the survey)."""
    employees = [f"C-{n:05d}" for n in range(COMMAND_PATH_ANSWERS)]
    hire_respondents(side, employees)
    rng = random.Random(3)
    start = time.perf_counter()
    answer_one_by_one(side, survey_id, employees, rng)
    return report(
        "answers through the command path, 1 writer",
        len(employees),
        time.perf_counter() - start,
        "answers/s",
    )


def fresh_reads(side: WriteSide, database_url: str, survey_id: str) -> list[Result]:
    """A survey of ``ANSWERS_PER_SURVEY`` answers read by a process that has not read it yet
    (a gateway's first answer to it): from every event, then from its snapshot."""
    from aerie_platform import compose

    app: Any = side.apps["surveys"]
    survey = app.find(Survey.id_for(survey_id))
    app.snapshots.put([SurveySnapshot.take(survey)])  # as the answer path keeps one
    results = []
    for label, snapshots in (("every event", False), ("its snapshot", True)):
        fresh = compose.write_side(database_url)
        reader: Any = fresh.apps["surveys"]
        if not snapshots:
            reader.repository.snapshot_store = None
        start = time.perf_counter()
        read = reader.find(Survey.id_for(survey_id))
        seconds = time.perf_counter() - start
        fresh.close()
        assert read.version == survey.version
        results.append(
            Result(
                f"a survey of {survey.version - 1:,} answers read afresh from {label}",
                1,
                seconds,
                "s",
                value=seconds,
            )
        )
        print(f"  {results[-1].label}: {seconds:.2f} s", flush=True)
    return results


def hire_respondents(side: WriteSide, employees: list[str]) -> None:
    for employee in employees:
        side.bus.handle(
            EMPLOYEE_HIRED,
            command_id=f"hire-{employee}",
            employee_id=employee,
            site_id="site-0",
            data={
                "display_name": "x",
                "team_id": "site-0-team-00",
                "role": "agent",
                "hired_on": "2026-01-05",
            },
        )


def contending_writer(
    database_url: str, survey_id: str, employees: list[str], ready: Any, go: Any, done: Any
) -> None:
    """One writer process (as one gateway process): its own pool and cache, one survey.

    Counts its lost races: appends the store refused because the other process had
    answered the same survey first (each answer is then decided again).
    """
    from aerie_platform import compose
    from eventsourcing.persistence import IntegrityError

    side = compose.write_side(database_url)
    app: Any = side.apps["surveys"]
    app.find(Survey.id_for(survey_id))  # loaded once, as a gateway's first answer would
    lost = [0]
    save = app.save

    def counted(*aggregates: Any, **kwargs: Any) -> Any:
        try:
            return save(*aggregates, **kwargs)
        except IntegrityError:
            lost[0] += 1
            raise

    app.save = counted
    rng = random.Random(employees[0])
    ready.put(employees[0])
    go.wait()
    start = time.monotonic()
    answer_one_by_one(side, survey_id, employees, rng)
    end = time.monotonic()
    done.put((start, end, len(employees), f"writer {employees[0]} ({lost[0]} lost races)"))
    side.close()


def contended_answers(side: WriteSide, database_url: str, survey_id: str, writers: int) -> Result:
    """Answers to one survey from ``writers`` processes at once, each one at a time."""
    groups = [[f"W{writers}-{w}-{n:05d}" for n in range(CONTENDED_ANSWERS)] for w in range(writers)]
    hire_respondents(side, [e for group in groups for e in group])
    count, seconds = together(
        contending_writer, [(database_url, survey_id, group) for group in groups]
    )
    return report(
        f"answers through the command path, {writers} writer processes, one survey",
        count,
        seconds,
        "answers/s",
    )


def sequenced(database_url: str, table: str, column: str, value: str, topic: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            f"SELECT coalesce(sum(seq), 0) FROM {table} WHERE topic = %s"
            + (f" AND {column} = %s" if column else ""),
            (topic, value) if column else (topic,),
        ).fetchone()
    return int(row[0] if row else 0)


def worker_throughput(aerie: Platform, database_url: str, events: int) -> Result:
    topic = Topics(aerie.env["AERIE_TOPIC_PREFIX"]).of("surveys")
    aerie.start("relay")
    bar = Progress("  relaying", events)

    def relayed() -> bool:
        sent = sequenced(database_url, "aerie_relay_partition", "", "", topic)
        bar.update(sent)
        return sent >= events

    wait_until(relayed, 900, "the relay did not publish the backlog")
    bar.done()

    def applied() -> int:
        return sequenced(
            database_url, "aerie_projection_tracking", "projection", "satisfaction", topic
        )

    aerie.start("worker")
    wait_until(lambda: applied() > 0, 180, "the worker did not start")
    start, base = time.perf_counter(), applied()
    bar = Progress("  projecting", events - base)
    while (done := applied()) < events:
        bar.update(done - base)
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    bar.update(events - base)
    bar.done()
    return report(
        "satisfaction worker: broker -> running sums",
        events - base,
        seconds,
        "answers/s",
        "10,000/s",
    )


def compare(database_url: str, survey_id: str, last: dict[str, dict]) -> tuple[int, bool, bool]:
    """(rows compared, sums equal their recomputation, statistics equal a Python computation)."""

    async def read() -> Any:
        conn = await psycopg.AsyncConnection.connect(database_url, autocommit=True)
        try:
            kept, again = await queries.sums_and_recomputation(conn, survey_id)
            return kept, again, await queries.survey_results(conn, survey_id)
        finally:
            await conn.close()

    kept, again, results = asyncio.run(read())
    scales = {OVERALL: SCALES["1-5"], ENPS: SCALES["0-10"]}
    scales |= {("driver", d): SCALES["1-5"] for d in DRIVERS}
    reference = batch_statistics(list(last.values()), scales)
    same = True
    for group in results.groups:
        for item in group.items:
            mine, theirs = item.statistics, reference[(group.group, item.question.item)]
            for name in ("responses", "mean", "favourable", "unfavourable", "correlation", "enps"):
                a, b = getattr(mine, name), getattr(theirs, name)
                same &= (a is None and b is None) or abs((a or 0) - (b or 0)) <= 1e-9
    return len(kept), kept == again, same and bool(results.groups)


def main() -> None:
    print_machine()
    results: list[Result] = []
    with ExitStack() as stack, database(stack) as database_url:
        side, aerie = bench_platform(
            stack, database_url, "aerie-bench-surveys-", f"s{uuid.uuid4().hex[:6]}"
        )
        aerie.env["AERIE_PROJECTIONS"] = "satisfaction"
        aerie.env["AERIE_ANONYMOUS_RELEASE_SECONDS"] = "1"
        aerie.migrate()
        print(f"logs:     {aerie.logs}\n")
        print("write side:", flush=True)
        rng = random.Random(11)
        last: dict[str, dict[str, dict]] = {}
        start = time.perf_counter()
        for n in range(SURVEYS):
            survey_id = f"bench-{n + 1}"
            publish(side, survey_id)
            last[survey_id] = record_backlog(side, survey_id, rng)
        results.append(
            report(
                f"answers recorded in bulk ({SAVE_CHUNK:,} a transaction)",
                SURVEYS * ANSWERS_PER_SURVEY,
                time.perf_counter() - start,
                "answers/s",
            )
        )
        results += fresh_reads(side, database_url, "bench-1")
        publish(side, "bench-path")
        results.append(command_path_answers(side, "bench-path"))
        for writers in (1, 2):  # the same survey, already holding answers, from 1 or 2 processes
            results.append(contended_answers(side, database_url, "bench-path", writers))
        for survey_id in [*last, "bench-path"]:
            side.bus.handle(
                SURVEY_CLOSED,
                command_id=f"close-{survey_id}",
                data={"survey_id": survey_id, "reason": "early"},
            )
        events = SURVEYS * (ANSWERS_PER_SURVEY + 2) + COMMAND_PATH_ANSWERS + 2
        events += 3 * CONTENDED_ANSWERS  # one writer, then two
        print(f"\nprojection ({events:,} survey events in the backlog):", flush=True)
        results.append(worker_throughput(aerie, database_url, events))
        print("\nincremental statistics against a batch recomputation:", flush=True)
        for survey_id, answers in last.items():
            rows, sums_equal, statistics_equal = compare(database_url, survey_id, answers)
            print(
                f"  {survey_id}: {len(answers):,} responses, {rows:,} running-sum rows; "
                f"equal to the recomputation in PostgreSQL: {'yes' if sums_equal else 'NO'}; "
                f"statistics equal a two-pass computation: {'yes' if statistics_equal else 'NO'}"
            )
            if not (sums_equal and statistics_equal):
                raise SystemExit("the incremental statistics differ from the batch recomputation")
    print(f"\nload average now {load_average()}")
    print_summary(results)


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()

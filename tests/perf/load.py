"""The gateway under load: requests/s and latency of the queries people send most.

The client is ``wrk`` (Debian's package), a process of its own: a closed loop
over a fixed number of keep-alive connections for a fixed time, each request
for a random employee, with a bearer token (permissions on). Run alone with
``make bench-load``; ``make bench`` runs it after the other measurements.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

FULL_VIEW = """query View($id: ID!) { employee(id: $id) { id siteId teamId displayName role status
  hiredOn leftOn starLevel trainingsPassedCount openIssueCount updatedAt
  couponsGranted { count totalAmount }
  trainingsPassed { courseId courseTitle score passedOn }
  openIssues { issueId department title status raisedAt holderId } } }"""

PAGE_OF_100 = """query Page($site: ID!) { employees(siteId: $site, first: 100) {
  edges { cursor node { id displayName starLevel status trainingsPassedCount openIssueCount
  couponsGranted { count totalAmount } } } pageInfo { hasNextPage endCursor } } }"""

SITE_SUMMARY = """query Summary($site: ID!) { siteSummary(siteId: $site) { siteId headcount
  anonymityThreshold byStar { starLevel headcount }
  teams { teamId headcount averageStar surveyAnswers averageSurvey } } }"""

LEADERBOARD = """query Board($site: ID!, $metric: BoardMetric!) { leaderboard(siteId: $site,
  metric: $metric, first: 20) { day higherIsBetter entries { rank employeeId displayName teamId value } } }"""
BOARD_METRICS = (
    "CUSTOMER_SATISFACTION",
    "QA_SCORE",
    "CALLS_ANSWERED",
    "AVERAGE_HANDLING_SECONDS",
    "ENERGY",
)

SCRIPT = """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %(token)s"}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) refused = 0 end
function request()
  return wrk.format("POST", "/graphql", headers, bodies[math.random(#bodies)])
end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then refused = refused + 1 end
end
function done(summary, latency, requests)
  local errors = 0
  for _, thread in ipairs(threads) do errors = errors + thread:get("refused") end
  io.write(string.format("RESULT %%d %%f %%f %%f %%f %%d\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, errors))
end
"""


@dataclass(frozen=True)
class Load:
    """One query under load: how many answered, how fast, and how many were refused."""

    label: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    refused: int
    connections: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        return (
            f"  {self.label}: {self.rate:,.0f} requests/s, p50 {self.p50_ms:.1f} ms, "
            f"p99 {self.p99_ms:.1f} ms, max {self.max_ms:.1f} ms ({self.requests:,} requests, "
            f"{self.connections} connections, {self.refused} refused)"
        )


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    return found


def under_load(
    port: int,
    label: str,
    query: str,
    variables: list[dict[str, str]],
    token: str,
    *,
    connections: int = 8,
    seconds: int = 10,
) -> Load:
    """Run ``query`` with random ``variables`` for ``seconds`` over ``connections``."""
    workdir = Path(tempfile.mkdtemp(prefix="aerie-load-"))
    bodies = workdir / "bodies.jsonl"
    random.shuffle(variables)
    bodies.write_text(
        "\n".join(json.dumps({"query": query, "variables": v}) for v in variables) + "\n"
    )
    script = workdir / "load.lua"
    script.write_text(SCRIPT % {"bodies": bodies, "token": token})
    threads = min(connections, os.cpu_count() or 1)
    done = subprocess.run(
        [
            wrk_binary(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/graphql",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    shutil.rmtree(workdir, ignore_errors=True)
    result = next(line for line in done.stdout.splitlines() if line.startswith("RESULT"))
    requests, duration, p50, p99, worst, refused = result.split()[1:]
    load = Load(
        label,
        int(requests),
        float(duration),
        float(p50),
        float(p99),
        float(worst),
        int(refused),
        connections,
    )
    print(load.line(), flush=True)
    return load


def gateway_load(
    port: int, token: str, employees: list[str], sites: list[str], seconds: int = 10
) -> list[Load]:
    """The unified view, a page of 100, the site summary and the leaderboard, one after the other."""
    people = [{"id": e} for e in employees]
    places = [{"site": s} for s in sites]
    under_load(port, "warm-up", FULL_VIEW, people, token, seconds=2)
    return [
        under_load(
            port, "unified view of a random employee", FULL_VIEW, people, token, seconds=seconds
        ),
        under_load(port, "page of 100 employees", PAGE_OF_100, places, token, seconds=seconds),
        under_load(
            port,
            "site summary (aggregate)",
            SITE_SUMMARY,
            places,
            token,
            connections=2,
            seconds=seconds,
        ),
        under_load(
            port,
            "leaderboard (a site's day, a random metric)",
            LEADERBOARD,
            [{"site": s, "metric": m} for s in sites for m in BOARD_METRICS],
            token,
            seconds=seconds,
        ),
    ]


def main() -> None:
    """The platform on the embedded default with the demo loaded, then the load phase."""
    from contextlib import ExitStack

    from aerie_services import demo

    from tests.conftest import token_for
    from tests.perf.bench import bench_platform, database, print_machine

    print_machine()
    with ExitStack() as stack, database(stack) as database_url:
        side, aerie = bench_platform(stack, database_url, "aerie-load-run-", "load")
        aerie.env.update(AERIE_RATE_PER_SECOND="0")
        print("loading the demo (300 agents, 30 days)...", flush=True)
        demo.load(side.bus, agents=300, days=30, seed=7)
        aerie.run_parts("relay", "worker", "gateway")
        gateways = os.cpu_count() or 1
        for n in range(1, gateways):  # as `aerie run` starts them: one per CPU
            aerie.start("gateway", name=f"gateway-{n}")
        employees = [demo.agent_id(n) for n in range(300)]
        wait_for_view(aerie, employees[-1])
        wait_for_projections(database_url)
        print(f"gateway processes: {gateways}; logs: {aerie.logs}", flush=True)
        results = gateway_load(
            aerie.port, token_for("hr", subject="H-bench"), employees, list(demo.SITES)
        )
    print(f"\n{os.cpu_count()} CPUs; client (wrk) and platform on the same machine")
    for result in results:
        print(result.line())


def wait_for_projections(database_url: str) -> None:
    """Until every projection applied all the relay sent: measure a quiet platform."""
    import psycopg

    from tests.conftest import wait_until

    behind = (
        "SELECT count(*) FROM aerie_relay_partition r JOIN aerie_projection_tracking t "
        "ON t.topic = r.topic AND t.partition = r.partition WHERE t.seq < r.seq"
    )

    def caught_up() -> bool:
        with psycopg.connect(database_url) as conn:
            row = conn.execute(behind).fetchone()
        return bool(row) and row[0] == 0

    wait_until(caught_up, 600, "the projections did not catch up with the relay")


def wait_for_view(aerie: object, employee: str) -> None:
    from tests.conftest import wait_until

    view = "query($id: ID!) { employee(id: $id) { id } }"
    wait_until(
        lambda: aerie.graphql(view, {"id": employee})["data"]["employee"],  # type: ignore[attr-defined]
        300,
        "the demo did not reach the read model",
    )


if __name__ == "__main__":
    main()

"""Shared fixtures: a real PostgreSQL and a real Kafka-protocol broker for the suite.

By default both are embedded (started from pip packages). ``AERIE_DATABASE_URL``
and ``AERIE_KAFKA_BOOTSTRAP`` point the suite at real servers instead; it then
works in a fresh database and under a fresh topic prefix, so runs never mix.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aerie_events.catalog.organisation import SITE_CALENDAR_PUBLISHED, SITE_OPENED
from aerie_events.catalog.people import EMPLOYEE_HIRED
from aerie_events.catalog.voice import DEPARTMENT_PUBLISHED
from aerie_platform.kafka_cluster import KafkaCluster, KafkaUnavailable
from aerie_platform.stack import (
    EmbeddedBroker,
    EmbeddedPostgres,
    drop_database,
    ensure_database,
    free_port,
)

RUN_ID = uuid.uuid4().hex[:8]
TOKEN_KEY = base64.b64encode(b"aerie-test-token-key-32-bytes!!!").decode()
"""The local key the platforms of the suite sign and verify bearer tokens with."""


POOL_SIZE = "4"
"""Connections per process of the suite: a shared PostgreSQL's default 100 must hold them all."""


def _test_settings() -> Any:
    from aerie_platform.settings import Settings

    return Settings.from_env({"AERIE_DB_POOL_SIZE": POOL_SIZE})


TEST_SETTINGS = _test_settings()


def token_for(role: str = "admin", subject: str = "tester", **claims: str | None) -> str:
    """A bearer token the suite's gateways accept (``claims``: site, team, department)."""
    from aerie_gateway.identity import TokenSettings, issue_token

    settings = TokenSettings(local_key=base64.b64decode(TOKEN_KEY))
    return issue_token(settings, role=role, subject=subject, **claims)


@pytest.fixture(scope="session")
def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="aerie-test-"))


@pytest.fixture(scope="session")
def pg_server(workdir: Path) -> Iterator[str]:
    """A PostgreSQL server: the one ``AERIE_DATABASE_URL`` names, or an embedded one."""
    server_url = os.environ.get("AERIE_DATABASE_URL")
    if server_url:
        yield server_url
        return
    postgres = EmbeddedPostgres(workdir / "pg")
    yield postgres.start()
    postgres.stop()


@pytest.fixture(scope="session")
def fresh_database(pg_server: str) -> Iterator[Callable[[str], str]]:
    """Make a database of its own for a test module; all are dropped at the end."""
    made: list[str] = []

    def make(label: str) -> str:
        name = f"aerie_test_{RUN_ID}_{label}"
        made.append(name)
        return ensure_database(pg_server, name)

    yield make
    for name in made:
        drop_database(pg_server, name)


@pytest.fixture(scope="session")
def database_url(fresh_database: Callable[[str], str]) -> str:
    return fresh_database("shared")


@pytest.fixture(scope="session")
def kafka_cluster(workdir: Path) -> Iterator[KafkaCluster]:
    """Three Apache Kafka nodes in KRaft mode (each broker and controller), once per run.

    Replication factor 3, ``min.insync.replicas`` 2. The jars come from
    ``make kafka``; without them the tests that need the cluster fail saying so.
    """
    cluster = KafkaCluster(workdir / "kafka", brokers=3)
    try:
        cluster.start()
    except KafkaUnavailable as error:
        cluster.stop()
        pytest.fail(str(error), pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def broker(request: pytest.FixtureRequest) -> Iterator[EmbeddedBroker | str]:
    """The suite's broker: ``AERIE_KAFKA_BOOTSTRAP``'s, else tansu (or Apache Kafka if asked).

    ``AERIE_TEST_BROKER=kafka`` runs the suite on the three-node ``kafka_cluster``;
    the default, ``tansu``, is the embedded broker.
    """
    external = os.environ.get("AERIE_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    if os.environ.get("AERIE_TEST_BROKER", "tansu") == "kafka":
        yield request.getfixturevalue("kafka_cluster").bootstrap
        return
    embedded = EmbeddedBroker()
    embedded.start()
    yield embedded
    embedded.stop()


def bootstrap_of(broker: EmbeddedBroker | str) -> str:
    return broker if isinstance(broker, str) else broker.bootstrap


def consumer_group_members(bootstrap: str, group: str) -> list[Any]:
    """The members the broker knows in consumer group ``group`` (its coordinator's view)."""
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def describe() -> list[Any]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            (response,) = await admin.describe_consumer_groups([group])
        finally:
            await admin.close()
        ((error_code, name, _state, _type, _protocol, members, *_),) = response.groups
        assert error_code == 0 and name == group
        return list(members)

    return asyncio.run(describe())


class Platform:
    """The running platform (relay, worker, gateway as real processes) for a test module."""

    def __init__(self, database_url: str, broker: EmbeddedBroker | str, workdir: Path, name: str):
        self.database_url = database_url
        self.broker = broker
        self.port = free_port()
        self.logs = workdir / f"logs-{name}"
        self.logs.mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "AERIE_DATABASE_URL": database_url,
            "AERIE_KAFKA_BOOTSTRAP": bootstrap_of(broker),
            "AERIE_TOPIC_PREFIX": f"t{RUN_ID}{name}",
            "AERIE_GROUP_ID": f"g{RUN_ID}{name}",
            "AERIE_HTTP_PORT": str(self.port),
            "AERIE_HOME": str(workdir / f"home-{name}"),
            "AERIE_TOKEN_KEY": TOKEN_KEY,
            "AERIE_RATE_PER_SECOND": "2000",
            "AERIE_DB_POOL_SIZE": POOL_SIZE,
            "AERIE_RATE_BURST": "4000",
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def migrate(self) -> None:
        """What ``aerie run`` does before it starts the parts."""
        subprocess.run(
            [sys.executable, "-m", "aerie_platform.cli", "migrate"],
            env=self.env,
            check=True,
            capture_output=True,
        )

    def run_parts(self, *parts: str) -> Platform:
        """Migrate, start ``parts`` (as ``aerie run`` would) and wait for the gateway if started."""
        self.migrate()
        for part in parts:
            self.start(part)
        if "gateway" in parts:
            self.wait_for_gateway()
        return self

    def start(self, part: str, *args: str, name: str | None = None) -> None:
        """Start ``part`` (``name`` tells apart several of one part, e.g. two gateways)."""
        name = name or part
        with open(self.logs / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "aerie_platform.cli", part, *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self, part: str) -> None:
        process = self.processes.pop(part)
        process.kill()
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        return graphql_at(self.port, query, variables, token=token)

    def wait_for_gateway(self, timeout: float = 90) -> None:
        wait_until(lambda: self._healthy(), timeout, "the gateway did not start")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1):
                return True
        except OSError:
            return False


def relay_and_worker(
    database_url: str, broker: EmbeddedBroker | str, workdir: Path, name: str, **env: str
) -> Iterator[Platform]:
    """A migrated platform of a relay and a worker with ``env`` set (a fixture's body)."""
    running = Platform(database_url, broker, workdir, name)
    running.env.update(env)
    running.migrate()
    running.start("relay")
    running.start("worker")
    yield running
    running.stop()


def wait_until(check: Callable[[], Any], timeout: float, message: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(message)


def write_side(database_url: str) -> Any:
    """The write side on ``database_url``, migrated, as ``aerie run`` builds it."""
    from aerie_platform import compose
    from aerie_platform.migrations import all_steps, migrate

    side = compose.write_side(database_url, TEST_SETTINGS)
    migrate(database_url, list(all_steps(side, compose.projections())))
    publish_departments(side.bus)
    return side


def open_all_day_site(bus: Any, site_id: str) -> None:
    """A site (UTC) working every day from 00:00 to 23:59: deadlines count almost every minute."""
    bus.handle(
        SITE_OPENED,
        command_id=f"open-{site_id}",
        data={"site_id": site_id, "name": site_id, "time_zone": "UTC", "opened_on": "2020-01-01"},
    )
    bus.handle(
        SITE_CALENDAR_PUBLISHED,
        command_id=f"calendar-{site_id}",
        data={
            "site_id": site_id,
            "calendar_version": "always",
            "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "opens_at": "00:00",
            "closes_at": "23:59",
            "holidays": [],
        },
    )


def publish_desk(
    bus: Any,
    department_id: str,
    reply_within: dict[str, int] | None = None,
    name: str = "Service desk",
) -> None:
    """A department (not leadership) with these reply deadlines in working minutes."""
    bus.handle(
        DEPARTMENT_PUBLISHED,
        command_id=f"publish-{department_id}",
        data={
            "department_id": department_id,
            "name": name,
            "scope": "Anything urgent",
            "contact_email": "desk@aerie.example",
            "reply_within": reply_within or {"urgent": 60, "high": 120, "normal": 480, "low": 960},
            "leadership": False,
        },
    )


def publish_one_minute_desk(bus: Any, department_id: str) -> None:
    """A department that answers urgent issues within one working minute."""
    publish_desk(bus, department_id, {"urgent": 1, "high": 60, "normal": 120, "low": 240})


def publish_departments(bus: Any) -> None:
    """The demo's departments (and leadership), so issues can be raised to them (idempotent)."""
    from aerie_services.demo.voice import departments, publication

    for department in departments().values():
        bus.handle(
            DEPARTMENT_PUBLISHED,
            command_id=f"test-department-{department.department_id}",
            occurred_at="2026-01-01T00:00:00+00:00",
            data=publication(department),
        )


@pytest.fixture(scope="session")
def side(database_url: str) -> Iterator[Any]:
    built = write_side(database_url)
    yield built
    built.close()


@pytest.fixture(scope="session")
def bus(side: Any) -> Any:
    return side.bus


def hire(bus: Any, employee_id: str, name: str = "Test Agent", site_id: str = "site-t") -> Any:
    """Record an agent's hire (command id ``hire-<employee_id>``); return the outcome."""
    return bus.handle(
        EMPLOYEE_HIRED,
        command_id=f"hire-{employee_id}",
        employee_id=employee_id,
        site_id=site_id,
        data={
            "display_name": name,
            "team_id": "team-1",
            "role": "agent",
            "hired_on": "2026-01-05",
        },
    )


def graphql_at(
    port: int,
    query: str,
    variables: dict[str, Any] | None = None,
    timeout: float = 30,
    token: str | None = None,
) -> dict[str, Any]:
    """POST a GraphQL request to the gateway on ``port`` (as admin unless ``token``)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={
            "content-type": "application/json",
            "authorization": f"Bearer {token or token_for('admin')}",
        },
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def hire_input(employee_id: str, site_id: str, **fields: Any) -> dict[str, Any]:
    """The ``hireEmployee`` input of an agent in team t1, with ``fields`` changed."""
    return {
        "commandId": f"h-{employee_id}",
        "employeeId": employee_id,
        "siteId": site_id,
        "teamId": "t1",
        "displayName": "Agent",
        "hiredOn": "2026-01-05",
        **fields,
    }


def new_id(prefix: str = "E") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"

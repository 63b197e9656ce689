"""`aerie run` as a user starts it: a taken port, and embedded servers that die under it."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from aerie_platform.stack import free_port

from tests.conftest import TOKEN_KEY, graphql_at, hire_input, new_id, wait_until

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("AERIE_DATABASE_URL") or os.environ.get("AERIE_KAFKA_BOOTSTRAP")),
    reason="supervises the embedded servers, which a run on real servers does not start",
)


LIVENESS_SECONDS = 45


def aerie_run(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AERIE_DATABASE_URL", "AERIE_KAFKA_BOOTSTRAP")
    }
    env.update(
        AERIE_HOME=str(home),
        AERIE_HTTP_PORT=str(port),
        AERIE_TOKEN_KEY=TOKEN_KEY,
        AERIE_WORKER_LIVENESS_SECONDS=str(LIVENESS_SECONDS),
        PYTHONUNBUFFERED="1",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "aerie_platform.cli", "run", "--no-demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


class Output:
    """What `aerie run` printed so far, read without blocking."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        self.fd = process.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.text = ""

    def read(self) -> str:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                return self.text
            if not chunk:
                return self.text
            self.text += chunk.decode(errors="replace")


HIRE = """mutation($input: HireEmployeeInput!) { hireEmployee(input: $input) { eventId } }"""
VIEW = "query($id: ID!) { employee(id: $id) { id } }"


def hired_and_visible(port: int) -> bool:
    """Hire someone through the gateway and wait until the view shows them."""
    employee = new_id("SUP")
    given = hire_input(employee, "site-s")

    def hire() -> bool:
        try:
            return "errors" not in graphql_at(port, HIRE, {"input": given})
        except OSError:
            return False  # the gateway waits for its database again

    wait_until(hire, 60, "the gateway did not record a hire")

    def shown() -> bool:
        try:
            return graphql_at(port, VIEW, {"id": employee})["data"]["employee"] is not None
        except OSError:
            return False

    return bool(wait_until(shown, 60, "the hire did not show in the view"))


def children_of(pid: int, name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and name in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[subprocess.Popen[bytes], Output, Path, int]]:
    home = Path(tempfile.mkdtemp(prefix="aerie-run-"))
    port = free_port()
    process = aerie_run(home, port)
    output = Output(process)
    wait_until(lambda: "Ctrl-C stops everything" in output.read(), 120, "aerie run did not start")
    yield process, output, home, port
    process.send_signal(signal.SIGINT)
    process.wait(30)


def test_a_taken_http_port_stops_aerie_run_at_once_naming_the_port() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        process = aerie_run(Path(tempfile.mkdtemp(prefix="aerie-port-")), port)
        out = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 1
    assert f"port {port} is taken" in out and "AERIE_HTTP_PORT" in out
    assert "PostgreSQL" not in out and "started" not in out  # it stopped before starting anything


def broker_pid(process: subprocess.Popen[bytes], _home: Path) -> int:
    brokers = children_of(process.pid, "tansu")
    assert brokers, "no embedded broker under aerie run"
    return brokers[0]


def postmaster_pid(_process: subprocess.Popen[bytes], home: Path) -> int:
    return int((home / "pg" / "postmaster.pid").read_text().split()[0])


@pytest.mark.parametrize(
    ("server_pid", "said"),
    [
        (broker_pid, "embedded broker stopped; starting it again"),
        (postmaster_pid, "embedded PostgreSQL stopped; starting it again"),
    ],
    ids=["broker", "postgresql"],
)
def test_an_embedded_server_that_dies_is_restarted_and_writes_go_on(
    running, server_pid, said: str
) -> None:
    process, output, home, port = running
    assert hired_and_visible(port)
    os.kill(server_pid(process, home), signal.SIGKILL)
    wait_until(lambda: said in output.read(), 30, f"the supervisor did not say {said!r}")
    assert hired_and_visible(port)


def test_a_frozen_worker_is_killed_and_started_again_and_the_views_go_on(running) -> None:
    process, output, _home, port = running
    assert hired_and_visible(port)
    (worker,) = children_of(process.pid, "aerie_platform.cli worker")
    before = len(output.read())
    os.kill(worker, signal.SIGSTOP)  # alive to the operating system, doing nothing
    said = f"worker wrote no heartbeat for {LIVENESS_SECONDS} s"

    def since_frozen() -> str:
        return output.read()[before:]

    wait_until(lambda: said in since_frozen(), 4 * LIVENESS_SECONDS, "the frozen worker stayed")
    wait_until(lambda: "restarting" in since_frozen().split(said, 1)[1], 30, "not restarted")
    assert worker not in children_of(process.pid, "aerie_platform.cli worker")
    assert hired_and_visible(port)


def test_aerie_token_in_another_shell_finds_the_running_platform(running) -> None:
    _process, _output, home, port = running
    shell = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AERIE_DATABASE_URL", "AERIE_KAFKA_BOOTSTRAP")
    }
    issued = subprocess.run(
        [sys.executable, "-m", "aerie_platform.cli", "token", "--role", "hr", "--subject", "H-9"],
        env={**shell, "AERIE_HOME": str(home), "AERIE_TOKEN_KEY": TOKEN_KEY},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert issued.returncode == 0, issued.stdout + issued.stderr
    token = issued.stdout.strip().splitlines()[-1]
    me = graphql_at(port, "{ me { subject role } }", token=token)
    assert me["data"]["me"] == {"subject": "H-9", "role": "hr"}


def test_ctrl_c_stops_every_part_and_server_without_a_traceback(running) -> None:
    process, output, home, _port = running
    parts = children_of(process.pid, "aerie_platform.cli") + children_of(process.pid, "tansu")
    assert parts
    logs = sorted((home / "logs").glob("*.log"))
    before = {log: log.stat().st_size for log in logs}
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    assert output.read().rstrip().endswith("aerie: stopped")
    assert not [pid for pid in parts if Path(f"/proc/{pid}").exists()]
    assert not (home / "pg" / "postmaster.pid").exists()
    assert not (home / "running.env").exists()  # other shells no longer find it
    for log in logs:  # what each part wrote while stopping
        with log.open("rb") as text:
            text.seek(before[log])
            assert b"Traceback" not in text.read(), log.name

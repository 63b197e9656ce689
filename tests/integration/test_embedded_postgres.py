"""The embedded PostgreSQL leaves nothing running once stopped, even after it was revived."""

import os
import signal
from pathlib import Path

import psycopg
from aerie_platform.stack import EmbeddedPostgres, _postmaster_lock

from tests.conftest import wait_until


def test_a_server_revived_after_a_kill_is_stopped_for_good(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.start()
    first = _postmaster_lock(tmp_path / "pg")
    assert first is not None
    os.kill(first.pid, signal.SIGKILL)
    wait_until(lambda: not server.alive(), 10, "the killed server did not die")
    server.revive()  # as the supervisor does once it sees the server dead
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    server.stop()
    assert not server.alive()

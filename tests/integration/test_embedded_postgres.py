"""The embedded PostgreSQL leaves nothing running once stopped."""

from pathlib import Path

import psycopg
from aerie_platform.stack import EmbeddedPostgres


def test_a_new_embedded_server_restarted_for_more_connections_is_stopped_for_good(
    tmp_path: Path,
) -> None:
    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.start()  # a new data directory: restarted once to accept more connections
    with psycopg.connect(url) as conn:
        assert conn.execute("SHOW max_connections").fetchone()[0] == "300"
    server.stop()
    assert not server.alive()

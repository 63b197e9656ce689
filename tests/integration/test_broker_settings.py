"""Broker settings a part cannot work with stop it at start, naming the setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aerie_platform.kafka_access import KafkaLoginError, login_from_env
from aerie_platform.kafka_cluster import local_broker
from aerie_platform.settings import SettingsError
from kafka.admin import KafkaAdminClient, NewTopic

from tests.conftest import Platform, bootstrap_of


def test_a_topic_made_with_fewer_partitions_stops_the_relay_and_the_worker_at_start(
    database_url: str, broker: Any, workdir: Path
) -> None:
    platform = Platform(database_url, broker, workdir, "layout")
    platform.migrate()
    learning = f"{platform.env['AERIE_TOPIC_PREFIX']}.learning"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_of(broker))
    try:
        admin.create_topics([NewTopic(learning, 2, -1)])
    finally:
        admin.close()
    for part in ("relay", "worker"):
        done = subprocess.run(
            [sys.executable, "-m", "aerie_platform.cli", part],
            env=platform.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode != 0, part
        assert "AERIE_TOPIC_PARTITIONS" in done.stderr and learning in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_a_kafka_login_needs_both_user_and_password() -> None:
    assert login_from_env({}) is None
    login = login_from_env({"AERIE_KAFKA_USER": "aerie-relay", "AERIE_KAFKA_PASSWORD": "s3"})
    assert login is not None and login.client_options()["sasl_plain_username"] == "aerie-relay"
    assert "s3" not in repr(login)
    with pytest.raises(KafkaLoginError, match="AERIE_KAFKA_PASSWORD is not set"):
        login_from_env({"AERIE_KAFKA_USER": "aerie-relay"})
    with pytest.raises(KafkaLoginError, match="AERIE_KAFKA_USER is not set"):
        login_from_env({"AERIE_KAFKA_PASSWORD": "s3"})


def test_aerie_run_starts_tansu_unless_told_kafka_and_refuses_another_name(tmp_path: Path) -> None:
    _, described = local_broker(tmp_path, {})
    assert "tansu" in described
    with pytest.raises(SettingsError, match="AERIE_BROKER='rabbit' is not allowed: tansu or kafka"):
        local_broker(tmp_path, {"AERIE_BROKER": "rabbit"})

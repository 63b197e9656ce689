"""The Faust application: one worker process runs every projection agent.

Run it with ``aerie worker``. Kafka offsets are only a hint here: what a
projection has applied is the tracking row it commits with its read-model rows.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import faust
import faust.transport.drivers.aiokafka as aiokafka_driver
import psycopg
from aerie_events.topics import CONTEXTS, topic_for
from aerie_services.settings import Settings

from aerie_projections.profile.agents import ProfileProjector, rewind
from aerie_projections.readmodels import migrate

log = logging.getLogger("aerie.worker")

FETCH_MAX_WAIT_MS = 10
WATCHDOG_SECONDS = 3.0

_create_worker_consumer = aiokafka_driver.AIOKafkaConsumerThread._create_worker_consumer


def _low_latency_consumer(self: Any, transport: Any) -> Any:
    """Faust fixes the fetch wait at 1.5 s; event-to-view latency needs milliseconds."""
    consumer = _create_worker_consumer(self, transport)
    consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
    return consumer


aiokafka_driver.AIOKafkaConsumerThread._create_worker_consumer = _low_latency_consumer


def create_app(settings: Settings) -> faust.App:
    bootstrap = settings.require_broker()
    database_url = settings.require_database()
    with psycopg.connect(database_url) as conn:
        migrate(conn)
    settings.home.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.group_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        web_enabled=False,
        topic_disable_leader=True,
        topic_partitions=settings.partitions,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        broker_rebalance_timeout=3,
        broker_session_timeout=10,
        broker_heartbeat_interval=1,
        datadir=str(settings.home / "worker"),
    )
    topics = app.topic(
        *[topic_for(c) for c in CONTEXTS],
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )
    projector = ProfileProjector(database_url)
    progress = {"applied": 0, "since": time.monotonic()}

    @app.agent(topics, name="profile")
    async def profile(stream: Any) -> None:
        async for events in stream.take_events(2000, within=0.005):
            partitions = await projector.apply(events)
            if partitions:
                await rewind(app, partitions)
            progress["applied"] += len(events)

    @app.timer(interval=WATCHDOG_SECONDS)
    async def watchdog() -> None:
        try:
            stalled = await projector.stalled_partitions()
        except psycopg.Error as error:
            log.warning("watchdog could not read positions: %s", error)
            return
        assigned = {(tp.topic, tp.partition) for tp in app.consumer.assignment()}
        stalled = [key for key in stalled if key in assigned]
        if stalled and progress["applied"] == 0:
            await rewind(app, stalled)
        progress["applied"] = 0

    return app

"""Apache Kafka in KRaft mode, on loopback ports: one node, or three with their controller quorum.

The server jars are Apache Kafka's own, fetched by Maven from the committed
``deploy/apache-kafka/pom.xml`` into ``.cache/kafka/<version>/lib`` (``make kafka``;
nothing is downloaded here). ``KafkaCluster`` formats each node's storage once,
starts the nodes as Java processes, waits until every broker has registered and
answers, and stops them; ``kill`` (SIGKILL) and ``restart`` act on one node, as
a crash and its recovery would. Storage lives under the cluster's folder, so a
restarted node comes back with its data (unlike the embedded tansu broker).

Layouts: ``combined`` (each node is broker and controller: 1 or 3 nodes) or
``separate`` (3 controllers, node ids 1-3, and the brokers, ids 4 on).
With ``scram`` given, clients authenticate with SASL/SCRAM-SHA-512 on the
broker listener, the controller listener takes SASL/PLAIN for the admin only,
and the StandardAuthorizer denies whatever no ACL allows (``kafka_access``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import PIPE, STDOUT
from typing import Any, Literal

log = logging.getLogger("aerie.kafka")

KAFKA_VERSION = "4.3.1"
"""The version ``deploy/apache-kafka/pom.xml`` fetches (keep the two equal)."""
REPOSITORY = Path(__file__).resolve().parents[2]
POM = REPOSITORY / "deploy" / "apache-kafka" / "pom.xml"
DEFAULT_JARS = REPOSITORY / ".cache" / "kafka" / KAFKA_VERSION / "lib"
SCRAM_MECHANISM = "SCRAM-SHA-512"
ADMIN = "admin"
Layout = Literal["combined", "separate"]


class KafkaUnavailable(RuntimeError):
    """Kafka cannot be started here: the jars are missing, Java is missing, a node died."""


def kafka_jars(jars: Path | None = None) -> Path:
    """The folder of Kafka's jars, or ``KafkaUnavailable`` saying how to fetch them."""
    folder = jars or Path(os.environ.get("AERIE_KAFKA_JARS") or DEFAULT_JARS)
    if not (folder / f"kafka_2.13-{KAFKA_VERSION}.jar").exists() and not any(
        folder.glob("kafka_2.13-*.jar")
    ):
        raise KafkaUnavailable(
            f"Apache Kafka's jars are not in {folder}: run `make kafka` (Maven fetches them "
            f"from {POM.relative_to(REPOSITORY)}), or point AERIE_KAFKA_JARS at a folder of them"
        )
    return folder


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct ports free on ``host`` now."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind((host, 0))
            sockets.append(s)
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass(frozen=True)
class Scram:
    """SCRAM users to create at format time (name -> password); ``admin`` is the super user."""

    users: Mapping[str, str]

    @property
    def admin_password(self) -> str:
        return self.users[ADMIN]


@dataclass
class Node:
    """One Kafka process: its id, roles, ports and folder."""

    node_id: int
    roles: tuple[str, ...]
    host: str
    broker_port: int | None
    controller_port: int | None
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    netns: str | None = None

    @property
    def is_broker(self) -> bool:
        return "broker" in self.roles

    @property
    def is_controller(self) -> bool:
        return "controller" in self.roles

    @property
    def address(self) -> str:
        return f"{self.host}:{self.broker_port}"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class KafkaCluster:
    """One or three KRaft nodes (``combined``), or three controllers and brokers (``separate``).

    ``hosts`` gives a node's listening address (``node_id -> (address, netns)``)
    when nodes run in network namespaces; otherwise every node listens on
    127.0.0.1. ``replication`` is the topics' default replication factor and
    ``min_insync`` their ``min.insync.replicas`` (both capped by the brokers).
    """

    folder: Path
    brokers: int = 1
    layout: Layout = "combined"
    scram: Scram | None = None
    jars: Path | None = None
    hosts: Mapping[int, tuple[str, str | None]] = field(default_factory=dict)
    heap_mb: int = 384
    nodes: dict[int, Node] = field(default_factory=dict)
    cluster_id: str = ""

    def __post_init__(self) -> None:
        if self.layout == "combined" and self.brokers not in (1, 3):
            raise ValueError("a combined cluster has 1 or 3 nodes")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._plan()

    # -- layout -----------------------------------------------------------------

    def _plan(self) -> None:
        saved = self.folder / "cluster.json"
        if saved.exists():
            plan = json.loads(saved.read_text())
        else:
            plan = self._new_plan()
            saved.write_text(json.dumps(plan, indent=2))
        self.cluster_id = plan["cluster_id"]
        for raw in plan["nodes"]:
            node_id = int(raw["node_id"])
            host, netns = self.hosts.get(node_id, ("127.0.0.1", None))
            self.nodes[node_id] = Node(
                node_id,
                tuple(raw["roles"]),
                host,
                raw["broker_port"],
                raw["controller_port"],
                self.folder / f"node-{node_id}",
                netns=netns,
            )

    def _new_plan(self) -> dict[str, Any]:
        roles: list[tuple[int, tuple[str, ...]]]
        if self.layout == "combined":
            roles = [(i, ("broker", "controller")) for i in range(1, self.brokers + 1)]
        else:
            roles = [(i, ("controller",)) for i in (1, 2, 3)]
            roles += [(3 + i, ("broker",)) for i in range(1, self.brokers + 1)]
        ports = iter(free_ports(2 * len(roles)))
        nodes = []
        for node_id, node_roles in roles:
            broker, controller = next(ports), next(ports)
            nodes.append(
                {
                    "node_id": node_id,
                    "roles": list(node_roles),
                    "broker_port": broker if "broker" in node_roles else None,
                    "controller_port": controller if "controller" in node_roles else None,
                }
            )
        return {"cluster_id": _cluster_id(), "nodes": nodes}

    @property
    def broker_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.is_broker]

    @property
    def controller_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.is_controller]

    @property
    def bootstrap(self) -> str:
        return ",".join(n.address for n in self.broker_nodes)

    @property
    def replication(self) -> int:
        return min(3, len(self.broker_nodes))

    @property
    def min_insync(self) -> int:
        return 2 if self.replication >= 3 else 1

    def admin_options(self) -> dict[str, Any]:
        """kafka-python / aiokafka options of the super user (empty without SASL)."""
        if self.scram is None:
            return {}
        return scram_options(ADMIN, self.scram.admin_password)

    # -- properties -------------------------------------------------------------

    def _voters(self) -> str:
        return ",".join(f"{n.node_id}@{n.host}:{n.controller_port}" for n in self.controller_nodes)

    def properties(self, node: Node) -> dict[str, str]:
        """The node's ``server.properties``."""
        listeners, advertised, protocols = [], [], []
        client = "SASL_PLAINTEXT" if self.scram else "PLAINTEXT"
        if node.is_broker:
            listeners.append(f"CLIENTS://{node.host}:{node.broker_port}")
            advertised.append(f"CLIENTS://{node.address}")
            protocols.append(f"CLIENTS:{client}")
        if node.is_controller:
            listeners.append(f"CONTROLLER://{node.host}:{node.controller_port}")
            protocols.append(f"CONTROLLER:{client}")
        replication = self.replication
        props = {
            "process.roles": ",".join(node.roles),
            "node.id": str(node.node_id),
            "controller.quorum.voters": self._voters(),
            "controller.listener.names": "CONTROLLER",
            "listeners": ",".join(listeners),
            "listener.security.protocol.map": ",".join(protocols),
            "log.dirs": str(node.folder / "data"),
            "num.partitions": "3",
            "default.replication.factor": str(replication),
            "min.insync.replicas": str(self.min_insync),
            "offsets.topic.replication.factor": str(replication),
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": str(replication),
            "transaction.state.log.min.isr": str(self.min_insync),
            "share.coordinator.state.topic.replication.factor": str(replication),
            "share.coordinator.state.topic.min.isr": str(self.min_insync),
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
            "unclean.leader.election.enable": "false",
            # A broker killed with SIGKILL is fenced after this (default 9 s), its
            # partitions' leadership moving to an in-sync follower.
            "broker.session.timeout.ms": "3000",
            "broker.heartbeat.interval.ms": "500",
            "replica.lag.time.max.ms": "5000",
            "log.retention.hours": "-1",
            "log.segment.bytes": str(64 * 1024 * 1024),
            "log.cleaner.enable": "false",
            "num.network.threads": "2",
            "num.io.threads": "2",
            "background.threads": "2",
            "num.replica.fetchers": "1",
            "num.recovery.threads.per.data.dir": "1",
        }
        if node.is_broker:
            props["advertised.listeners"] = ",".join(advertised)
            props["inter.broker.listener.name"] = "CLIENTS"
        if self.scram is not None:
            props.update(self._secured(node))
        return props

    def _secured(self, node: Node) -> dict[str, str]:
        """SASL/SCRAM for clients and brokers, SASL/PLAIN (admin only) for controllers, ACLs."""
        assert self.scram is not None
        password = self.scram.admin_password
        plain = (
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="{ADMIN}" password="{password}" user_{ADMIN}="{password}";'
        )
        scram = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{ADMIN}" password="{password}";'
        )
        props = {
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            "super.users": f"User:{ADMIN}",
            "sasl.mechanism.controller.protocol": "PLAIN",
            "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
            "listener.name.controller.plain.sasl.jaas.config": plain,
        }
        if node.is_broker:
            props |= {
                "sasl.enabled.mechanisms": SCRAM_MECHANISM,
                "sasl.mechanism.inter.broker.protocol": SCRAM_MECHANISM,
                f"listener.name.clients.{SCRAM_MECHANISM.lower()}.sasl.jaas.config": scram,
            }
        return props

    def _write_properties(self, node: Node) -> Path:
        node.folder.mkdir(parents=True, exist_ok=True)
        path = node.folder / "server.properties"
        lines = [f"{k}={v}" for k, v in self.properties(node).items()]
        path.write_text("\n".join(lines) + "\n")
        (node.folder / "log4j2.properties").write_text(LOG4J)
        return path

    # -- processes --------------------------------------------------------------

    def _java(self, node: Node, main: str, *args: str) -> list[str]:
        jars = kafka_jars(self.jars)
        command = [
            "java",
            f"-Xms{self.heap_mb // 2}m",
            f"-Xmx{self.heap_mb}m",
            "-XX:+UseG1GC",
            "-XX:TieredStopAtLevel=1",
            "-Xshare:auto",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={node.folder / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={node.folder}",
            "-cp",
            f"{jars}/*",
            main,
            *args,
        ]
        return ["ip", "netns", "exec", node.netns, *command] if node.netns else command

    def format(self, nodes: Sequence[Node]) -> None:
        """Format each node's storage once (its ``meta.properties`` says it was), all at once."""
        running: list[tuple[Node, subprocess.Popen[str]]] = []
        for node in nodes:
            properties = self._write_properties(node)
            if (node.folder / "data" / "meta.properties").exists():
                continue
            args = ["format", "-t", self.cluster_id, "-c", str(properties), "--ignore-formatted"]
            for name, password in (self.scram.users if self.scram else {}).items():
                args += ["--add-scram", f"{SCRAM_MECHANISM}=[name={name},password={password}]"]
            command = self._java(node, "kafka.tools.StorageTool", *args)
            running.append((node, subprocess.Popen(command, stdout=PIPE, stderr=STDOUT, text=True)))
        for node, process in running:
            output, _ = process.communicate(timeout=120)
            if process.returncode != 0:
                raise KafkaUnavailable(f"formatting node {node.node_id} failed: {output.strip()}")

    def start(self, timeout: float = 90.0) -> str:
        """Format what is new, start every node, wait until every broker answers."""
        self.format(list(self.nodes.values()))
        for node in self.nodes.values():
            self._launch(node)
        self.wait_until_ready(timeout)
        return self.bootstrap

    def _launch(self, node: Node) -> None:
        if node.alive():
            return
        self._write_properties(node)
        out = open(node.folder / "server.log", "ab")  # noqa: SIM115
        node.process = subprocess.Popen(
            self._java(node, "kafka.Kafka", str(node.folder / "server.properties")),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()

    def wait_until_ready(self, timeout: float = 90.0) -> None:
        """Until every broker of the cluster is registered and each one answers a metadata request."""
        deadline = time.monotonic() + timeout
        expected = {n.node_id for n in self.broker_nodes if n.alive()}
        last: Exception | None = None
        while time.monotonic() < deadline:
            for node in self.nodes.values():
                if node.process is not None and node.process.poll() is not None:
                    raise KafkaUnavailable(
                        f"Kafka node {node.node_id} exited with {node.process.returncode} at "
                        f"start; its log: {node.folder / 'server.log'}"
                    )
            try:
                if self._listening() and self.registered_brokers() >= expected:
                    return
            except Exception as error:  # not up yet
                last = error
            time.sleep(0.3)
        raise KafkaUnavailable(
            f"Kafka did not answer on {self.bootstrap} within {timeout:.0f}s ({last}); "
            f"logs under {self.folder}"
        )

    def _listening(self) -> bool:
        """Whether every live broker accepts connections (before any Kafka client tries it)."""
        for node in self.broker_nodes:
            if not node.alive():
                continue
            try:
                with socket.create_connection((node.host, int(node.broker_port or 0)), 0.5):
                    pass
            except OSError:
                return False
        return True

    def registered_brokers(self) -> set[int]:
        """The broker ids the cluster's metadata lists (asked of each live broker in turn)."""
        from kafka.admin import KafkaAdminClient

        found: set[int] | None = None
        for node in self.broker_nodes:
            if not node.alive():
                continue
            admin = KafkaAdminClient(
                bootstrap_servers=node.address,
                client_id="aerie-kafka-launcher",
                request_timeout_ms=3000,
                **self.admin_options(),
            )
            try:
                brokers = admin.describe_cluster()["brokers"]
                ids = {int(b["broker_id"]) for b in brokers if not b.get("is_fenced")}
            finally:
                admin.close()
            found = ids if found is None else found & ids
        return found or set()

    def kill(self, node_id: int) -> None:
        """SIGKILL one node, as a crash would."""
        node = self.nodes[node_id]
        if node.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.process.pid, signal.SIGKILL)
            node.process.wait()
            node.process = None

    def restart(self, node_id: int, timeout: float = 90.0) -> None:
        """Start one node again on its storage (after ``kill`` or ``stop_node``)."""
        node = self.nodes[node_id]
        self._launch(node)
        if node.is_broker:
            self.wait_until_ready(timeout)

    def stop_node(self, node_id: int, timeout: float = 30.0) -> None:
        """Stop one node cleanly (SIGTERM: it hands its leaderships over), else kill it."""
        node = self.nodes[node_id]
        if node.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(node.process.pid, signal.SIGTERM)
        try:
            node.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill(node_id)
        node.process = None

    def stop(self) -> None:
        """Stop the brokers, then the controllers."""
        for node in [*self.broker_nodes, *self.controller_nodes]:
            if node.process is not None and not node.alive():
                node.process = None
        ordered = [n for n in self.broker_nodes if not n.is_controller] + self.controller_nodes
        for node in ordered:
            if node.process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(node.process.pid, signal.SIGTERM)
        for node in ordered:
            if node.process is not None:
                try:
                    node.process.wait(30)
                except subprocess.TimeoutExpired:
                    self.kill(node.node_id)
                node.process = None

    def alive(self) -> bool:
        return all(n.alive() for n in self.nodes.values())

    # -- who leads --------------------------------------------------------------

    def _admin(self) -> Any:
        from kafka.admin import KafkaAdminClient

        live = ",".join(n.address for n in self.broker_nodes if n.alive())
        return KafkaAdminClient(
            bootstrap_servers=live or self.bootstrap,
            client_id="aerie-kafka-launcher",
            request_timeout_ms=5000,
            **self.admin_options(),
        )

    def leaders(self, topic: str) -> dict[int, int]:
        """``partition -> leader node id`` of ``topic``."""
        admin = self._admin()
        try:
            (described,) = admin.describe_topics([topic])
        finally:
            admin.close()
        return {int(p["partition_index"]): int(p["leader_id"]) for p in described["partitions"]}

    def in_sync(self, topic: str) -> dict[int, list[int]]:
        """``partition -> in-sync replicas`` of ``topic``."""
        admin = self._admin()
        try:
            (described,) = admin.describe_topics([topic])
        finally:
            admin.close()
        return {int(p["partition_index"]): list(p["isr_nodes"]) for p in described["partitions"]}

    def active_controller(self) -> int:
        """The node id leading the KRaft quorum now."""
        admin = self._admin()
        try:
            quorum = admin.describe_metadata_quorum()
        finally:
            admin.close()
        return int(_leader_of_quorum(quorum))


def _leader_of_quorum(quorum: Mapping[str, Any]) -> int:
    for topic in quorum.get("topics", []):
        for partition in topic.get("partitions", []):
            return int(partition["leader_id"])
    raise KafkaUnavailable(f"no quorum leader in {quorum}")


def scram_options(username: str, password: str) -> dict[str, Any]:
    """The client options (kafka-python and aiokafka alike) of a SCRAM user."""
    return {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": SCRAM_MECHANISM,
        "sasl_plain_username": username,
        "sasl_plain_password": password,
    }


def _cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, base64url without padding."""
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


LOG4J = """\
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRefs = out
rootLogger.appenderRef.out.ref = OUT
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.server.name = kafka.server.KafkaServer
logger.server.level = INFO
logger.raft.name = org.apache.kafka.raft
logger.raft.level = WARN
"""


BROKER_SETTING = "AERIE_BROKER"
"""Which broker ``aerie run`` starts when ``AERIE_KAFKA_BOOTSTRAP`` is unset: tansu or kafka."""


def local_broker(home: Path, env: Mapping[str, str]) -> tuple[Any, str]:
    """The broker ``aerie run`` starts under ``home``, and how to describe it.

    ``tansu`` (the default) starts in well under a second and keeps topics in
    memory; ``kafka`` is one Apache Kafka node (broker and controller) whose
    data stays under ``home/kafka`` across runs, from ``make kafka``'s jars.
    """
    from aerie_platform.settings import SettingsError
    from aerie_platform.stack import EmbeddedBroker

    choice = env.get(BROKER_SETTING, "").strip().lower() or "tansu"
    if choice == "tansu":
        broker = EmbeddedBroker(log_path=home / "broker.log")
        return broker, "embedded tansu broker (topics in memory; the relay republishes)"
    if choice != "kafka":
        raise SettingsError(f"{BROKER_SETTING}={choice!r} is not allowed: tansu or kafka")
    try:
        kafka_jars()
    except KafkaUnavailable as error:
        raise SettingsError(f"{BROKER_SETTING}=kafka: {error}") from None
    cluster = KafkaCluster(home / "kafka", brokers=1)
    return cluster, f"Apache Kafka {KAFKA_VERSION} (one KRaft node, data in {cluster.folder})"

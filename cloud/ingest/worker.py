"""The ingest worker: hub batches and statuses from the broker into the database.

Workers join the shared subscriptions in `protocols.topics.INGEST_SUBSCRIPTIONS`, so any
number of them (on any number of machines) split the hubs' messages between them.

Inside one worker, paho's network thread only queues each message; `threads` database
threads each take one, ingest it in one session, commit once, then publish the retained ack
and finally PUBACK the message to the broker (manual acks). Parsing is most of a worker's CPU
and holds the GIL, so one thread per worker and one worker per core use a machine best; a
second thread only helps a lone worker overlap parsing with the database. The MQTT 5 receive
maximum keeps the broker from sending more unacknowledged messages than the queue should hold.

A database outage holds the message and retries it; nothing is acknowledged that is not
committed. A message the database refuses outright is dead-lettered, and the worker goes on.
"""

from __future__ import annotations

import gc
import logging
import queue
import signal
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import exc as sa_exc

from protocols import Ack, InvalidPayload, Topics, encode
from protocols.topics import INGEST_SUBSCRIPTIONS, QOS

from ..config import CloudConfig
from ..db import make_engine, make_sessionmaker
from ..deadletters import record_dead_letter
from ..publish.mqtt import broker_name, make_client
from . import ingest_message
from .hubs import hub_of_topic
from .result import IngestResult

log = logging.getLogger(__name__)

_TRANSIENT: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    sa_exc.DisconnectionError,
    sqlite3.OperationalError,
)
try:  # The fast path writes through psycopg2 directly, so its errors arrive unwrapped.
    import psycopg2

    _TRANSIENT += (psycopg2.OperationalError, psycopg2.InterfaceError)
except ImportError:  # pragma: no cover - psycopg2 is a dependency
    pass


@dataclass(frozen=True)
class _Message:
    topic: str
    payload: bytes
    mid: int
    qos: int
    received_at: datetime
    connection: int  # Which broker connection delivered it; a PUBACK is only valid on that one.


class IngestWorker:
    """One ingest process's MQTT client and database threads; `run()` until stopped."""

    def __init__(self, config: CloudConfig) -> None:
        self.config = config
        self.engine = make_engine(
            config.database.url,
            pool_size=config.ingest.threads + 1,
            echo=config.database.echo,
            pre_ping=False,
        )
        self.sessions = make_sessionmaker(self.engine)
        self.client = make_client(config.mqtt, "ingest", manual_ack=True)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.counts: Counter[str] = Counter()
        self._queue: queue.Queue[_Message | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._connection = 0
        self._ready = threading.Event()
        self._acks: dict[str, Ack] = {}  # The last ack published per hub.
        self._lock = threading.Lock()
        self._db_down = False

    # MQTT side, on paho's network thread.

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("MQTT broker %s refused the ingest worker: %s", self._broker, reason_code)
            return
        self._connection += 1
        # Subscribing here means a reconnect restores the subscriptions.
        client.subscribe([(topic, QOS) for topic in INGEST_SUBSCRIPTIONS])
        log.info("ingest worker connected to %s", self._broker)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        failed = [str(code) for code in reason_codes if code.is_failure]
        if failed:
            log.warning("broker %s refused the ingest subscriptions: %s", self._broker, failed)
            return
        self._ready.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._ready.clear()
        if not self._stopping.is_set():
            log.info(
                "ingest worker lost the MQTT broker %s (%s); reconnecting",
                self._broker,
                reason_code,
            )

    def _on_message(self, client, userdata, message) -> None:
        self._queue.put(
            _Message(
                message.topic,
                message.payload,
                message.mid,
                message.qos,
                datetime.now(UTC),
                self._connection,
            )
        )

    @property
    def _broker(self) -> str:
        return broker_name(self.config.mqtt)

    # Database side, on the worker's own threads.

    def _serve(self) -> None:
        while (message := self._queue.get()) is not None:
            try:
                if self._handle(message) and message.connection == self._connection:
                    self.client.ack(message.mid, message.qos)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _handle(self, message: _Message) -> bool:
        """Store one message and publish what it says to publish; True once it may be acked."""
        while True:
            try:
                result = self._ingest(message)
                break
            except _TRANSIENT as err:
                if not self._db_down:
                    self._db_down = True
                    log.warning(
                        "database unavailable (%s); holding messages and retrying every %g s",
                        _first_line(err),
                        self.config.ingest.retry_s,
                    )
                if self._stopping.wait(self.config.ingest.retry_s):
                    return False  # Not stored, so not acked: the hub resends it.
            except Exception as err:
                log.exception("could not store a message on %s; dead-lettering it", message.topic)
                return self._dead_letter(message, err)
        if self._db_down:
            self._db_down = False
            log.info("database is back; ingest continues")
        with self._lock:
            self.counts.update(
                messages=1,
                stored=result.stored,
                duplicates=result.duplicates,
                dead_lettered=result.dead_lettered,
            )
        self._publish(result)
        return True

    def _ingest(self, message: _Message) -> IngestResult:
        with self.sessions() as session:
            result = ingest_message(
                session,
                message.topic,
                message.payload,
                message.received_at,
                clock_skew_flag_s=self.config.ingest.clock_skew_flag_s,
            )
            session.commit()
        return result

    def _dead_letter(self, message: _Message, err: Exception) -> bool:
        """Keep a message that could not be stored for a reason other than an outage."""
        try:
            hub_id = hub_of_topic(message.topic)
        except InvalidPayload:
            hub_id = None
        try:
            with self.sessions() as session:
                reason = f"could not be stored: {type(err).__name__}: {_first_line(err)[:500]}"
                record_dead_letter(
                    session,
                    InvalidPayload("", reason),
                    topic=message.topic,
                    payload=message.payload,
                    at=message.received_at,
                    hub_id=hub_id,
                )
                session.commit()
        except Exception:
            log.exception("could not dead-letter a message on %s either", message.topic)
            return False
        with self._lock:
            self.counts["dead_lettered"] += 1
        return True

    def _publish(self, result: IngestResult) -> None:
        """Publish the ack (retained) and any catalog update; called only after the commit."""
        if result.hub is None:
            return
        topics = Topics(result.hub)
        if result.ack is not None:
            with self._lock:
                # Two threads can finish batches of one hub in either order; never let the
                # retained watermark step back. An equal ack is sent again: it may be a resend
                # from a hub that missed the first one.
                last = self._acks.get(result.hub)
                if last is None or result.ack.seq >= last.seq or result.ack.refused != last.refused:
                    self._acks[result.hub] = result.ack
                    self.client.publish(topics.ack, ack_payload(result.ack), qos=QOS, retain=True)
        if result.catalog_update is not None:
            self.client.publish(topics.cmd, encode(result.catalog_update), qos=QOS)

    # Life cycle.

    def start(self) -> None:
        """Connect (in the background, retrying) and start the database threads."""
        self._stopping.clear()
        properties = Properties(PacketTypes.CONNECT)
        properties.ReceiveMaximum = self.config.ingest.queue_size
        self.client.connect_async(
            self.config.mqtt.host,
            self.config.mqtt.port,
            self.config.mqtt.keepalive_s,
            clean_start=True,
            properties=properties,
        )
        for n in range(self.config.ingest.threads):
            thread = threading.Thread(target=self._serve, name=f"ingest-db-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self.client.loop_start()
        log.info(
            "ingest worker started: %d database thread(s) on %s, broker %s",
            self.config.ingest.threads,
            self.config.database.safe_url,
            self._broker,
        )

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait until the worker is connected and subscribed; False if it was not in time."""
        return self._ready.wait(timeout_s)

    def stop(self, drain_timeout_s: float = 10.0) -> None:
        """Stop taking messages, finish the ones queued, then disconnect."""
        if self._stopping.is_set():
            return
        self.client.unsubscribe(list(INGEST_SUBSCRIPTIONS))
        deadline = time.monotonic() + drain_timeout_s
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stopping.set()  # Also ends a retry loop waiting for the database.
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=drain_timeout_s)
        self._threads.clear()
        self.client.disconnect()
        self.client.loop_stop()
        self.engine.dispose()
        log.info(
            "ingest worker stopped after %d messages: %d events stored, %d duplicates, "
            "%d dead-lettered",
            self.counts["messages"],
            self.counts["stored"],
            self.counts["duplicates"],
            self.counts["dead_lettered"],
        )

    def run(self, stop: threading.Event) -> None:
        """Ingest until `stop` is set."""
        self.start()
        try:
            stop.wait()
        finally:
            self.stop()


def _first_line(err: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's wrapper and SQL echo."""
    lines = str(getattr(err, "orig", None) or err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def ack_payload(ack: Ack) -> bytes:
    """`{"seq": N}` as protocols/README.md writes it, with `refused` only when there is one."""
    return encode(ack) if ack.refused else b'{"seq":%d}' % ack.seq


def run_worker(config: CloudConfig) -> int:
    """The `shopfloor cloud ingest` entry point: run until SIGTERM or SIGINT."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: stop.set())
    # Everything imported so far lives as long as the process; keep the collector off it, so
    # collections while parsing batches only walk the objects of the batch at hand.
    gc.collect()
    gc.freeze()
    IngestWorker(config).run(stop)
    return 0

"""Events up: the publisher thread that sends the outbox in batches and prunes it on acks.

One thread owns one SQLite connection and everything stateful about the link: it reads
what paho's callbacks put on the inbox, publishes while (and only while) the link is up,
keeps at most `sync.max_inflight_batches` batches unconfirmed by the broker, and resends
from the cloud's watermark + 1 on every (re)connect and whenever the watermark has not
moved for `sync.resend_after_s`. Resends are idempotent for the cloud, which stores each
(hub, seq) once. The till never waits for any of this: it only appends to the outbox.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time

import msgspec
import paho.mqtt.client as mqtt

from protocols import InvalidPayload, encode, encode_batch, parse_ack

from ..config import HubConfig
from ..store import db as store_db
from ..store import outbox
from ..store.status import hub_status
from .commands import apply_command
from .link import Inbox, Link

log = logging.getLogger(__name__)

# While the watermark stays stuck (a gap the cloud is waiting on), resends back off from
# resend_after_s, doubling up to this many times that, rather than flooding the broker.
RESEND_BACKOFF_FACTOR_MAX = 16
GOODBYE_TIMEOUT_S = 3.0
# A command that meets a busy database is retried this many times before it is dropped; the
# hub's status keeps announcing its catalog version, so the cloud can send it again.
CMD_ATTEMPTS = 5


def _settled(info: mqtt.MQTTMessageInfo) -> bool:
    """True once the broker confirmed the message, or paho will not report on it any more.

    A publish that raced with a disconnect reports an error code but stays in paho's session
    and goes out after the reconnect; the resend from the watermark covers it either way.
    """
    try:
        return info.is_published()
    except (ValueError, RuntimeError):
        return True


class Publisher:
    """Sends the outbox and applies what comes down; run it with `run(stop)` in a thread."""

    def __init__(self, config: HubConfig, link: Link, inbox: Inbox) -> None:
        self.config = config
        self.link = link
        self.inbox = inbox
        self.connected = False
        self._acked = 0
        self._next_seq = 1
        self._inflight: list[tuple[mqtt.MQTTMessageInfo, int]] = []
        self._progress_at = time.monotonic()
        self._status_at = 0.0
        self._resend_after_s = config.sync.resend_after_s
        self._denied: str | None = None
        self._stalled = False

    def run(self, stop: threading.Event) -> None:
        """Connect, then publish and apply messages until `stop` is set; say goodbye on exit."""
        store = self.config.store
        db = store_db.open_db(store.db_path, busy_timeout_s=store.busy_timeout_s)
        try:
            outbox.set_connected(db, False)
            self._acked = outbox.acked_seq(db)
            self._next_seq = self._acked + 1
            self.link.set_will(self._status(db, "offline"))
            self.link.start()
            while not stop.is_set():
                try:
                    self._step(db, stop)
                except sqlite3.Error as err:
                    # A busy or full disk is worth retrying; the outbox keeps every event.
                    log.warning("Sync paused for a second by a database error: %s", err)
                    stop.wait(1.0)
                except Exception:
                    log.exception("Unexpected error in the sync loop; carrying on")
                    stop.wait(1.0)
            self._say_goodbye(db)
        finally:
            try:
                outbox.set_connected(db, False)
            finally:
                db.close()

    def _step(self, db: sqlite3.Connection, stop: threading.Event) -> None:
        try:
            item = self.inbox.get(timeout=self.config.sync.poll_s)
        except queue.Empty:
            item = None
        while item is not None:
            self._handle(db, item)
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                item = None
        if self.connected and not stop.is_set():
            self._resend_if_stalled()
            self._fill_window(db)
            if time.monotonic() - self._status_at >= self.config.sync.status_every_s:
                self._publish_online(db)

    def _handle(self, db: sqlite3.Connection, item: tuple) -> None:
        kind = item[0]
        if kind == "up":
            self._on_up(db)
        elif kind == "down":
            if self.connected:
                log.info(
                    "MQTT link to %s is down (%s); sales go on and wait in the outbox",
                    self.link.where,
                    item[1],
                )
                self.connected = False
                outbox.set_connected(db, False)
        elif kind == "denied":
            if item[1] != self._denied:
                log.warning(
                    "The broker at %s refused this hub: %s; check mqtt.username, "
                    "mqtt.password and the broker's ACL",
                    self.link.where,
                    item[1],
                )
                self._denied = item[1]
        elif kind == "ack":
            try:
                self._on_ack(db, item[1].payload)
            finally:
                self.link.ack(item[1])
        elif kind == "cmd":
            self._on_cmd(db, item[1], item[2] if len(item) > 2 else 1)

    def _on_up(self, db: sqlite3.Connection) -> None:
        if not self.connected:
            log.info("MQTT link to %s is up", self.link.where)
        # In-memory state first, so a database error below cannot leave the link idle.
        self.connected = True
        self._denied = None
        # Resend everything the cloud has not acknowledged: batches in flight when the link
        # dropped may or may not have reached it.
        self._rewind()
        outbox.set_connected(db, True)
        self._publish_online(db)

    def _publish_online(self, db: sqlite3.Connection) -> None:
        self.link.publish_status(self._status(db, "online"))
        self._status_at = time.monotonic()

    def _on_cmd(self, db: sqlite3.Connection, message: mqtt.MQTTMessage, attempt: int) -> None:
        """Apply a command, then acknowledge it; a busy database gets a few more tries."""
        try:
            changed = apply_command(db, message.payload)
        except sqlite3.Error as err:
            if attempt < CMD_ATTEMPTS:
                log.warning("Command not applied yet (%s); trying again", err)
                self.inbox.put(("cmd", message, attempt + 1))
                time.sleep(min(attempt, 5))
                return
            log.error("Command dropped after %d tries: %s", attempt, err)
            changed = False
        self.link.ack(message)
        if changed and self.connected:
            self._publish_online(db)

    def _on_ack(self, db: sqlite3.Connection, payload: bytes) -> None:
        try:
            ack = parse_ack(payload)
        except (InvalidPayload, ValueError, TypeError) as err:
            # protocols lets a few malformed inputs out as UnicodeDecodeError or TypeError.
            log.warning("Ack refused: %s (payload starts %r)", err, payload[:80])
            return
        acked = outbox.record_ack(db, ack.seq, ack.refused)
        if acked > self._acked:
            log.debug("Cloud acknowledged up to seq %d", acked)
            self._acked = acked
            self._progress_at = time.monotonic()
            self._resend_after_s = self.config.sync.resend_after_s
            self._next_seq = max(self._next_seq, acked + 1)
            if self._stalled:
                log.info("The cloud acknowledges again, up to seq %d", acked)
                self._stalled = False

    def _rewind(self) -> None:
        self._next_seq = self._acked + 1
        self._progress_at = time.monotonic()

    def _resend_if_stalled(self) -> None:
        waiting = self._next_seq - 1 > self._acked
        if waiting and time.monotonic() - self._progress_at >= self._resend_after_s:
            # Said once per stall: later resends of the same stall are retries, not news.
            (log.debug if self._stalled else log.info)(
                "No ack beyond seq %d for %.0f s; resending from seq %d",
                self._acked,
                self._resend_after_s,
                self._acked + 1,
            )
            self._stalled = True
            self._rewind()
            self._resend_after_s = min(
                self._resend_after_s * 2,
                self.config.sync.resend_after_s * RESEND_BACKOFF_FACTOR_MAX,
            )

    def _fill_window(self, db: sqlite3.Connection) -> None:
        sync = self.config.sync
        self._inflight = [(info, seq) for info, seq in self._inflight if not _settled(info)]
        while len(self._inflight) < sync.max_inflight_batches:
            batch = outbox.read_batch(
                db, self._next_seq - 1, sync.batch_max_events, sync.batch_max_bytes
            )
            if not batch:
                return
            if self._next_seq - 1 <= self._acked:
                # The resend timer starts with the first event the cloud has not acked.
                self._progress_at = time.monotonic()
            payload = encode_batch(self.config.hub.id, [event for _, event in batch])
            info = self.link.publish_events(payload)
            self._inflight.append((info, batch[-1][0]))
            self._next_seq = batch[-1][0] + 1
            log.debug("Published seq %d..%d (%d bytes)", batch[0][0], batch[-1][0], len(payload))

    def _status(self, db: sqlite3.Connection, state: str) -> bytes:
        status = hub_status(db, self.config.hub, state)
        if state == "online":
            # Keep the will as current as the status it will replace.
            self.link.set_will(encode(msgspec.structs.replace(status, state="offline")))
        return encode(status)

    def _say_goodbye(self, db: sqlite3.Connection) -> None:
        """Publish a retained offline status and disconnect, so the cloud knows it was planned.

        When the broker does not confirm the goodbye in time (a busy hub, a slow link), the
        disconnect asks the broker to publish the will instead: a clean disconnect alone would
        leave the retained status saying online.
        """
        said = False
        try:
            if self.connected:
                info = self.link.publish_status(self._status(db, "offline"))
                info.wait_for_publish(GOODBYE_TIMEOUT_S)
                said = info.is_published()
        except (RuntimeError, ValueError, sqlite3.Error) as err:
            log.info("Could not say goodbye to the broker: %s", err)
        finally:
            self.link.stop(with_will=not said)
            if self.connected:
                log.info("MQTT link to %s closed", self.link.where)
            self.connected = False

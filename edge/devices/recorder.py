"""The recorder: every Recordable bus message (device.status, location.fix) into the outbox."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

from protocols import InvalidPayload

from ..config import HubConfig
from ..errors import StoreError
from ..store import append_event, open_db
from .bus import Subscription

log = logging.getLogger(__name__)


class Recorder:
    """Appends each message with `as_event()` to the outbox through its own SQLite connection.

    It reads one bus subscription (made before any device starts, so no state change is
    missed). `seen` is called with every message first, so the manager can follow states.
    """

    def __init__(
        self,
        config: HubConfig,
        subscription: Subscription,
        *,
        seen: Callable[[object], None] | None = None,
    ) -> None:
        self.config = config
        self.subscription = subscription
        self.seen = seen
        self.recorded = 0
        self.refused = 0

    def run(self, stop: threading.Event) -> None:
        """Record messages until `stop` is set, then record what is still queued and close."""
        db = self._open(stop)
        if db is None:
            return
        try:
            while not stop.is_set():
                message = self.subscription.get(timeout_s=0.1)
                if message is not None:
                    self.handle(db, message)
            for message in self.subscription.drain():
                self.handle(db, message)
        finally:
            db.close()

    def _open(self, stop: threading.Event) -> sqlite3.Connection | None:
        """This thread's own connection; a database that cannot be opened is retried."""
        store = self.config.store
        failed = False
        while not stop.is_set():
            try:
                return open_db(store.db_path, busy_timeout_s=store.busy_timeout_s)
            except (StoreError, sqlite3.Error) as err:
                if not failed:  # Once, not per retry.
                    log.error("Device recorder cannot open %s: %s; retrying", store.db_path, err)
                failed = True
            stop.wait(1.0)
        return None

    def handle(self, db: sqlite3.Connection, message: object) -> None:
        """Record one message if it is Recordable; a bad one is logged, never fatal."""
        if self.seen is not None:
            self.seen(message)
        as_event = getattr(message, "as_event", None)
        if not callable(as_event):
            return
        type, body = as_event()
        try:
            append_event(db, self.config.hub.id, type, body)
        except InvalidPayload as err:
            self.refused += 1
            log.warning("Not recording %s from the bus: %s", type, err)
        except sqlite3.Error as err:
            # A locked or full disk must not stop the recorder; the state is still on the bus.
            self.refused += 1
            log.error("Cannot record %s: %s", type, err)
        except Exception:
            self.refused += 1
            log.exception("Recording %s failed", type)
        else:
            self.recorded += 1

"""The hub's MQTT side: events up from the outbox, acks and commands down.

`Sync(config).start()` connects in the background and returns at once; `stop()` says
goodbye (a retained offline status), disconnects and joins. Nothing here blocks the till.
"""

from __future__ import annotations

import queue
import threading

from ..config import HubConfig
from .link import Link
from .outbox import Publisher


class Sync:
    """One hub's sync: a paho client and the publisher thread with its own SQLite connection."""

    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.inbox: queue.Queue = queue.Queue()
        self.link = Link(config, self.inbox)
        self.publisher = Publisher(config, self.link, self.inbox)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        return self.publisher.connected

    def start(self) -> Sync:
        if self._thread is not None:
            raise RuntimeError("sync is already started")
        self._thread = threading.Thread(
            target=self.publisher.run, args=(self._stop,), name="sync-publisher", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop publishing, say goodbye to the broker and wait for the thread to end."""
        self._stop.set()
        self.inbox.put(("stop",))
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def __enter__(self) -> Sync:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run(config: HubConfig, stop: threading.Event) -> None:
    """Run the hub's sync until `stop` is set (for a thread or a process of its own)."""
    sync = Sync(config).start()
    try:
        stop.wait()
    finally:
        sync.stop()


__all__ = ["Sync", "run"]

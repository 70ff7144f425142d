"""The hub's internal event bus: devices publish, the till UI, sync and the ledger subscribe.

Publishing never blocks a device thread: each subscriber has its own bounded queue, and a
subscriber that falls behind loses its oldest messages (counted in `dropped`), never the
device's newest reading.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)


class Subscription:
    """Messages for one subscriber, optionally only those for which `accept` is true."""

    def __init__(self, bus: Bus, accept: Callable[[object], bool] | None, maxsize: int) -> None:
        self._bus = bus
        self._accept = accept
        self._queue: queue.Queue[object] = queue.Queue(maxsize)
        self.dropped = 0

    def _offer(self, message: object) -> None:
        if self._accept is not None and not self._accept(message):
            return
        while True:
            try:
                self._queue.put_nowait(message)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def get(self, timeout_s: float | None = None) -> object | None:
        """The next message, or None when `timeout_s` passes first."""
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def drain(self) -> Iterator[object]:
        """Every message waiting now, without blocking."""
        while True:
            try:
                yield self._queue.get_nowait()
            except queue.Empty:
                return

    def close(self) -> None:
        self._bus._remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Bus:
    """Fan-out of typed messages (Scan, Weight, DeviceState, ...) to every subscriber."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: list[Subscription] = []

    def subscribe(
        self, accept: Callable[[object], bool] | None = None, *, maxsize: int = 1000
    ) -> Subscription:
        sub = Subscription(self, accept, maxsize)
        with self._lock:
            self._subscriptions.append(sub)
        return sub

    def publish(self, message: object) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for sub in subscriptions:
            sub._offer(message)

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscriptions:
                self._subscriptions.remove(sub)

"""DrawerDriver: opens the drawer through its printer's queue and follows that printer's state.

A drawer has no wire of its own: it hangs on a printer's drawer connector, so it is
reachable exactly when its printer is. A kick is a print-queue job, so it waits for a
printer that is away instead of failing the sale that opened the drawer.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from edge.store import printing as queue

from ..base import DeviceState
from ..bus import Bus
from .config import DrawerConfig

log = logging.getLogger(__name__)

FAMILY = "drawer"


class DrawerDriver:
    """One cash drawer; `open(db)` queues a kick, `run` mirrors the printer's DeviceState."""

    family = FAMILY

    def __init__(self, config: DrawerConfig, bus: Bus) -> None:
        self.config = config
        self.name = config.name
        self.bus = bus
        self.state: DeviceState | None = None

    def open(self, db: sqlite3.Connection) -> int:
        """Queue a kick for the drawer's printer; return the job id."""
        kick = self.config.kick
        payload = {"pin": kick.pin, "on_ms": kick.on_ms, "off_ms": kick.off_ms, "drawer": self.name}
        return queue.enqueue(db, self.config.printer, "kick", payload)

    def follow(self, printer_state: DeviceState) -> DeviceState | None:
        """The drawer's state for a state of its printer, published when it changes."""
        if printer_state.device != self.config.printer or printer_state.family != "printer":
            return None
        new = DeviceState(self.name, FAMILY, printer_state.state, printer_state.reason)
        if new != self.state:
            self.state = new
            self.bus.publish(new)
        return new

    def run(self, stop: threading.Event) -> None:
        """Follow the printer's state on the bus until `stop` is set."""
        with self.bus.subscribe(lambda m: isinstance(m, DeviceState)) as sub:
            while not stop.is_set():
                message = sub.get(timeout_s=0.2)
                if isinstance(message, DeviceState):
                    self.follow(message)

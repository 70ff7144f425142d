"""What every device family shares: its errors, its states and the reconnect backoff."""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .bus import Bus

log = logging.getLogger(__name__)


class DeviceError(Exception):
    """A device did not do what its protocol says."""


class DeviceUnavailable(DeviceError):
    """The device cannot be reached (unplugged, port gone, host down): close, retry later."""


class BadFrame(DeviceError):
    """The device answered outside its protocol; count it and keep the connection."""


class State(enum.StrEnum):
    """A device's state as the hub, the till and the cloud see it (protocols DeviceStatus)."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # Unreachable: not the same as connected with no reading.
    ERROR = "error"  # Reachable but not working, e.g. a printer out of paper.


@dataclass(frozen=True)
class DeviceState:
    """One device's state change, as published on the bus and sent as `device.status`."""

    device: str
    family: str
    state: State
    reason: str | None = None

    def as_event(self) -> tuple[str, dict[str, Any]]:
        """The outbox event this becomes (protocols `device.status`)."""
        body = {"device": self.device, "family": self.family, "state": str(self.state)}
        return "device.status", body | ({"reason": self.reason} if self.reason else {})


def announce(bus: Bus, new: DeviceState, where: str = "") -> None:
    """Publish a device's new state and tell the operator, once per change.

    Each driver decides what counts as a change (the printer also reports a new reason while
    connected, "paper near end"); this is the one place that logs and publishes it.
    """
    if new.state is State.CONNECTED:
        log.info(
            "%s %s connected%s%s",
            new.family,
            new.device,
            f" at {where}" if where else "",
            f" ({new.reason})" if new.reason else "",
        )
    else:
        log.info("%s %s %s: %s", new.family, new.device, new.state, new.reason)
    bus.publish(new)


class Recordable(Protocol):
    """A bus message the hub records as an outbox event (device.status, location.fix)."""

    def as_event(self) -> tuple[str, dict[str, Any]]: ...


class Driver(Protocol):
    """What the device manager runs for each configured device, each in its own thread.

    A family's package offers `make_driver(config, bus, *, db_path=None)`: every family takes
    the hub's database path, and those with durable state (the print queue) use it. A driver
    publishes its readings and every DeviceState change on the bus, and owns exactly one
    reconnect loop.
    """

    name: str
    family: str

    def run(self, stop: threading.Event) -> None:
        """Keep the device open until `stop` is set, reopening it after every unplug."""


class Backoff:
    """Delays between reconnect attempts: doubling from `first_s`, capped at `max_s`."""

    def __init__(self, first_s: float = 0.5, max_s: float = 30.0) -> None:
        if not 0 < first_s <= max_s:
            raise ValueError(f"backoff needs 0 < first_s <= max_s, got {first_s}, {max_s}")
        self.first_s = first_s
        self.max_s = max_s
        self._next_s = first_s

    def next(self) -> float:
        delay = self._next_s
        self._next_s = min(self._next_s * 2, self.max_s)
        return delay

    def reset(self) -> None:
        """Call after an open that worked, so the next outage starts with a short wait."""
        self._next_s = self.first_s

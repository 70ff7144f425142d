"""What every device family shares: its errors, its states and the reconnect backoff."""

from __future__ import annotations

import enum
from dataclasses import dataclass


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

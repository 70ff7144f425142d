"""Camera fixtures: a simulated camera folder and a driver running against it in a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.devices.base import DeviceState
from edge.devices.bus import Bus
from edge.devices.camera import CameraDriver, Scan, config_from
from edge.devices.camera.simulator import CameraSimulator
from tests.support import wait_until


class Inbox:
    """What a subscriber of the bus has received so far; `scans` and `states` poll for more."""

    def __init__(self, subscription) -> None:
        self.subscription = subscription
        self.seen: list = []

    def _of(self, kind: type) -> list:
        self.seen.extend(self.subscription.drain())
        return [m for m in self.seen if isinstance(m, kind)]

    def scans(self) -> list[Scan]:
        return self._of(Scan)

    def states(self) -> list[DeviceState]:
        return self._of(DeviceState)


class ManualClock:
    """Monotonic milliseconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now_ms = 1_000_000

    def __call__(self) -> int:
        return self.now_ms


@pytest.fixture
def camera_sim(tmp_path: Path) -> CameraSimulator:
    return CameraSimulator(tmp_path / "camera")


@pytest.fixture
def bus() -> Bus:
    return Bus()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def start_camera(
    camera_sim: CameraSimulator, bus: Bus, clock: ManualClock
) -> Iterator[Callable[..., tuple[CameraDriver, Inbox]]]:
    """Start a camera driver following the simulator's folder; keys as in the hub TOML."""
    stops: list[tuple[threading.Event, threading.Thread]] = []

    def start(**table: Any) -> tuple[CameraDriver, Inbox]:
        table = {"source": "folder", "path": str(camera_sim.folder), "fps": 50} | table
        table.setdefault("reconnect_max_s", 0.5)
        driver = CameraDriver(config_from("cam-1", table), bus, clock_ms=clock)
        inbox = Inbox(bus.subscribe())
        stop = threading.Event()
        thread = threading.Thread(target=driver.run, args=(stop,), daemon=True)
        thread.start()
        stops.append((stop, thread))
        # A followed folder starts at its newest frame, as a camera shows only what is in
        # front of it now; frames shown before the first open would be history.
        wait_until(lambda: driver.state is not None, what="the camera's first state")
        return driver, inbox

    yield start
    for stop, thread in stops:
        stop.set()
        thread.join(timeout=10)

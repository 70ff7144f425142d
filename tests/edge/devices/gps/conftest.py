"""A simulated GPS receiver on a pty and a running GpsDriver reading it over the real wire."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from edge.devices.bus import Bus
from edge.devices.gps import GpsDriver, config_from, make_driver
from edge.devices.gps.simulator import GpsSimulator

FAST = {"reconnect_first_s": 0.05, "reconnect_max_s": 0.2, "silent_after_s": 30.0}


@pytest.fixture
def bus() -> Bus:
    return Bus()


@pytest.fixture
def gps_sim(tmp_path) -> Iterator[GpsSimulator]:
    with GpsSimulator(tmp_path / "usb-u-blox_GNSS-if00") as sim:
        yield sim


@pytest.fixture
def start_gps(gps_sim, bus) -> Iterator[Callable[..., GpsDriver]]:
    """Start a driver with config overrides (throttle settings, silence)."""
    stops: list[tuple[threading.Event, threading.Thread]] = []

    def start(**overrides) -> GpsDriver:
        table = {"port": str(gps_sim.path), **FAST, **overrides}
        driver = make_driver(config_from("van-gps", table), bus)
        stop = threading.Event()
        thread = threading.Thread(target=driver.run, args=(stop,), daemon=True)
        thread.start()
        stops.append((stop, thread))
        # pyserial empties the input buffer on open: send nothing before the port is open.
        assert driver.port_open.wait(10), "the driver never opened the port"
        return driver

    yield start
    for stop, thread in stops:
        stop.set()
        thread.join(timeout=5)


@pytest.fixture
def gps(start_gps) -> GpsDriver:
    """Every fix published (no throttle), so tests see each one."""
    return start_gps(min_interval_s=0, min_distance_m=0)

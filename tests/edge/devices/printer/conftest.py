"""Fixtures for printer tests: a simulated network printer, its config and a running driver."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from edge.config import HubConfig
from edge.devices.base import DeviceState, State
from edge.devices.bus import Bus
from edge.devices.printer import PrinterConfig, PrinterDriver, make_driver
from edge.devices.printer.simulator import PrinterSimulator
from tests.support import wait_until


@pytest.fixture
def printer_sim() -> Iterator[PrinterSimulator]:
    with PrinterSimulator() as sim:
        yield sim


def fast_config(port: str, **changes: object) -> PrinterConfig:
    """A printer config with timers short enough for tests."""
    values: dict[str, object] = {
        "name": "receipt",
        "port": port,
        "timeout_s": 1.0,
        "poll_s": 0.1,
        "retry_first_s": 0.05,
        "retry_max_s": 0.2,
        "header": ("Corner Store", "GSTIN 29ABCDE1234F1Z5"),
    }
    return PrinterConfig(**(values | changes))  # type: ignore[arg-type]


class Watch:
    """Every DeviceState published on a bus, kept in order."""

    def __init__(self, bus: Bus) -> None:
        self.sub = bus.subscribe(lambda m: isinstance(m, DeviceState))
        self.seen: list[DeviceState] = []

    def states(self) -> list[tuple[State, str | None]]:
        self.seen.extend(self.sub.drain())  # type: ignore[arg-type]
        return [(s.state, s.reason) for s in self.seen]

    def wait_for(self, state: State, reason: str | None = None) -> None:
        wait_until(lambda: (state, reason) in self.states(), timeout_s=10, what=f"{state} {reason}")

    def reason_of(self, state: State) -> str:
        """The reason given with the first `state` seen, waiting for one if needed."""
        return wait_until(
            lambda: next((r for s, r in self.states() if s is state), None),
            timeout_s=10,
            what=f"a {state} state",
        )


@pytest.fixture
def bus() -> Bus:
    return Bus()


@pytest.fixture
def watch(bus: Bus) -> Watch:
    return Watch(bus)


@pytest.fixture
def start_driver(bus: Bus, config: HubConfig) -> Iterator[Callable[[PrinterConfig], PrinterDriver]]:
    """Start a printer driver on the test's hub database, in its own thread."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(printer: PrinterConfig) -> PrinterDriver:
        driver = make_driver(printer, bus, db_path=config.store.db_path)
        thread = threading.Thread(target=driver.run, args=(stop,), daemon=True)
        thread.start()
        threads.append(thread)
        return driver

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=10)

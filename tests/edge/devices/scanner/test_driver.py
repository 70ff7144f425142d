"""Scanner drivers against their simulators: scans on the bus, unplug, replug and garbage."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.devices.base import DeviceState, State
from edge.devices.bus import Bus, Subscription
from edge.devices.scanner import Scan, config_from
from edge.devices.scanner.driver import HidScannerDriver, SerialScannerDriver
from edge.devices.scanner.simulator import HidScannerSim, SerialScannerSim, UInputScanner
from tests.support import wait_until

GS1 = "]C101098765432109821710063010ABC123\x1d21XYZ"


class Running:
    """A driver running in its own thread, with a subscription to the bus it publishes on."""

    def __init__(self, driver, bus: Bus, messages: Subscription) -> None:
        self.driver = driver
        self.messages = messages
        self.seen: list[object] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=driver.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def _collect(self) -> list[object]:
        self.seen.extend(self.messages.drain())
        return self.seen

    def scans(self) -> list[Scan]:
        return [m for m in self._collect() if isinstance(m, Scan)]

    def states(self) -> list[State]:
        return [m.state for m in self._collect() if isinstance(m, DeviceState)]

    def wait_scans(self, count: int) -> list[Scan]:
        return wait_until(lambda: len(self.scans()) >= count and self.scans(), 10, "scans")

    def wait_states(self, *states: State) -> None:
        n = len(states)
        wait_until(lambda: self.states()[-n:] == list(states), 10, f"states {states}")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        assert not self.thread.is_alive()


@pytest.fixture
def hid_sim() -> HidScannerSim:
    return HidScannerSim()


def start_hid(sim: HidScannerSim, **keys) -> Running:
    bus = Bus()
    config = config_from("front", {"path": sim.path, "inter_key_timeout_ms": 50, **keys})
    messages = bus.subscribe()
    running = Running(HidScannerDriver(config, bus, opener=sim.open), bus, messages)
    running.wait_states(State.CONNECTED)
    return running


@pytest.fixture
def hid(hid_sim: HidScannerSim) -> Iterator[Running]:
    running = start_hid(hid_sim)
    yield running
    running.close()


@pytest.fixture
def serial_sim(tmp_path: Path) -> Iterator[SerialScannerSim]:
    with SerialScannerSim(tmp_path / "usb-Sim_Scanner-if00") as sim:
        yield sim


def start_serial(sim: SerialScannerSim, name: str = "back", **keys) -> Running:
    bus = Bus()
    config = config_from(name, {"path": sim.path, "protocol": "serial", **keys})
    running = Running(SerialScannerDriver(config, bus), bus, bus.subscribe())
    running.wait_states(State.CONNECTED)
    return running


@pytest.fixture
def serial(serial_sim: SerialScannerSim) -> Iterator[Running]:
    running = start_serial(serial_sim)
    yield running
    running.close()


def test_a_hid_scan_reaches_the_bus_interpreted(hid_sim, hid):
    assert hid_sim.device.grabbed  # Its keys reach no other program.
    hid_sim.scan(GS1)
    (scan,) = hid.wait_scans(1)
    assert (scan.device, scan.text, scan.source) == ("front", GS1, "hid")
    assert (scan.code.gtin, scan.code.lot, scan.code.serial) == ("9876543210982", "ABC123", "XYZ")


def test_the_gs1_separator_survives_alt_0029_on_the_keypad(hid_sim, hid):
    hid_sim.scan(GS1, gs="alt")
    assert hid.wait_scans(1)[0].code.lot == "ABC123"


def test_a_code_that_cannot_be_read_still_arrives_with_its_error(hid_sim, hid):
    hid_sim.scan("4006381333932")
    (scan,) = hid.wait_scans(1)
    assert scan.code is None and "gtin" in scan.error


def test_a_lost_terminator_drops_the_half_code_instead_of_gluing(hid_sim, hid):
    hid_sim.scan("12345", terminator="")
    wait_until(lambda: hid.driver.dropped == 1, 10, "the half code dropped")
    hid_sim.scan("4006381333931")
    assert [s.text for s in hid.wait_scans(1)] == ["4006381333931"]


def test_a_hid_scanner_comes_back_after_unplug(hid_sim, hid):
    hid_sim.scan("4006381333931")
    hid.wait_scans(1)
    hid_sim.unplug()  # ENODEV on read: disconnected, not an error of the hub.
    hid.wait_states(State.CONNECTED, State.DISCONNECTED)
    hid_sim.replug()
    hid.wait_states(State.DISCONNECTED, State.CONNECTED)
    hid_sim.scan("96385074")
    assert [s.text for s in hid.wait_scans(2)] == ["4006381333931", "96385074"]


def test_tab_terminated_scanners_are_configured_per_device(hid_sim):
    running = start_hid(hid_sim, terminators=["tab"])
    try:
        hid_sim.scan("ABC", terminator="tab")
        assert running.wait_scans(1)[0].text == "ABC"
    finally:
        running.close()


def test_a_serial_scan_reaches_the_bus(serial_sim, serial):
    serial_sim.scan("2100005080002")
    (scan,) = serial.wait_scans(1)
    assert (scan.text, scan.source, scan.code.net_weight_g) == ("2100005080002", "serial", 8000)


def test_garbage_on_the_serial_line_is_counted_and_the_port_kept(serial_sim, serial):
    serial_sim.send(b"\xff\xfe\x00garbage\r")
    wait_until(lambda: serial.driver.bad_frames == 1, 10, "the bad line counted")
    serial_sim.scan("4006381333931")
    assert serial.wait_scans(1)[0].text == "4006381333931"
    assert serial.states() == [State.CONNECTED]  # Never disconnected.


def test_a_serial_scanner_comes_back_after_unplug(serial_sim, serial):
    serial_sim.unplug()
    serial.wait_states(State.CONNECTED, State.DISCONNECTED)
    serial_sim.replug()  # A new pty behind the same stable link.
    serial.wait_states(State.DISCONNECTED, State.CONNECTED)
    serial_sim.scan("96385074")
    assert serial.wait_scans(1)[0].text == "96385074"


def test_crlf_serial_scanners_and_substitute_separators(tmp_path):
    with SerialScannerSim(tmp_path / "crlf", suffix="crlf") as sim:
        running = start_serial(sim, suffix="crlf", gs_substitute="|")
        try:
            sim.scan("]C101098765432109821010ABC|21XYZ")
            scan = running.wait_scans(1)[0]
            assert (scan.code.lot, scan.code.serial) == ("10ABC", "XYZ")
        finally:
            running.close()


def test_several_scanners_at_once(tmp_path):
    with SerialScannerSim(tmp_path / "a") as a, SerialScannerSim(tmp_path / "b") as b:
        first, second = start_serial(a, "a"), start_serial(b, "b")
        try:
            a.scan("4006381333931")
            b.scan("96385074")
            assert [s.device for s in first.wait_scans(1)] == ["a"]
            assert [s.device for s in second.wait_scans(1)] == ["b"]
        finally:
            first.close()
            second.close()


@pytest.mark.skipif(
    not os.access("/dev/uinput", os.W_OK), reason="/dev/uinput is not writable here"
)
def test_a_kernel_input_device_is_read_through_evdev():
    scanner = UInputScanner()
    bus = Bus()
    config = config_from("uinput", {"path": scanner.path})
    running = Running(HidScannerDriver(config, bus), bus, bus.subscribe())
    try:
        running.wait_states(State.CONNECTED)
        scanner.scan(GS1)
        assert running.wait_scans(1)[0].text == GS1
    finally:
        running.close()
        scanner.close()


def test_several_hid_scanners_at_once():
    first_sim = HidScannerSim("/dev/input/by-id/usb-A-event-kbd")
    second_sim = HidScannerSim("/dev/input/by-id/usb-B-event-kbd")
    first, second = start_hid(first_sim), start_hid(second_sim)
    try:
        first_sim.scan("4006381333931")
        second_sim.scan("96385074")
        assert [s.text for s in first.wait_scans(1)] == ["4006381333931"]
        assert [s.text for s in second.wait_scans(1)] == ["96385074"]
    finally:
        first.close()
        second.close()


def test_a_scanner_header_is_stripped_before_the_code_is_read(tmp_path):
    with SerialScannerSim(tmp_path / "magellan") as sim:
        running = start_serial(sim, strip_prefixes=["S08A", "S08B1", "S08B"])
        try:
            sim.scan("S08A4006381333931")
            sim.scan("S08B1SHELF-A12")
            scans = running.wait_scans(2)
            assert [s.text for s in scans] == ["4006381333931", "SHELF-A12"]
            assert scans[0].code.gtin == "4006381333931"
        finally:
            running.close()

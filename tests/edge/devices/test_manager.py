"""The device manager: devices from the hub config, one thread each, states to the outbox."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edge.config import HubConfig, load_config
from edge.devices.base import State
from edge.devices.manager import DeviceManager
from edge.devices.scanner import Scan, ScannerConfig
from edge.devices.scanner.simulator import SerialScannerSim
from edge.errors import ConfigError
from tests.support import wait_until


def serial_scanner(name: str, path: str, **keys) -> dict:
    return {"name": name, "family": "scanner", "protocol": "serial", "path": path, **keys}


def device_statuses(db_path: str) -> list[tuple[str, str]]:
    """(device, state) of every device.status event in the outbox, in seq order."""
    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT event FROM outbox WHERE type = 'device.status' ORDER BY seq"
        ).fetchall()
    bodies = [json.loads(event)["body"] for (event,) in rows]
    return [(b["device"], b["state"]) for b in bodies]


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., HubConfig]:
    """A hub config whose database is in tmp_path, with `devices` as [[devices]] tables."""

    def make(devices: list[dict]) -> HubConfig:
        overrides = {
            "hub": {"id": "till-1", "location": "store-1"},
            "store": {"db_path": str(tmp_path / "hub.db")},
            "devices": devices,
        }
        return load_config(env={}, overrides=overrides)

    return make


@pytest.fixture
def sims(tmp_path: Path) -> Iterator[tuple[SerialScannerSim, SerialScannerSim]]:
    with (
        SerialScannerSim(tmp_path / "usb-Scanner_A-if00") as a,
        SerialScannerSim(tmp_path / "usb-Scanner_B-if00") as b,
    ):
        yield a, b


@pytest.fixture
def manager(make_config: Callable[..., HubConfig], sims) -> Iterator[DeviceManager]:
    a, b = sims
    config = make_config(devices=[serial_scanner("front", a.path), serial_scanner("back", b.path)])
    manager = DeviceManager(config)
    manager.start()
    yield manager
    manager.stop()


def states(manager: DeviceManager) -> dict[str, State]:
    return {s.device: s.state for s in manager.states()}


def test_devices_come_from_the_hub_config(make_config):
    config = make_config(devices=[serial_scanner("front", "/dev/serial/by-id/usb-A")])
    (device,) = config.devices
    assert isinstance(device, ScannerConfig)
    assert (device.name, device.protocol) == ("front", "serial")


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"baud": "fast"}, "devices[1].baud"),
        ({"family": "teleporter"}, "devices[1].family"),
        ({"name": "front"}, "devices[1].name"),  # Used twice.
        ({"name": "Front Till"}, "devices[1].name"),
    ],
)
def test_a_bad_device_table_is_named_by_its_index_and_key(make_config, table, named):
    tables = [serial_scanner("front", "/dev/serial/by-id/a"), serial_scanner("back", "/b") | table]
    with pytest.raises(
        ConfigError, match=rf"config key {named.replace('[', '.').replace(']', '.')}"
    ):
        make_config(devices=tables)


def test_a_device_switched_off_is_checked_but_not_run(make_config):
    config = make_config(
        devices=[
            serial_scanner("front", "/dev/serial/by-id/usb-Scanner-if00"),
            serial_scanner("spare", "/dev/serial/by-id/usb-Spare-if00", enabled=False),
        ]
    )
    assert [d.name for d in config.devices] == ["front"]
    with pytest.raises(ConfigError, match=r"devices\[0\]\.baud"):
        make_config(devices=[serial_scanner("spare", "/x", enabled=False, baud="fast")])


def test_an_unstable_path_is_warned_about(make_config, caplog):
    with caplog.at_level(logging.WARNING, logger="edge.config"):
        make_config(devices=[serial_scanner("front", "/dev/ttyACM0")])
    assert "devices[0].path = '/dev/ttyACM0' can change on replug" in caplog.text


def test_several_scanners_run_at_once(manager, sims):
    wait_until(lambda: set(states(manager).values()) == {State.CONNECTED}, 10, "both connected")
    with manager.bus.subscribe(lambda m: isinstance(m, Scan)) as scans:
        sims[0].scan("4006381333931")
        sims[1].scan("96385074")
        got = [scans.get(10), scans.get(10)]
    assert {(s.device, s.text) for s in got} == {("front", "4006381333931"), ("back", "96385074")}


def test_unplug_and_replug_reach_the_outbox_as_device_status(manager, sims):
    db_path = manager.config.store.db_path
    wait_until(lambda: set(states(manager).values()) == {State.CONNECTED}, 10, "both connected")
    sims[0].unplug()
    wait_until(lambda: states(manager)["front"] == State.DISCONNECTED, 10, "front gone")
    assert states(manager)["back"] == State.CONNECTED  # The other scanner is not affected.
    sims[0].replug()
    wait_until(lambda: states(manager)["front"] == State.CONNECTED, 10, "front back")
    wait_until(
        lambda: (
            [s for d, s in device_statuses(db_path) if d == "front"]
            == ["connected", "disconnected", "connected"]
        ),
        10,
        "front's status events in the outbox",
    )
    assert ("back", "connected") in device_statuses(db_path)


def test_a_driver_that_crashes_is_reported_and_started_again(make_config, sims, monkeypatch):
    import edge.devices.scanner as scanner

    real = scanner.make_driver
    calls = []

    def flaky(config, bus, **hub):
        calls.append(config.name)
        if len(calls) == 1:
            raise RuntimeError("firmware surprise")
        return real(config, bus, **hub)

    monkeypatch.setattr(scanner, "make_driver", flaky)
    manager = DeviceManager(make_config(devices=[serial_scanner("front", sims[0].path)]))
    manager.start()
    try:
        wait_until(lambda: states(manager)["front"] == State.CONNECTED, 10, "the restart")
    finally:
        manager.stop()
    statuses = device_statuses(manager.config.store.db_path)
    assert statuses[:2] == [("front", "error"), ("front", "connected")]


def test_a_printer_run_by_the_manager_prints_the_hubs_queue(make_config):
    from edge.devices.printer.simulator import PrinterSimulator
    from edge.store import open_db
    from edge.store.printing import enqueue

    with PrinterSimulator() as printer:
        config = make_config(
            devices=[{"name": "receipt", "family": "printer", "port": printer.address}]
        )
        manager = DeviceManager(config)
        manager.start()
        try:
            db = open_db(config.store.db_path)
            enqueue(db, "receipt", "label", {"name": "Aisle 4", "qr": "https://shop.example/a4"})
            db.close()
            wait_until(lambda: printer.documents(), 15, "the queued label on paper")
        finally:
            manager.stop()


def test_the_till_reaches_a_running_driver_by_name(manager, sims):
    front = wait_until(lambda: manager.driver("front"), 10, "the front scanner's driver")
    assert front.name == "front"
    assert manager.driver("no-such-device") is None


def test_the_api_lists_devices_without_a_manager(make_config, tmp_path):
    from edge.web import create_app

    config = make_config(devices=[serial_scanner("front", str(tmp_path / "nowhere"))])
    client = create_app(config, {"TESTING": True}).test_client()
    (device,) = client.get("/api/devices").get_json()["devices"]
    assert device["name"] == "front" and device["family"] == "scanner"
    assert (device["state"], device["reason"]) == ("disconnected", "device manager not running")


def test_the_api_shows_the_managers_states(manager):
    from edge.web import create_app

    app = create_app(manager.config, {"TESTING": True, "DEVICE_MANAGER": manager})
    wait_until(lambda: set(states(manager).values()) == {State.CONNECTED}, 10, "both connected")
    body = app.test_client().get("/api/devices").get_json()
    assert [(d["name"], d["state"]) for d in body["devices"]] == [
        ("front", "connected"),
        ("back", "connected"),
    ]


def test_devices_are_read_from_the_hub_toml(tmp_path):
    path = tmp_path / "hub.toml"
    path.write_text(
        '[hub]\nid = "till-1"\n\n'
        "[[devices]]\n"
        'name = "front"\nfamily = "scanner"\n'
        'path = "/dev/input/by-id/usb-Honeywell-event-kbd"\nterminators = ["tab"]\n\n'
        "[[devices]]\n"
        'name = "back"\nfamily = "scanner"\nprotocol = "serial"\n'
        'path = "/dev/serial/by-id/usb-Datalogic-if00"\nsuffix = "crlf"\nbaud = 115200\n'
    )
    config = load_config(path, env={})
    assert [(d.name, d.protocol) for d in config.devices] == [("front", "hid"), ("back", "serial")]
    assert config.devices[0].terminators == ("tab",)
    assert (config.devices[1].suffix, config.devices[1].baud) == ("crlf", 115200)


def test_the_hub_runs_its_devices_and_serves_their_states(make_config, sims, tmp_path):
    import dataclasses
    import threading
    import urllib.request

    from edge.hub import run
    from tests.support import free_port

    config = make_config([serial_scanner("front", sims[0].path)])
    config = dataclasses.replace(
        config,
        http=dataclasses.replace(config.http, port=free_port()),
        mqtt=dataclasses.replace(config.mqtt, port=free_port()),  # No broker: sync retries.
    )
    stop, ready = threading.Event(), threading.Event()
    hub = threading.Thread(target=run, args=(config, stop), kwargs={"ready": ready})
    hub.start()
    url = f"http://127.0.0.1:{config.http.port}/api/devices"

    def front_state() -> str:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return json.load(answer)["devices"][0]["state"]

    try:
        assert ready.wait(15)
        wait_until(lambda: front_state() == "connected", 10, "the scanner connected")
        sims[0].unplug()
        wait_until(lambda: front_state() == "disconnected", 10, "the scanner gone")
    finally:
        stop.set()
        hub.join(20)
    assert not hub.is_alive()
    assert device_statuses(config.store.db_path) == [
        ("front", "connected"),
        ("front", "disconnected"),
    ]

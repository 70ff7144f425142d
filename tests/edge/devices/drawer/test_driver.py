"""A cash drawer on a simulated printer: kicks go through the print queue, state follows it."""

from __future__ import annotations

import threading

import pytest

from edge.devices.base import DeviceState, State
from edge.devices.bus import Bus
from edge.devices.drawer import DrawerConfig, config_from, make_driver
from edge.devices.drawer.simulator import DrawerSimulator
from edge.devices.printer import make_driver as make_printer
from edge.devices.printer.protocol import Kick
from edge.devices.printer.simulator import PrinterSimulator
from edge.errors import ConfigError
from edge.store import printing as queue
from tests.edge.devices.printer.conftest import Watch, fast_config
from tests.support import wait_until


@pytest.fixture
def hardware(config):
    """A printer simulator with a drawer on pin 2, a printer driver and a drawer driver."""
    bus = Bus()
    watch = Watch(bus)
    stop = threading.Event()
    with PrinterSimulator() as sim:
        printer = make_printer(fast_config(sim.address), bus, db_path=config.store.db_path)
        drawer = make_driver(DrawerConfig("drawer", printer="receipt"), bus)
        threads = [threading.Thread(target=d.run, args=(stop,), daemon=True)
                   for d in (drawer, printer)]  # fmt: skip
        for thread in threads:
            thread.start()
        yield sim, DrawerSimulator(sim, pin=2), drawer, watch
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def drawer_states(watch):
    """The drawer's states so far (the printer's are in the same watch)."""
    watch.states()
    return [(s.state, s.reason) for s in watch.seen if s.device == "drawer"]


def test_opening_the_drawer_sends_one_kick_through_its_printer(db, hardware):
    sim, drawer_sim, drawer, _ = hardware
    job = drawer.open(db)
    wait_until(lambda: drawer_sim.kicks, what="a kick")
    assert drawer_sim.kicks == [Kick(2, 100, 100)]
    assert drawer_sim.is_open
    assert sim.status.drawer_open  # The printer now reports it on DLE EOT 1.
    wait_until(lambda: queue.get_job(db, job).state == "printed", what="the kick job done")
    drawer_sim.close()
    assert not drawer_sim.is_open


def test_the_drawer_is_away_while_its_printer_is_and_comes_back_with_it(db, hardware):
    sim, drawer_sim, drawer, watch = hardware
    wait_until(lambda: drawer_states(watch), what="the drawer's state")
    assert drawer_states(watch)[0] == (State.CONNECTED, None)
    sim.unplug()
    wait_until(lambda: drawer_states(watch)[-1][0] is State.DISCONNECTED, what="drawer away")
    job = drawer.open(db)  # The cashier presses "open drawer": it waits in the queue.
    sim.replug()
    wait_until(lambda: drawer_sim.kicks, what="the kick after replug")
    assert queue.get_job(db, job).attempts >= 1
    wait_until(lambda: drawer_states(watch)[-1][0] is State.CONNECTED, what="the drawer back")


def test_a_drawer_ignores_other_printers():
    bus = Bus()
    drawer = make_driver(DrawerConfig("drawer", printer="receipt"), bus)
    assert drawer.follow(DeviceState("kitchen", "printer", State.ERROR, "paper out")) is None
    assert drawer.follow(DeviceState("receipt", "printer", State.ERROR, "paper out")) == (
        DeviceState("drawer", "drawer", State.ERROR, "paper out")
    )


@pytest.mark.parametrize(
    ("table", "key"),
    [({}, "printer"), ({"printer": ""}, "printer"), ({"printer": "p", "pin": 3}, "pin"),
     ({"printer": "p", "on_ms": 1000}, "on_ms"), ({"printer": "p", "pin": "2"}, "pin"),
     ({"printer": "p", "colour": "red"}, "colour")],
)  # fmt: skip
def test_a_bad_drawer_table_names_its_key(table, key):
    with pytest.raises(ConfigError, match=rf"devices\.drawer\.{key}"):
        config_from("drawer", table)


def test_a_drawer_table_with_defaults():
    assert config_from("drawer", {"family": "drawer", "printer": "receipt", "pin": 5}) == (
        DrawerConfig("drawer", printer="receipt", pin=5, on_ms=100, off_ms=100)
    )

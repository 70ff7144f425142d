"""A simulated scale on a pty and a running ScaleDriver talking to it over the real wire."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from edge.devices.base import State
from edge.devices.bus import Bus
from edge.devices.scale import ScaleDriver, config_from, make_driver
from edge.devices.scale.simulator import ScaleSimulator
from tests.support import wait_until

FAST = {
    "reconnect_first_s": 0.05,
    "reconnect_max_s": 0.2,
    "reply_timeout_s": 0.3,
    # Linux refuses a second open of a pty slave with parity set (EINVAL from tcsetattr), and a
    # pty ignores line settings anyway, so the simulated cable runs 8N1.
    "bytesize": 8,
    "parity": "N",
}


@pytest.fixture
def bus() -> Bus:
    return Bus()


@pytest.fixture(params=["toledo8217", "nci", "continuous"])
def protocol(request) -> str:
    return request.param


@pytest.fixture
def scale_sim(tmp_path, protocol) -> Iterator[ScaleSimulator]:
    with ScaleSimulator(tmp_path / "usb-scale-if00", protocol) as sim:
        yield sim


@pytest.fixture
def scale(scale_sim, bus) -> Iterator[ScaleDriver]:
    config = config_from(
        "scale-1", {"port": str(scale_sim.path), "protocol": scale_sim.protocol, **FAST}
    )
    driver = make_driver(config, bus)
    stop = threading.Event()
    thread = threading.Thread(target=driver.run, args=(stop,), daemon=True)
    thread.start()
    wait_until(lambda: driver.state == State.CONNECTED, 10, "the scale to connect")
    yield driver
    stop.set()
    thread.join(timeout=5)

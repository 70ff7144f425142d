"""The device manager: one thread per configured device, their states, and the recorder."""

from __future__ import annotations

import importlib
import logging
import threading
from contextlib import closing
from typing import Any

from ..config import HubConfig
from ..store import open_db
from .base import Backoff, DeviceState, State
from .bus import Bus
from .recorder import Recorder

log = logging.getLogger(__name__)

JOIN_TIMEOUT_S = 5.0


def family_of(device_config: Any) -> str:
    """The family of a device config, from the package that defines it (edge.devices.<f>)."""
    family = getattr(device_config, "family", None)
    if isinstance(family, str):
        return family
    return type(device_config).__module__.split(".")[2]


class DeviceManager:
    """Runs `make_driver(config, bus, db_path=...).run(stop)` for each device in a thread.

    A driver that raises is logged, reported as an error state and started again after a
    backoff, so a device never takes the hub down. `states()` gives each device's latest
    state, for GET /api/devices; the recorder sends every change to the cloud as
    `device.status`. `driver(name)` is the running driver of a device, for the till to ask
    a scale for a weight or to tare it.
    """

    def __init__(self, config: HubConfig, bus: Bus | None = None) -> None:
        self.config = config
        self.bus = bus if bus is not None else Bus()
        self._lock = threading.Lock()
        self._states = {
            d.name: DeviceState(d.name, family_of(d), State.DISCONNECTED, "not started")
            for d in config.devices
        }
        self._stop = threading.Event()
        self._recorder_stop = threading.Event()
        self._recorder_thread: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        self._drivers: dict[str, Any] = {}
        self.recorder: Recorder | None = None

    def start(self) -> None:
        """Start the recorder, then every device's thread."""
        # Migrate here, before any thread, so no thread races another opener to the schema.
        store = self.config.store
        with closing(open_db(store.db_path, busy_timeout_s=store.busy_timeout_s)):
            pass
        # Subscribe before any driver runs, so the first CONNECTED is recorded too.
        subscription = self.bus.subscribe(maxsize=10_000)
        self.recorder = Recorder(self.config, subscription, seen=self._follow)
        self._recorder_thread = threading.Thread(
            target=self.recorder.run, args=(self._recorder_stop,), name="device-recorder"
        )
        self._recorder_thread.daemon = True
        self._recorder_thread.start()
        for device in self.config.devices:
            self._spawn(f"device-{device.name}", self._supervise, device)
        log.info("Device manager started %d devices", len(self.config.devices))

    def stop(self) -> None:
        """Stop every device thread, then the recorder (which records what is queued)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(JOIN_TIMEOUT_S)
            if thread.is_alive():
                log.warning("Thread %s did not stop within %s s", thread.name, JOIN_TIMEOUT_S)
        # The recorder stops last, so the devices' final states are recorded too.
        self._recorder_stop.set()
        if self._recorder_thread is not None:
            self._recorder_thread.join(JOIN_TIMEOUT_S)
        if self.recorder is not None:
            self.recorder.subscription.close()

    def states(self) -> list[DeviceState]:
        """Every configured device's latest state, in config order."""
        with self._lock:
            return [self._states[d.name] for d in self.config.devices]

    def driver(self, name: str) -> Any | None:
        """The running driver of device `name`, or None while it is not running."""
        with self._lock:
            return self._drivers.get(name)

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _follow(self, message: object) -> None:
        if isinstance(message, DeviceState) and message.device in self._states:
            with self._lock:
                self._states[message.device] = message

    def _supervise(self, device: Any) -> None:
        """Run one device's driver until stop, starting it again if it ever raises."""
        family = family_of(device)
        backoff = Backoff(first_s=1.0, max_s=60.0)
        while not self._stop.is_set():
            try:
                module = importlib.import_module(f"edge.devices.{family}")
                driver = module.make_driver(device, self.bus, db_path=self.config.store.db_path)
                with self._lock:
                    self._drivers[device.name] = driver
                driver.run(self._stop)
            except Exception as err:
                log.exception(
                    "Device %s (%s) driver failed; starting it again", device.name, family
                )
                self.bus.publish(
                    DeviceState(device.name, family, State.ERROR, f"driver failed: {err}")
                )
            finally:
                with self._lock:
                    self._drivers.pop(device.name, None)
            self._stop.wait(backoff.next())

"""Scanner drivers: an evdev HID scanner and a serial one, each with one reconnect loop."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import os
import select
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from protocols import InvalidPayload
from protocols.codes import GS, interpret

from ..base import Backoff, BadFrame, DeviceState, DeviceUnavailable, State, announce
from ..bus import Bus
from ..scan import Scan
from .config import ScannerConfig
from .protocol import KeyDecoder, LineFramer, strip_prefix

log = logging.getLogger(__name__)

FAMILY = "scanner"
PLUG_POLL_S = 0.1  # How often a waiting driver looks for its device node.
POLL_S = 0.02  # How often a driver looks at `stop` and at a half-read code's silence.


def open_input_device(path: str) -> Any:
    """Open an evdev input device by path (evdev is imported only here)."""
    import evdev

    return evdev.InputDevice(path)


def open_serial_port(config: ScannerConfig) -> Any:
    """Open a serial scanner's port with its line settings (a short read timeout)."""
    import serial

    return serial.Serial(
        config.path,
        baudrate=config.baud,
        bytesize=config.bytesize,
        parity=config.parity,
        stopbits=config.stopbits,
        timeout=POLL_S,
    )


class _ScannerDriver:
    """What both scanner kinds share: state reports and turning text into Scan messages."""

    source = ""

    def __init__(self, config: ScannerConfig, bus: Bus) -> None:
        self.config = config
        self.bus = bus
        self.name = config.name
        self.family = FAMILY
        self.scans = 0
        self.bad_frames = 0  # Garbage on the line: counted, the connection kept.
        self.state: DeviceState | None = None
        separators = (GS, config.gs_substitute) if config.gs_substitute else (GS,)
        self._separators = separators

    def run(self, stop: threading.Event) -> None:
        """Keep the scanner open until `stop` is set, reopening it after every unplug."""
        backoff = Backoff(first_s=0.05, max_s=self.config.reconnect_max_s)
        while not stop.is_set():
            try:
                with self._open() as device:
                    self._report(State.CONNECTED)
                    backoff.reset()
                    self._serve(device, stop)
            except DeviceUnavailable as err:
                self._report(State.DISCONNECTED, str(err))
            self._wait_for_plug(stop, backoff.next())

    def _wait_for_plug(self, stop: threading.Event, delay_s: float) -> None:
        """Wait `delay_s` before the next open, or less when the device node appears.

        udev creates the by-id link when the scanner is plugged in, so watching for it brings
        a replugged scanner back at once instead of after a backoff of up to reconnect_max_s.
        """
        deadline = time.monotonic() + delay_s
        was_there = os.path.exists(self.config.path)
        while not stop.wait(min(PLUG_POLL_S, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                return
            if not was_there and os.path.exists(self.config.path):
                return

    def _open(self) -> Any:
        raise NotImplementedError

    def _serve(self, device: Any, stop: threading.Event) -> None:
        raise NotImplementedError

    def _report(self, state: State, reason: str | None = None) -> None:
        """Publish a state change (and log it once); repeats of the same state are quiet."""
        if self.state is not None and self.state.state == state:
            return
        self.state = DeviceState(self.name, FAMILY, state, reason)
        announce(self.bus, self.state, self.config.path)

    def _publish(self, text: str) -> None:
        """Interpret a code's text and put it on the bus as a Scan."""
        code, error = None, None
        text = strip_prefix(text, self.config.strip_prefixes)
        try:
            code = interpret(text, rules=self.config.rules, separators=self._separators)
        except InvalidPayload as err:
            error = str(err)
        self.scans += 1
        log.debug("Scanner %s read %r", self.name, text)
        at = dt.datetime.now(dt.UTC)
        self.bus.publish(Scan(self.name, text, self.source, at, code, error))


class HidScannerDriver(_ScannerDriver):
    """A USB HID scanner read through evdev, grabbed so its keys reach no other program."""

    source = "hid"

    def __init__(
        self,
        config: ScannerConfig,
        bus: Bus,
        *,
        opener: Callable[[str], Any] = open_input_device,
    ) -> None:
        super().__init__(config, bus)
        self._opener = opener
        self.decoder = KeyDecoder(
            terminators=config.terminators,
            timeout_s=config.inter_key_timeout_ms / 1000,
            gs_substitute=config.gs_substitute or None,
        )

    @property
    def dropped(self) -> int:
        """Half-read codes dropped after an inter-key silence or an unplug."""
        return self.decoder.dropped

    @contextmanager
    def _open(self) -> Iterator[Any]:
        path = self.config.path
        try:
            device = self._opener(path)
        except OSError as err:
            raise DeviceUnavailable(f"cannot open {path}: {err.strerror or err}") from err
        try:
            if self.config.grab:
                try:
                    device.grab()
                except OSError as err:
                    raise DeviceUnavailable(
                        f"cannot grab {path}: {err.strerror or err} (does another program hold it?)"
                    ) from err
            yield device
        finally:
            self.decoder.reset()
            # Closing an unplugged device may fail; it is gone either way.
            with contextlib.suppress(OSError):
                device.close()

    def _serve(self, device: Any, stop: threading.Event) -> None:
        decoder = self.decoder
        while not stop.is_set():
            try:
                ready, _, _ = select.select([device.fd], [], [], POLL_S)
            except (OSError, ValueError) as err:
                raise DeviceUnavailable(f"{self.config.path} went away: {err}") from err
            now = time.monotonic()
            if not ready:
                decoder.expire(now)
                continue
            try:
                events = list(device.read())
            except BlockingIOError:
                continue
            except OSError as err:
                if err.errno in (errno.EAGAIN,):
                    continue
                raise DeviceUnavailable(
                    f"{self.config.path} went away: {err.strerror or err}"
                ) from err
            for event in events:
                text = decoder.feed(event.type, event.code, event.value, now)
                if text is not None:
                    self._publish(text)


class SerialScannerDriver(_ScannerDriver):
    """A serial scanner (CDC-ACM or RS-232) sending one code per line."""

    source = "serial"

    def __init__(
        self,
        config: ScannerConfig,
        bus: Bus,
        *,
        opener: Callable[[ScannerConfig], Any] = open_serial_port,
    ) -> None:
        super().__init__(config, bus)
        self._opener = opener

    @contextmanager
    def _open(self) -> Iterator[Any]:
        import serial

        try:
            port = self._opener(self.config)
        except (serial.SerialException, OSError) as err:
            raise DeviceUnavailable(f"cannot open {self.config.path}: {err}") from err
        try:
            yield port
        finally:
            # Closing an unplugged port may fail; it is gone either way.
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def _serve(self, port: Any, stop: threading.Event) -> None:
        import serial

        framer = LineFramer(self.config.suffix)
        while not stop.is_set():
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError) as err:
                raise DeviceUnavailable(f"{self.config.path} went away: {err}") from err
            if not data:
                continue
            for item in framer.feed(data):
                if isinstance(item, BadFrame):
                    self.bad_frames += 1
                    log.debug("Scanner %s: %s", self.name, item)
                else:
                    self._publish(item)


def make_driver(
    config: ScannerConfig, bus: Bus, *, db_path: str | None = None
) -> HidScannerDriver | SerialScannerDriver:
    """The driver for a configured scanner, by its protocol."""
    if config.protocol == "serial":
        return SerialScannerDriver(config, bus)
    return HidScannerDriver(config, bus)

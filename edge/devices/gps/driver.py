"""GpsDriver: one NMEA receiver on a serial port, read by lines, reopened after every unplug.

Checked sentences become one Position per epoch; the throttle decides which positions are
published as `GpsFix` messages, which the hub's recorder turns into `location.fix` events.
A bad line is counted and the port kept; an epoch without a fix puts the device in the
`error` state ("no fix") until a fix returns.
"""

from __future__ import annotations

import contextlib
import logging
import termios
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import serial

from ..base import Backoff, BadFrame, DeviceState, DeviceUnavailable, State, announce
from ..bus import Bus
from .config import GpsConfig
from .protocol import EpochBuilder, LineFramer, NoFix, Position, Throttle, parse_sentence

log = logging.getLogger(__name__)

FAMILY = "gps"
READ_CHUNK_S = 0.05


@dataclass(frozen=True)
class GpsFix:
    """A position the throttle let through; recorded as a `location.fix` event."""

    device: str
    position: Position

    def as_event(self) -> tuple[str, dict[str, Any]]:
        return "location.fix", self.position.as_body()


class GpsDriver:
    """Keeps one receiver open and publishes throttled fixes and its state on the bus."""

    family = FAMILY

    def __init__(self, config: GpsConfig, bus: Bus) -> None:
        self.config = config
        self.name = config.name
        self.bus = bus
        self.state: State | None = None
        self.bad_lines = 0  # Lines refused: partial, garbage, bad checksum, bad fields.
        self.no_fix_epochs = 0
        self.last_position: Position | None = None  # The latest fix, throttled or not.
        self.throttle = Throttle(
            config.min_interval_s, config.min_distance_m, config.max_interval_s
        )
        self._backoff = Backoff(config.reconnect_first_s, config.reconnect_max_s)
        self._last_good = 0.0  # time.monotonic() of the last checked sentence.
        self._garbled = False  # Reported as an error: bytes arrive, but no sentence.
        self.port_open = threading.Event()  # Set while the port is open (tests, diagnostics).

    def run(self, stop: threading.Event) -> None:
        """Keep the receiver open until `stop` is set, reopening it after every unplug."""
        while not stop.is_set():
            try:
                with self._open() as port:
                    self._serve(port, stop)
            except DeviceUnavailable as err:
                self._report(State.DISCONNECTED, reason=str(err))
            stop.wait(self._backoff.next())

    @contextlib.contextmanager
    def _open(self) -> Iterator[Any]:
        try:
            port = serial.Serial(self.config.port, self.config.baud, timeout=READ_CHUNK_S)
        except (serial.SerialException, OSError, ValueError, termios.error) as err:
            raise DeviceUnavailable(
                f"GPS port {self.config.port!r} cannot be opened: {err}"
            ) from err
        self.port_open.set()
        try:
            yield port
        finally:
            self.port_open.clear()
            with contextlib.suppress(Exception):
                port.close()

    def _serve(self, port: Any, stop: threading.Event) -> None:
        framer = LineFramer()
        builder = EpochBuilder()
        last_byte = self._last_good = time.monotonic()
        self._garbled = False
        while not stop.is_set():
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError, TypeError) as err:
                raise DeviceUnavailable(f"GPS port {self.config.port!r} failed: {err}") from err
            now = time.monotonic()
            if not data:
                if now - last_byte > self.config.silent_after_s:
                    raise DeviceUnavailable(
                        f"GPS {self.name!r} sent nothing for {self.config.silent_after_s} s"
                    )
                continue
            last_byte = now
            if now - self._last_good > self.config.silent_after_s and not self._garbled:
                # Bytes but no sentence: a wrong baud rate or a receiver in a binary mode.
                self._garbled = True
                self._report(
                    State.ERROR,
                    reason=f"no valid NMEA for {self.config.silent_after_s:g} s "
                    f"({self.bad_lines} bad lines): check the baud rate",
                )
            dropped = framer.dropped
            lines = framer.feed(data)
            self.bad_lines += framer.dropped - dropped
            for line in lines:
                self._take(line, builder)

    def _take(self, line: bytes, builder: EpochBuilder) -> None:
        if not line.strip():
            return
        try:
            results = builder.feed(parse_sentence(line))
        except BadFrame as err:
            self.bad_lines += 1
            log.debug("GPS %s: %s", self.name, err)
            return
        self._last_good = time.monotonic()
        if self.state is None or self.state == State.DISCONNECTED or self._garbled:
            self._garbled = False
            # A checked sentence proves the receiver is there, fix or not.
            self._report(State.CONNECTED)
            self._backoff.reset()
        for result in results:
            if isinstance(result, NoFix):
                self.no_fix_epochs += 1
                self._report(State.ERROR, reason=f"no fix: {result.reason}")
                continue
            self.last_position = result
            self._report(State.CONNECTED)
            if self.throttle.admit(result):
                log.debug("GPS %s: fix %s", self.name, result)
                self.bus.publish(GpsFix(self.name, result))

    def _report(self, state: State, reason: str | None = None) -> None:
        """Publish a state change; log it for the operator once, not per retry."""
        if state == self.state:
            return
        self.state = state
        announce(self.bus, DeviceState(self.name, FAMILY, state, reason), self.config.port)

"""ScaleDriver: one serial scale, read by framed replies, reopened after every unplug.

Only the driver's own thread touches the port. The till asks through `read_weight`, `zero`,
`tare` and `clear`, which queue a request for that thread and wait for its answer; between
requests the driver polls the scale (or listens, for a continuous-output scale) and
publishes each changed reading on the bus.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import termios
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import serial

from ..base import Backoff, BadFrame, DeviceError, DeviceState, DeviceUnavailable, State, announce
from ..bus import Bus
from .config import ScaleConfig
from .protocol import Framer, Reading, ScaleStatus, Settling, Weight, protocol_named

log = logging.getLogger(__name__)

FAMILY = "scale"
READ_CHUNK_S = 0.02  # The port's read timeout: how long one read waits for a first byte.


@dataclass(frozen=True)
class ScaleReading:
    """A scale's reading as published on the bus: a Weight or a ScaleStatus."""

    device: str
    reading: Reading


@dataclass
class _Request:
    action: str  # weight, zero, tare or clear.
    expires: float = math.inf  # time.monotonic() after which the asker has given up.
    done: threading.Event = field(default_factory=threading.Event)
    result: Reading | None = None
    error: DeviceError | None = None

    def finish(self, result: Reading | None = None, error: DeviceError | None = None) -> None:
        self.result, self.error = result, error
        self.done.set()


class ScaleDriver:
    """Keeps one scale open, answers the till's requests and publishes readings."""

    family = FAMILY

    def __init__(self, config: ScaleConfig, bus: Bus) -> None:
        self.config = config
        self.name = config.name
        self.bus = bus
        self.protocol = protocol_named(config.protocol)
        self.state: State | None = None
        self.bad_frames = 0  # Frames the scale sent outside its protocol.
        self.garbage_bytes = 0  # Bytes that could not be part of any frame.
        self.last_reading: Reading | None = None
        self._requests: queue.Queue[_Request] = queue.Queue()
        self._published: Reading | None = None
        self._backoff = Backoff(config.reconnect_first_s, config.reconnect_max_s)
        self._settling = Settling(config.stable_readings, config.stable_tolerance_g)

    # The till's side: any thread.
    def read_weight(self, timeout_s: float = 2.0) -> Reading:
        """The scale's current weight or status, read now through the driver's thread.

        Raises DeviceUnavailable while the scale is disconnected and DeviceError when it does
        not answer within `timeout_s`.
        """
        result = self._ask("weight", timeout_s)
        assert result is not None
        return result

    def zero(self, timeout_s: float = 2.0) -> None:
        """Zero the scale (an empty pan reads 0 g)."""
        self._ask("zero", timeout_s)

    def tare(self, timeout_s: float = 2.0) -> None:
        """Tare what is on the pan, so later weights are net of it."""
        self._ask("tare", timeout_s)

    def clear(self, timeout_s: float = 2.0) -> None:
        """Clear the tare."""
        self._ask("clear", timeout_s)

    def read_stable_weight(self, timeout_s: float = 5.0) -> Weight:
        """The first stable Weight within `timeout_s`, for a line the till may sell.

        Raises DeviceError naming the scale's last status (in motion, over capacity, ...)
        when none comes in time, and DeviceUnavailable while the scale is disconnected.
        """
        deadline = time.monotonic() + timeout_s
        last: Reading | None = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            last = self.read_weight(timeout_s=max(remaining, 0.05))
            if isinstance(last, Weight) and last.stable:
                return last
            time.sleep(min(0.05, max(remaining, 0)))  # Let the pan settle between reads.
        why = last.reason if isinstance(last, ScaleStatus) else "not stable"
        raise DeviceError(f"scale {self.name!r} gave no stable weight in {timeout_s} s: {why}")

    def _ask(self, action: str, timeout_s: float) -> Reading | None:
        if action != "weight":
            self.protocol.command(action)  # Refuse a command the protocol lacks, here.
        if self.state != State.CONNECTED:
            raise DeviceUnavailable(f"scale {self.name!r} is not connected")
        # A request nobody waits for any more is dropped, so a tare the till gave up on is
        # never carried out later, after a reconnect.
        request = _Request(action, expires=time.monotonic() + timeout_s)
        self._requests.put(request)
        if not request.done.wait(timeout_s):
            raise DeviceError(f"scale {self.name!r} gave no {action} answer in {timeout_s} s")
        if request.error is not None:
            raise request.error
        return request.result

    # The driver's thread.
    def run(self, stop: threading.Event) -> None:
        """Keep the scale open until `stop` is set, reopening it after every unplug."""
        backoff = self._backoff
        while not stop.is_set():
            try:
                with self._open() as port:
                    # Connected is reported on the first good frame, not on open: a USB
                    # adapter opens fine with the scale behind it switched off.
                    self._serve(port, stop)
            except DeviceUnavailable as err:
                self._report(State.DISCONNECTED, reason=str(err))
            self._fail_pending(DeviceUnavailable(f"scale {self.name!r} is not connected"))
            stop.wait(backoff.next())
        self._fail_pending(DeviceUnavailable(f"scale {self.name!r} stopped"))

    @contextlib.contextmanager
    def _open(self) -> Iterator[Any]:
        c = self.config
        try:
            port = serial.Serial(
                c.port,
                c.baud,
                bytesize=c.bytesize,
                parity=c.parity,
                stopbits=c.stopbits,
                timeout=READ_CHUNK_S,
                write_timeout=1.0,
                exclusive=True,
            )
        except (serial.SerialException, OSError, ValueError, termios.error) as err:
            raise DeviceUnavailable(f"scale port {c.port!r} cannot be opened: {err}") from err
        try:
            yield port
        finally:
            with contextlib.suppress(Exception):
                port.close()

    def _serve(self, port: Any, stop: threading.Event) -> None:
        framer = self.protocol.framer()
        continuous = self.protocol.weight_request is None
        missed = 0
        next_poll = 0.0
        last_frame = time.monotonic()
        while not stop.is_set():
            wait_s = READ_CHUNK_S if continuous else next_poll - time.monotonic()
            try:
                request = self._requests.get(timeout=min(max(wait_s, 0.001), 0.1))
            except queue.Empty:
                request = None
            if request is not None and time.monotonic() > request.expires:
                continue
            if continuous:
                if request is not None and request.action != "weight":
                    self._write(port, self.protocol.command(request.action))
                    request.finish()
                    continue
                reading = self._next_reading(port, framer, self.config.reply_timeout_s)
                if reading is None:
                    if time.monotonic() - last_frame > self.config.reply_timeout_s * (
                        self.config.silent_after
                    ):
                        raise DeviceUnavailable(f"scale {self.name!r} sends nothing")
                    if request is not None:
                        request.finish(error=DeviceError(f"scale {self.name!r} sent no weight"))
                    continue
                last_frame = time.monotonic()
                if request is not None:
                    request.finish(reading)
                continue
            if request is None:
                if time.monotonic() < next_poll:
                    continue
                request = _Request("weight")  # A poll, for the bus.
            if request.action != "weight":
                self._write(port, self.protocol.command(request.action))
                request.finish()
                continue
            self._drain(port, framer)
            self._write(port, self.protocol.weight_request or b"")
            reading = self._next_reading(port, framer, self.config.reply_timeout_s)
            next_poll = time.monotonic() + self.config.poll_interval_s
            if reading is None:
                missed += 1
                request.finish(error=DeviceError(f"scale {self.name!r} did not answer"))
                if missed >= self.config.silent_after:
                    raise DeviceUnavailable(
                        f"scale {self.name!r} answered none of {missed} requests"
                    )
                continue
            missed = 0
            request.finish(reading)

    def _write(self, port: Any, data: bytes) -> None:
        try:
            port.write(data)
        except (serial.SerialException, OSError) as err:
            raise DeviceUnavailable(f"scale port {self.config.port!r} failed: {err}") from err

    def _read(self, port: Any) -> bytes:
        try:
            data = port.read(max(1, port.in_waiting))
        except (serial.SerialException, OSError, TypeError) as err:
            # pyserial raises TypeError from in_waiting when a pty's far end is gone.
            raise DeviceUnavailable(f"scale port {self.config.port!r} failed: {err}") from err
        return data

    def _drain(self, port: Any, framer: Framer) -> None:
        """Take what arrived unasked (noise, a late reply) so it cannot answer the next request."""
        try:
            waiting = port.in_waiting
        except (serial.SerialException, OSError) as err:
            raise DeviceUnavailable(f"scale port {self.config.port!r} failed: {err}") from err
        if waiting:
            for frame in self._feed(framer, self._read(port)):
                log.debug("scale %s: unasked frame %r", self.name, frame)
        before = framer.garbage_bytes
        framer.clear()
        self.garbage_bytes += framer.garbage_bytes - before

    def _feed(self, framer: Framer, data: bytes) -> list[bytes]:
        before = framer.garbage_bytes
        frames = framer.feed(data)
        self.garbage_bytes += framer.garbage_bytes - before
        return frames

    def _next_reading(self, port: Any, framer: Framer, timeout_s: float) -> Reading | None:
        """Read until a frame parses (a bad one is counted) or `timeout_s` passes.

        When one read brings several frames (a continuous scale while the driver was busy),
        the newest is the reading.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            reading: Reading | None = None
            for frame in self._feed(framer, self._read(port)):
                try:
                    reading = self._settling.judge(self.protocol.parse(frame))
                except BadFrame as err:
                    self.bad_frames += 1
                    log.debug("scale %s: %s", self.name, err)
                    continue
                log.debug("scale %s: %r -> %r", self.name, frame, reading)
            if reading is not None:
                if self.state != State.CONNECTED:
                    self._report(State.CONNECTED)
                    self._backoff.reset()  # Only after a connection that worked.
                self._publish(reading)
                return reading
        return None

    def _publish(self, reading: Reading) -> None:
        self.last_reading = reading
        if reading != self._published:
            self._published = reading
            self.bus.publish(ScaleReading(self.name, reading))

    def _fail_pending(self, error: DeviceError) -> None:
        while True:
            try:
                self._requests.get_nowait().finish(error=error)
            except queue.Empty:
                return

    def _report(self, state: State, reason: str | None = None) -> None:
        """Publish a state change; log it for the operator once, not per retry."""
        if state == self.state:
            return
        self.state = state
        announce(self.bus, DeviceState(self.name, FAMILY, state, reason), self.config.port)

"""Simulated scanners: a serial one on a pty pair, a HID one as evdev InputEvents.

`SerialScannerSim` owns the master side of a pty and a stable symlink to the slave (as udev
makes /dev/serial/by-id/ links); unplug closes the pty and removes the link, replug makes a
new pty behind the same link. `HidScannerSim` opens `FakeInputDevice`s, which offer what the
HID driver uses from `evdev.InputDevice` (fd, read, read_loop, grab, ungrab, close) and carry
real `evdev.InputEvent`s. `UInputScanner` types through the kernel where /dev/uinput exists.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import threading
import time
import tty
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .protocol import (
    CTRL_KEYS,
    EV_KEY,
    KEY_DOWN,
    KEY_LEFTCTRL,
    KEY_LEFTSHIFT,
    KEY_UP,
    KEYPAD_DIGITS,
    SUFFIXES,
    TERMINATORS,
    US_KEYMAP,
)

EV_SYN = 0
KEY_LEFTALT = 56

# The keys that type each printable character on a US keyboard: (key code, shifted).
_KEYS_FOR: dict[str, tuple[int, bool]] = {}
for _code, (_plain, _shifted) in US_KEYMAP.items():
    _KEYS_FOR.setdefault(_plain, (_code, False))
    _KEYS_FOR.setdefault(_shifted, (_code, True))
_CTRL_KEY_FOR = {char: code for code, char in CTRL_KEYS.items()}
_KP_FOR = {digit: code for code, digit in KEYPAD_DIGITS.items()}


def key_events(text: str, *, terminator: str = "enter", gs: str = "ctrl") -> list[tuple[int, int]]:
    """The (key code, value) presses a US-layout scanner sends to type `text`.

    `gs` says how a GS (0x1D) is typed: "ctrl" (Ctrl+]) or "alt" (Alt+0029 on the keypad).
    """
    out: list[tuple[int, int]] = []

    def tap(code: int) -> None:
        out.extend([(code, KEY_DOWN), (code, KEY_UP)])

    for char in text:
        if char == "\x1d" and gs == "alt":
            out.append((KEY_LEFTALT, KEY_DOWN))
            for digit in "0029":
                tap(_KP_FOR[digit])
            out.append((KEY_LEFTALT, KEY_UP))
        elif char in _CTRL_KEY_FOR:
            out.append((KEY_LEFTCTRL, KEY_DOWN))
            tap(_CTRL_KEY_FOR[char])
            out.append((KEY_LEFTCTRL, KEY_UP))
        elif char in _KEYS_FOR:
            code, shifted = _KEYS_FOR[char]
            if shifted:
                out.append((KEY_LEFTSHIFT, KEY_DOWN))
            tap(code)
            if shifted:
                out.append((KEY_LEFTSHIFT, KEY_UP))
        else:
            raise ValueError(f"{char!r} cannot be typed on a US keyboard")
    if terminator:
        tap(TERMINATORS[terminator])
    return out


def input_events(presses: list[tuple[int, int]], start_s: float | None = None) -> list[Any]:
    """Real evdev InputEvents for key presses, each followed by a SYN_REPORT."""
    from evdev import InputEvent

    now = time.time() if start_s is None else start_s
    sec, usec = int(now), int(now % 1 * 1_000_000)
    events = []
    for code, value in presses:
        events.append(InputEvent(sec, usec, EV_KEY, code, value))
        events.append(InputEvent(sec, usec, EV_SYN, 0, 0))
    return events


class FakeInputDevice:
    """An input device node as evdev.InputDevice shows it, fed by a HidScannerSim.

    `fd` is a pipe's read end, so select() works on it like on /dev/input/eventN.
    """

    def __init__(self, path: str, name: str = "Simulated barcode scanner") -> None:
        self.path = path
        self.name = name
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._events: deque[Any] = deque()
        self._lock = threading.Lock()
        self.gone = False
        self.grabbed = False
        self.closed = False

    @property
    def fd(self) -> int:
        return self._wake_r

    def push(self, events: list[Any]) -> None:
        with self._lock:
            self._events.extend(events)
        self._wake()

    def unplug(self) -> None:
        self.gone = True
        self._wake()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # Closed by the driver already.
            os.write(self._wake_w, b"!")

    def read(self) -> Iterator[Any]:
        """The events waiting now; BlockingIOError when none, OSError ENODEV once unplugged."""
        with contextlib.suppress(BlockingIOError):
            os.read(self._wake_r, 4096)
        if self.gone:
            raise OSError(errno.ENODEV, "No such device")
        with self._lock:
            events = list(self._events)
            self._events.clear()
        if not events:
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        return iter(events)

    def read_loop(self) -> Iterator[Any]:
        while True:
            select.select([self.fd], [], [])
            try:
                yield from self.read()
            except BlockingIOError:
                continue

    def grab(self) -> None:
        if self.gone:
            raise OSError(errno.ENODEV, "No such device")
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.grabbed = False
            os.close(self._wake_r)
            os.close(self._wake_w)


class HidScannerSim:
    """A USB HID scanner that can be unplugged and plugged in again.

    Pass `sim.open` to the HidScannerDriver as its opener; it opens the device at `path` while
    plugged in and fails like a missing /dev/input node otherwise.
    """

    def __init__(self, path: str = "/dev/input/by-id/usb-Sim_Scanner-event-kbd") -> None:
        self.path = path
        self.plugged = True
        self.device: FakeInputDevice | None = None
        self.opened = threading.Event()

    def open(self, path: str) -> FakeInputDevice:
        if path != self.path or not self.plugged:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        self.device = FakeInputDevice(path)
        self.opened.set()
        return self.device

    def press(self, presses: list[tuple[int, int]]) -> None:
        """Send raw (key code, value) presses to the open device."""
        if self.device is None or self.device.closed:
            raise RuntimeError("no driver has the simulated scanner open")
        self.device.push(input_events(presses))

    def scan(self, text: str, *, terminator: str = "enter", gs: str = "ctrl") -> None:
        """Type `text` and its terminator as the scanner would."""
        self.press(key_events(text, terminator=terminator, gs=gs))

    def unplug(self) -> None:
        self.plugged = False
        self.opened.clear()
        if self.device is not None:
            self.device.unplug()

    def replug(self) -> None:
        self.plugged = True


class SerialScannerSim:
    """A serial scanner at the far end of a pty, reached by the driver through `link`."""

    def __init__(self, link: Path, *, suffix: str = "cr") -> None:
        self.link = Path(link)
        self.suffix = SUFFIXES[suffix]
        self._master: int | None = None
        self._slave: int | None = None

    def __enter__(self) -> SerialScannerSim:
        self.replug()
        return self

    def __exit__(self, *exc: object) -> None:
        self.unplug()

    @property
    def path(self) -> str:
        return str(self.link)

    def replug(self) -> None:
        """Create a new pty and point the stable link at it, as udev does on plug-in."""
        if self._master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        self._master, self._slave = master, slave
        tmp = self.link.with_name(self.link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.link)

    def unplug(self) -> None:
        """Remove the link and close the pty: the driver's reads fail as on a pulled cable."""
        self.link.unlink(missing_ok=True)
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def send(self, data: bytes) -> None:
        """Write raw bytes onto the line (garbage, partial lines)."""
        if self._master is None:
            raise RuntimeError("the simulated serial scanner is unplugged")
        os.write(self._master, data)

    def scan(self, text: str) -> None:
        """Send one code and the configured suffix."""
        self.send(text.encode("ascii") + self.suffix)


class UInputScanner:
    """A HID scanner made by the kernel through /dev/uinput (where that node is writable)."""

    def __init__(self, name: str = "shopfloor simulated scanner") -> None:
        from evdev import UInput, ecodes

        keys = sorted({*US_KEYMAP, *KEYPAD_DIGITS, *TERMINATORS.values(), 29, 42, 54, 56})
        self._ui = UInput({ecodes.EV_KEY: keys}, name=name)
        self.path = self._ui.device.path

    def scan(self, text: str, *, terminator: str = "enter", gs: str = "ctrl") -> None:
        for code, value in key_events(text, terminator=terminator, gs=gs):
            self._ui.write(EV_KEY, code, value)
            self._ui.syn()

    def close(self) -> None:
        self._ui.close()

"""The far end of a scale's cable: a pty pair speaking 8217, SCP-01 or continuous output.

`ScaleSimulator` sits on a `PtyLink` (the cable tests can pull) and answers on it as a
scale would: `place(grams)`, `remove()`, `motion()`, `over_capacity()`, and `inject(bytes)`
for line noise.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..ptylink import PtyLink
from .protocol import (
    CR,
    ETX,
    LF,
    STX,
    ScaleStatus,
    encode_8217_status,
    encode_nci_status,
    protocol_named,
)


def kg_text(grams: int, width: int = 0) -> str:
    """Grams as a kilogram figure with three decimals, e.g. 1234 -> "1.234"."""
    sign = "-" if grams < 0 else ""
    return f"{sign}{abs(grams) // 1000}.{abs(grams) % 1000:03d}".rjust(width)


class ScaleSimulator:
    """A scale behind a PtyLink that answers like a real one, in a thread of its own."""

    def __init__(self, path: str | Path, protocol: str = "toledo8217", interval_s: float = 0.02):
        self.protocol = protocol_named(protocol).name
        self.link = PtyLink(path)
        self.interval_s = interval_s  # Between lines of a continuous-output scale.
        self.gross_g = 0
        self.zero_g = 0
        self.tare_g = 0
        self.moving = False
        self.overloaded = False
        self.silent = False  # Connected but answering nothing, like a scale switched off.
        self.received: list[bytes] = []  # Every command, in order.
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def path(self) -> Path:
        return self.link.path

    def start(self) -> ScaleSimulator:
        self.link.plug()
        self._thread = threading.Thread(target=self._run, name="scale-sim", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.link.unplug()

    def __enter__(self) -> ScaleSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # What a person does to the scale.
    def place(self, grams: int) -> None:
        """Put `grams` on the pan (added to what is there), settled."""
        self.gross_g += grams
        self.moving = False

    def remove(self) -> None:
        """Empty the pan."""
        self.gross_g = 0
        self.moving = False

    def motion(self, moving: bool = True) -> None:
        self.moving = moving

    def over_capacity(self, over: bool = True) -> None:
        self.overloaded = over

    def unplug(self) -> None:
        self.link.unplug()

    def replug(self) -> None:
        self.link.plug()

    def inject(self, data: bytes) -> None:
        """Put noise on the line, as a loose connector or a wrong baud rate would."""
        self.link.write(data)

    @property
    def net_g(self) -> int:
        return self.gross_g - self.zero_g - self.tare_g

    def status(self) -> ScaleStatus:
        return ScaleStatus(
            motion=self.moving,
            over_capacity=self.overloaded,
            under_zero=self.net_g < 0 and not self.tare_g,
            at_zero=self.net_g == 0,
            net=bool(self.tare_g),
        )

    # The wire.
    def reply(self) -> bytes:
        """The bytes this scale sends for one weight request (or one continuous line)."""
        status = self.status()
        if self.protocol == "toledo8217":
            if status.motion or status.over_capacity or status.under_zero:
                return STX + b"?" + encode_8217_status(status) + CR
            return STX + kg_text(self.net_g, 7).encode() + (b"N" if status.net else b"") + CR
        if self.protocol == "nci":
            if status.over_capacity:
                figure = "^^^^^^^^"
            elif status.under_zero:
                figure = "________"
            else:
                figure = kg_text(self.net_g, 8) + "kg"
            return LF + figure.encode() + CR + LF + encode_nci_status(status) + CR + ETX
        head = "OL" if status.over_capacity else "US" if status.motion else "ST"
        kind = "NT" if status.net else "GS"
        sign = "-" if self.net_g < 0 else "+"
        figure = f"{sign}{abs(self.net_g) // 1000:04d}.{abs(self.net_g) % 1000:03d}"
        return f"{head},{kind},{figure}kg\r\n".encode()

    def command(self, command: bytes) -> None:
        """Act on one command as received on the wire (W, Z, T, C, S), replying if it asks."""
        self.received.append(command)
        if self.silent:
            return
        verb = command[:1]
        if verb == b"W":
            self.link.write(self.reply())
        elif verb == b"S" and self.protocol == "nci":
            self.link.write(LF + b"S" + encode_nci_status(self.status()) + CR + ETX)
        elif verb == b"Z" and not self.moving:
            self.zero_g = self.gross_g
            self.tare_g = 0
        elif verb == b"T" and not self.moving:
            self.tare_g = self.gross_g - self.zero_g
        elif verb == b"C":
            self.tare_g = 0

    def _run(self) -> None:
        pending = b""
        while not self._stop.is_set():
            data = self.link.read(self.interval_s if self.protocol == "continuous" else 0.01)
            if self.protocol == "continuous" and not self.silent:
                self.link.write(self.reply(), timeout_s=0)  # Nobody reading: lines are lost.
            if not data:
                continue
            if self.protocol == "toledo8217":
                for byte in data:  # Single-letter commands with no terminator.
                    self.command(bytes([byte]))
                continue
            pending += data
            while b"\r" in pending:
                command, _, pending = pending.partition(b"\r")
                self.command(command.strip(b"\n"))

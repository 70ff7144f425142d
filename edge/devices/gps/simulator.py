"""The far end of a GPS receiver's cable: a pty pair replaying NMEA lines, noise included.

`GpsSimulator` sends lines as a receiver does (`send`), replays a recorded track one epoch
per `interval_s` (`replay`), puts noise on the line (`inject`), and can be unplugged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from ..ptylink import PtyLink
from .protocol import with_checksum

SAMPLE_TRACK = Path(__file__).with_name("sample_track.nmea")


def load_track(path: str | Path = SAMPLE_TRACK) -> list[bytes]:
    """The lines of an NMEA log as sent on the wire (each ending CR LF), noise kept."""
    return [line.rstrip(b"\r\n") + b"\r\n" for line in Path(path).read_bytes().splitlines()]


class GpsSimulator:
    """A receiver behind a PtyLink; it says only what it is told to."""

    def __init__(self, path: str | Path) -> None:
        self.link = PtyLink(path)
        self._stop = threading.Event()
        self._replay: threading.Thread | None = None

    @property
    def path(self) -> Path:
        return self.link.path

    def start(self) -> GpsSimulator:
        self.link.plug()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._replay is not None:
            self._replay.join(timeout=5)
        self.link.unplug()

    def __enter__(self) -> GpsSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, *sentences: str) -> None:
        """Send sentences; a body without `$` gets its `$` and checksum added."""
        for sentence in sentences:
            line = sentence if sentence.startswith("$") else with_checksum(sentence)
            self.link.write(line.encode("ascii") + b"\r\n")

    def inject(self, data: bytes) -> None:
        """Put raw bytes on the line: a partial sentence, binary garbage, a wrong baud rate."""
        self.link.write(data)

    def unplug(self) -> None:
        self.link.unplug()

    def replug(self) -> None:
        self.link.plug()

    def replay(
        self, lines: Iterable[bytes] | None = None, interval_s: float = 1.0, loop: bool = False
    ) -> threading.Thread:
        """Send a track in the background, pausing `interval_s` before each RMC (one epoch)."""
        track = list(lines) if lines is not None else load_track()

        def play() -> None:
            while not self._stop.is_set():
                for line in track:
                    if b"RMC," in line[:7] and self._stop.wait(interval_s):
                        return
                    self.link.write(line)
                if not loop:
                    return

        self._replay = threading.Thread(target=play, name="gps-sim-replay", daemon=True)
        self._replay.start()
        return self._replay

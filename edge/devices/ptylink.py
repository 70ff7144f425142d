"""A serial cable that tests and the demo can pull, for every serial device's simulator.

A pty pair behind a stable symlink (as `/dev/serial/by-id/...` is): the symlink is removed
on `unplug` and pointed at a new pty on `replug`, so a driver sees what a pulled USB serial
adapter looks like.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty
from pathlib import Path


class PtyLink:
    """A pty pair whose slave is reachable at `path` while plugged in."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self._stalled = False

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> None:
        with self._lock:
            if self._master is not None:
                return
            master, slave = os.openpty()
            # Raw from the start: a cooked pty would turn CR into LF before the driver opens it.
            tty.setraw(slave)
            os.set_blocking(master, False)
            self._master, self._slave = master, slave
            tmp = self.path.with_name(self.path.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(os.ttyname(slave))
            os.replace(tmp, self.path)

    def unplug(self) -> None:
        with self._lock:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            for fd in (self._master, self._slave):
                if fd is not None:
                    os.close(fd)
            self._master = self._slave = None

    def write(self, data: bytes, timeout_s: float = 1.0) -> None:
        """Send bytes towards the driver; dropped when unplugged or still full after `timeout_s`.

        The pty holds a few kB: a fast replay waits here for the driver to read, as a real
        receiver's UART would simply keep pace. Once a wait has run out nobody is reading, so
        later writes do not wait until one gets through again.
        """
        with self._lock:
            view = memoryview(data)
            while view and self._master is not None:
                try:
                    view = view[os.write(self._master, view) :]
                except BlockingIOError:
                    wait_s = 0 if self._stalled else timeout_s
                    if not select.select([], [self._master], [], wait_s)[1]:
                        self._stalled = True
                        return
                except OSError:
                    return
            self._stalled = False

    def read(self, timeout_s: float = 0.01) -> bytes:
        """Bytes the driver sent, waiting at most `timeout_s`; b"" when none or unplugged."""
        with self._lock:
            if self._master is None:
                return b""
            ready, _, _ = select.select([self._master], [], [], timeout_s)
            if not ready:
                return b""
            try:
                return os.read(self._master, 4096)
            except (BlockingIOError, OSError):
                return b""

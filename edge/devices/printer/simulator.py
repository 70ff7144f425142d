"""A network receipt printer on a loopback port: records what it prints, answers DLE EOT.

Like a real printer on port 9100 it takes one connection at a time, answers each real-time
status query (DLE EOT n) as soon as it arrives, even in the middle of data, and prints
nothing while it is out of paper, its cover is open or it is offline. Tests and the demo
unplug it (the listener closes), refill it and read back what it printed with `decode`.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from dataclasses import replace

from .protocol import Paper, Printed, PrinterStatus, decode, status_bytes

log = logging.getLogger(__name__)


class PrinterSimulator:
    """The far end of a network printer's wire, listening on 127.0.0.1:`port` (0: any free)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self.status = PrinterStatus()
        self.jobs: list[bytes] = []  # What each connection printed, status queries removed.
        self.discarded = 0  # Bytes sent while the printer could not print.
        self.queries = 0
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._thread: threading.Thread | None = None
        self._hang = False
        self._garble = 0
        self._drop_after: int | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> PrinterSimulator:
        """Listen (again, on the same port after an unplug) and serve in a daemon thread."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(4)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listener and every open connection, like pulling the cable."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    unplug = stop
    replug = start

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # The printer's front panel.
    def set_paper(self, paper: Paper | str) -> None:
        self.status = replace(self.status, paper=Paper(paper))

    def set_cover_open(self, is_open: bool) -> None:
        self.status = replace(self.status, cover_open=is_open)

    def set_online(self, online: bool) -> None:
        self.status = replace(self.status, online=online)

    def set_silent(self, silent: bool) -> None:
        """Accept connections but never answer status queries (a hung printer)."""
        self._hang = silent

    def drop_after(self, data_bytes: int) -> None:
        """Close the next connection once it has sent `data_bytes` of print data."""
        self._drop_after = data_bytes

    def garble(self, answers: int = 1) -> None:
        """Answer the next `answers` status queries with noise (a wrong baud rate, a glitch)."""
        self._garble += answers

    # What came out of it.
    @property
    def printed(self) -> bytes:
        with self._lock:
            return b"".join(self.jobs)

    def document(self) -> list[Printed]:
        """Everything printed so far, decoded (BadFrame if the bytes were not ESC/POS)."""
        return decode(self.printed)

    def documents(self) -> list[list[Printed]]:
        """Each non-empty job decoded on its own."""
        with self._lock:
            jobs = [job for job in self.jobs if job]
        return [decode(job) for job in jobs]

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # Unplugged.
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        job = bytearray()
        pending = b""
        try:
            while True:
                try:
                    chunk = conn.recv(4096)
                except OSError:
                    break
                if not chunk:
                    break
                data, pending = _split_queries(pending + chunk, self._answer(conn))
                if self.status.problem is None:
                    job += data
                else:
                    self.discarded += len(data)
                if self._drop_after is not None and len(job) >= self._drop_after:
                    self._drop_after = None
                    with contextlib.suppress(OSError):
                        conn.shutdown(socket.SHUT_RDWR)
                    break
        finally:
            with self._lock:
                if job:
                    self.jobs.append(bytes(job))
                if conn in self._conns:
                    self._conns.remove(conn)
            conn.close()

    def _answer(self, conn: socket.socket):
        def answer(n: int) -> None:
            self.queries += 1
            if self._hang:
                return
            answers = dict(zip((1, 2, 4), status_bytes(self.status), strict=True))
            if self._garble > 0:
                self._garble -= 1
                answers = dict.fromkeys((1, 2, 4), b"\xff")
            with contextlib.suppress(OSError):
                conn.sendall(answers.get(n, answers[1]))

        return answer


def _split_queries(data: bytes, answer) -> tuple[bytes, bytes]:
    """Answer every DLE EOT n in `data`; return the rest and an unfinished query's bytes.

    A real printer also takes DLE EOT inside graphics or barcode data for a query (Epson's
    reference warns about it), so the simulator does the same.
    """
    out = bytearray()
    i = 0
    while i < len(data):
        if data[i] == 0x10:
            if len(data) - i < 3:
                if data[i + 1 : i + 2] in (b"", b"\x04"):
                    return bytes(out), data[i:]
            elif data[i + 1] == 0x04:
                answer(data[i + 2])
                i += 3
                continue
        out.append(data[i])
        i += 1
    return bytes(out), b""


class SerialPrinterSimulator:
    """A serial receipt printer on a pty, reached through a stable symlink like by-id paths.

    `unplug` closes the pty and removes the link, as a pulled USB-serial cable removes its
    /dev/serial/by-id/ entry; `replug` makes a new pty behind the same link.
    """

    def __init__(self, link: str) -> None:
        self.link = link
        self.status = PrinterStatus()
        self.received = bytearray()  # Print data, status queries removed.
        self._fds: tuple[int, int] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def printed(self) -> bytes:
        return bytes(self.received)

    def document(self) -> list[Printed]:
        return decode(self.printed)

    def set_paper(self, paper: Paper | str) -> None:
        self.status = replace(self.status, paper=Paper(paper))

    def start(self) -> SerialPrinterSimulator:
        import os
        import tty

        master, slave = os.openpty()
        tty.setraw(slave)  # Bytes pass unchanged, as on a real serial line.
        self._fds = (master, slave)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.link)
        os.symlink(os.ttyname(slave), self.link)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(master, self._stop), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        import os

        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.link)
        if self._fds is not None:
            for fd in self._fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._fds = None

    unplug = stop
    replug = start

    def __enter__(self) -> SerialPrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, master: int, stop: threading.Event) -> None:
        import os
        import select

        def answer(n: int) -> None:
            answers = dict(zip((1, 2, 4), status_bytes(self.status), strict=True))
            with contextlib.suppress(OSError):
                os.write(master, answers.get(n, answers[1]))

        pending = b""
        while not stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            data, pending = _split_queries(pending + chunk, answer)
            if self.status.problem is None:
                self.received += data

"""PrinterDriver: prints the durable queue through python-escpos, reconnecting per job.

Each job opens the printer, asks DLE EOT status, sends the whole job, asks status once more
(an answer after the data means the printer took all of it) and closes. Reconnecting per job
is what survives a network printer's restart or USB "Resource busy" after a replug; while
idle the driver checks the printer's status every `poll_s` so the till sees paper out before
the next sale. Jobs that cannot print now stay pending and are retried with backoff.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from zoneinfo import ZoneInfo

from edge.store import get_sale, open_db
from edge.store import printing as queue

from ..base import Backoff, BadFrame, DeviceError, DeviceState, DeviceUnavailable, State, announce
from ..bus import Bus
from .config import PrinterConfig
from .protocol import (
    DEFAULT_REPLACEMENTS,
    QR,
    STATUS_QUERIES,
    Barcode,
    Cut,
    Kick,
    Label,
    Op,
    PrinterStatus,
    Symbology,
    Text,
    label_layout,
    local_time,
    parse_status,
    printable_text,
    qr_label_layout,
    receipt_layout,
)

log = logging.getLogger(__name__)

FAMILY = "printer"
QUEUE_POLL_S = 0.1  # How often an idle printer looks for new jobs in the database.


class PrinterNotReady(DeviceError):
    """The printer answers but cannot print now: paper out, cover open or offline."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JobRejected(DeviceError):
    """A queued job can never print (unknown receipt, invalid label); it is marked failed."""


def _profile(name: str) -> Any:
    from escpos.capabilities import get_profile

    return get_profile(name)


def choose_codepage(profile: Any, wanted: Sequence[str]) -> str:
    """The first code page in `wanted` that the python-escpos profile has."""
    have = {name.upper() for name in profile.get_code_pages()}
    for name in wanted:
        if name.upper() in have:
            return name.upper()
    raise DeviceError(f"printer profile {profile.profile_data.get('name')!r} has none of {wanted}")


def render(
    ops: Sequence[Op],
    *,
    profile: str = "TM-T88V",
    codepages: Sequence[str] = ("CP858", "CP437"),
    replacements: Any = DEFAULT_REPLACEMENTS,
) -> bytes:
    """ESC/POS bytes for `ops`, built by python-escpos: ESC @, an explicit code page, the ops."""
    from escpos.printer import Dummy

    printer = Dummy(profile=profile)
    codepage = choose_codepage(printer.profile, codepages)
    printer.hw("INIT")
    printer.magic.force_encoding(codepage)
    for op in ops:
        if isinstance(op, Text):
            printer.set_with_default(
                align=op.align, bold=op.bold, double_height=op.double, double_width=op.double
            )
            printer.textln(printable_text(op.text, codepage, replacements))
        elif isinstance(op, Barcode):
            data = op.data
            if op.symbology is Symbology.CODE128:
                data = "{B" + data.replace("{", "{{")
            printer.set_with_default(align="center")
            # barcode() prints "Using hardware barcode renderer" on stdout (python-escpos 3.1),
            # which would corrupt the JSON lines of the commands; this is the path it takes.
            printer._hw_barcode(data, str(op.symbology), function_type="B", check=False)
        elif isinstance(op, QR):
            printer.set_with_default(align="center")
            printer.qr(op.data, native=True, size=6)
        elif isinstance(op, Cut):
            printer.cut(mode="PART" if op.partial else "FULL")
        elif isinstance(op, Kick):
            printer.cashdraw([27, 112, 0 if op.pin == 2 else 1, op.on_ms // 2, op.off_ms // 2])
    return printer.output


class PrinterDriver:
    """One receipt printer: its status on the bus, and the print queue's jobs for it."""

    family = FAMILY

    def __init__(self, config: PrinterConfig, bus: Bus, *, db_path: str | None = None) -> None:
        self.config = config
        self.name = config.name
        self.bus = bus
        self.db_path = db_path
        self.state: DeviceState | None = None
        self.garbage = 0  # Status answers outside the protocol.
        self.printed = 0
        self._wake = threading.Event()

    def wake(self) -> None:
        """Look at the queue now (a job was just added in this process)."""
        self._wake.set()

    def _report(self, state: State, reason: str | None = None) -> None:
        new = DeviceState(self.name, FAMILY, state, reason)
        if new == self.state:
            return
        self.state = new
        announce(self.bus, new, self.config.port)

    def run(self, stop: threading.Event) -> None:
        """Serve the queue until `stop` is set, retrying a printer that is away or not ready."""
        backoff = Backoff(self.config.retry_first_s, self.config.retry_max_s)
        db = open_db(self.db_path) if self.db_path else None
        checked_at = float("-inf")
        try:
            while not stop.is_set():
                try:
                    job = queue.next_job(db, self.name) if db is not None else None
                except sqlite3.Error as err:
                    log.warning("Printer %s cannot read its queue: %s", self.name, err)
                    stop.wait(backoff.next())
                    continue
                if job is None and time.monotonic() - checked_at < self.config.poll_s:
                    self._wake.wait(QUEUE_POLL_S)
                    self._wake.clear()
                    continue
                try:
                    self.serve(db, job)
                except DeviceUnavailable as err:
                    self._report(State.DISCONNECTED, str(err))
                    self._retry(db, job, str(err))
                    stop.wait(backoff.next())
                    continue
                except PrinterNotReady as err:
                    self._report(State.ERROR, err.reason)
                    self._retry(db, job, err.reason)
                    stop.wait(backoff.next())
                    continue
                except sqlite3.Error as err:
                    # A busy or full database delays printing; the job is still pending.
                    log.warning("Printer %s cannot update its queue: %s", self.name, err)
                    stop.wait(backoff.next())
                    continue
                checked_at = time.monotonic()
                backoff.reset()
        finally:
            if db is not None:
                db.close()

    def _retry(self, db: sqlite3.Connection | None, job: queue.PrintJob | None, why: str) -> None:
        if db is not None and job is not None:
            try:
                queue.mark_retry(db, job.id, why)
            except sqlite3.Error as err:
                log.warning("Printer %s cannot count a retry of job %d: %s", self.name, job.id, err)

    def serve(self, db: sqlite3.Connection | None, job: queue.PrintJob | None) -> None:
        """Check the printer and print `job` (if any); raise if the printer cannot take it.

        A job is marked printed after the printer has answered behind its data, so a power
        cut in between prints it again: a receipt may come out twice, never not at all.
        """
        data = None
        if job is not None and db is not None:
            try:
                data = self.job_bytes(db, job)
            except (JobRejected, ValueError, KeyError, TypeError) as err:
                log.warning("Print job %d for %s cannot print: %s", job.id, self.name, err)
                queue.mark_failed(db, job.id, str(err))
                return
        self.send(data or b"")
        if data is None:
            return
        assert db is not None and job is not None
        queue.mark_printed(db, job.id)
        self.printed += 1
        log.debug("Printer %s printed job %d (%d bytes)", self.name, job.id, len(data))

    def send(self, data: bytes) -> PrinterStatus:
        """Open the printer, check that it can print, send `data` whole and close it.

        Raises DeviceUnavailable when it cannot be reached and PrinterNotReady when it
        answers but cannot print; empty `data` only checks the status.
        """
        with self._connect() as printer:
            status = self.status(printer)
            if status.problem:
                raise PrinterNotReady(status.problem)
            self._report(State.CONNECTED, "paper near end" if status.paper == "near end" else None)
            if data:
                printer._raw(data)
                self.status(printer)  # An answer after the data: the printer has all of it.
        return status

    def job_bytes(self, db: sqlite3.Connection, job: queue.PrintJob) -> bytes:
        """The ESC/POS bytes of a queued job, laid out now from the database."""
        c = self.config
        payload = job.payload
        if job.kind == "receipt":
            receipt = get_sale(db, int(payload["receipt_no"]))
            if receipt is None:
                raise JobRejected(f"no sale has receipt number {payload['receipt_no']}")
            ops = receipt_layout(
                receipt,
                width=c.width,
                header=c.header,
                footer=c.footer,
                hub=str(payload.get("hub", "")),
                qr=c.qr,
                codepage=choose_codepage(_profile(c.profile), c.codepages),
                when=local_time(receipt.at, ZoneInfo(c.timezone)),
            )
        elif job.kind == "label":
            ops = label_ops(payload, c.width)
        elif job.kind == "kick":
            ops = [Kick(int(payload["pin"]), int(payload["on_ms"]), int(payload["off_ms"]))]
        else:
            raise JobRejected(f"print job kind {job.kind!r} is unknown")
        return render(ops, profile=c.profile, codepages=c.codepages)

    def status(self, printer: Any) -> PrinterStatus:
        """Ask DLE EOT 1, 2 and 4; a garbled answer is counted and taken as no news."""
        if not self.config.status or self.config.connection == "file":
            return PrinterStatus()
        answers = []
        for query in STATUS_QUERIES:
            printer._raw(query)
            try:
                # A serial read waits for its whole count or the timeout: ask for one byte,
                # so a status costs one answer, not a port timeout.
                serial = self.config.connection == "serial"
                answer = printer.device.read(1) if serial else printer._read()
            except TimeoutError as err:
                raise DeviceUnavailable(
                    f"printer {self.name} at {self.config.port} did not answer a status query "
                    f"within {self.config.timeout_s} s"
                ) from err
            if not answer:
                raise DeviceUnavailable(
                    f"printer {self.name} at {self.config.port} gave no status answer "
                    f"(connection closed, or silent for {self.config.timeout_s} s)"
                )
            answers.append(bytes(answer[-1:]))
        try:
            return parse_status(answers)
        except BadFrame as err:
            self.garbage += 1
            log.debug("Printer %s: %s", self.name, err)
            return PrinterStatus()

    def _open_printer(self) -> Any:
        from escpos import printer as escpos_printer

        c = self.config
        if c.connection == "network":
            host, _, port = c.port.rpartition(":")
            return escpos_printer.Network(host, int(port), timeout=c.timeout_s, profile=c.profile)
        if c.connection == "serial":
            return escpos_printer.Serial(
                devfile=c.port, baudrate=c.baud, timeout=c.timeout_s, profile=c.profile
            )
        if c.connection == "usb":
            vid, _, pid = c.port.partition(":")
            return escpos_printer.Usb(
                int(vid, 16), int(pid, 16), timeout=int(c.timeout_s * 1000), profile=c.profile
            )
        return escpos_printer.File(devfile=c.port, profile=c.profile)

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        from escpos.exceptions import Error as EscposError

        where = f"printer {self.name} at {self.config.port}"
        try:
            printer = self._open_printer()
            printer.open()
        except (EscposError, OSError, ImportError, ValueError) as err:
            # pyusb raises NoBackendError, a ValueError, when libusb-1.0 is not installed.
            raise DeviceUnavailable(f"{where} cannot be opened: {err}".replace("\n", " ")) from err
        try:
            yield printer
        except (OSError, EscposError) as err:
            raise DeviceUnavailable(f"{where} went away: {err}") from err
        finally:
            with suppress(OSError, EscposError):
                printer.close()


def label_ops(payload: dict[str, Any], width: int = 42) -> list[Op]:
    """The ops of a label job: {"qr": data, "name"} or a product label's fields."""
    try:
        if "qr" in payload:
            return qr_label_layout(str(payload.get("name", "")), str(payload["qr"]), width=width)
        label = Label(
            name=str(payload["name"]),
            price_minor=int(payload["price_minor"]),
            currency=str(payload.get("currency", "INR")),
            code=str(payload["code"]),
            symbology=Symbology(payload.get("symbology", "EAN13")),
            unit=str(payload.get("unit", "")),
        )
    except KeyError as err:
        raise JobRejected(f"label job lacks {err.args[0]!r}") from None
    return label_layout(label, width=width, copies=int(payload.get("copies", 1)))

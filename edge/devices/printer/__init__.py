"""Receipt printers: ESC/POS through python-escpos, a durable queue, status and a decoder."""

from __future__ import annotations

from ..bus import Bus
from .config import PrinterConfig, config_from
from .driver import JobRejected, PrinterDriver, PrinterNotReady, render
from .protocol import (
    Label,
    Paper,
    PrinterStatus,
    Symbology,
    decode,
    label_layout,
    receipt_layout,
    text_lines,
)

FAMILY = "printer"


def make_driver(config: PrinterConfig, bus: Bus, *, db_path: str | None = None) -> PrinterDriver:
    """The driver for one printer; with `db_path` it prints that hub database's queue."""
    return PrinterDriver(config, bus, db_path=db_path)


__all__ = [
    "FAMILY",
    "JobRejected",
    "Label",
    "Paper",
    "PrinterConfig",
    "PrinterDriver",
    "PrinterNotReady",
    "PrinterStatus",
    "Symbology",
    "config_from",
    "decode",
    "label_layout",
    "make_driver",
    "receipt_layout",
    "render",
    "text_lines",
]

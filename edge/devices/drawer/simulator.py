"""A cash drawer on a simulated printer's connector: it opens on every kick the printer took."""

from __future__ import annotations

from dataclasses import replace

from ..printer.protocol import Kick
from ..printer.simulator import PrinterSimulator


class DrawerSimulator:
    """The drawer wired to `printer`; `kicks` are the pulses it received, `close` shuts it."""

    def __init__(self, printer: PrinterSimulator, pin: int = 2) -> None:
        self.printer = printer
        self.pin = pin
        self._seen = 0

    @property
    def kicks(self) -> list[Kick]:
        """Every kick on this drawer's pin, in the order the printer received them."""
        return [k for k in self.printer.document() if isinstance(k, Kick) and k.pin == self.pin]

    @property
    def is_open(self) -> bool:
        """Open once kicked, until `close`; the printer reports it on DLE EOT 1 bit 2."""
        if len(self.kicks) > self._seen:
            self.printer.status = replace(self.printer.status, drawer_open=True)
        return self.printer.status.drawer_open

    def close(self) -> None:
        self._seen = len(self.kicks)
        self.printer.status = replace(self.printer.status, drawer_open=False)

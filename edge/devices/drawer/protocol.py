"""The cash drawer's one command: ESC p m t1 t2, a pulse on the printer's drawer connector.

Pure: no I/O. m selects the connector pin (0: pin 2, 1: pin 5); t1 and t2 are the pulse's
on and off times in units of 2 ms (Epson ESC/POS reference, "ESC p"). Most drawers open
with 100 ms on pin 2; a second drawer is often wired to pin 5.
"""

from __future__ import annotations

from ..base import BadFrame
from ..printer.protocol import Kick

PINS = (2, 5)
MAX_PULSE_MS = 510  # t1 and t2 are one byte of 2 ms units each.


def kick_command(kick: Kick) -> bytes:
    """The ESC p bytes of `kick`; ValueError for a pin or time the command cannot carry."""
    if kick.pin not in PINS:
        raise ValueError(f"drawer pin must be 2 or 5, got {kick.pin}")
    for name, ms in (("on_ms", kick.on_ms), ("off_ms", kick.off_ms)):
        if not 2 <= ms <= MAX_PULSE_MS or ms % 2:
            raise ValueError(f"drawer {name} must be an even count from 2 to 510 ms, got {ms}")
    return bytes([0x1B, 0x70, 0 if kick.pin == 2 else 1, kick.on_ms // 2, kick.off_ms // 2])


def parse_kick(data: bytes) -> Kick:
    """The kick an ESC p command asks for; BadFrame for anything else.

    Epson accepts m = 0, 1, 48 or 49 (the ASCII digits) for pins 2 and 5.
    """
    if len(data) != 5 or data[:2] != b"\x1bp" or data[2] not in (0, 1, 48, 49):
        raise BadFrame(f"{data!r} is not a drawer kick (ESC p m t1 t2, m in 0, 1, 48, 49)")
    return Kick(pin=5 if data[2] & 1 else 2, on_ms=data[3] * 2, off_ms=data[4] * 2)

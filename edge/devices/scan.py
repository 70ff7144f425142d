"""The one message every code reader publishes: a scanner's keystrokes or a camera's frame."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from protocols.codes import ScannedCode


@dataclass(frozen=True)
class Scan:
    """One code read by a scanner or a camera, as published on the bus.

    `code` is its interpretation (protocols.codes), or None with `error` saying why the text
    could not be read; the till decides what to do with an unreadable code. A camera also
    knows the symbology (`format`, e.g. "EAN_13"), whether it was a GS1 code, and the
    human-readable form (`hri`); a keyboard-wedge scanner cannot tell.
    """

    device: str
    text: str
    source: str  # "hid", "serial" or "camera".
    at: dt.datetime
    code: ScannedCode | None = None
    error: str | None = None
    format: str | None = None
    gs1: bool = False
    hri: str = ""

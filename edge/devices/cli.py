"""Technicians' commands for devices: `shopfloor decode`, `nmea`, `parse-code`, `sim ...`.

Each family registers its own commands; their output is one JSON object per line so that
scripts can read it.
"""

from __future__ import annotations

from typing import Any


def register(subparsers: Any) -> None:
    """Add every device family's commands to the `shopfloor` parser's subparsers."""
    # Each family's cli module imports nothing heavy at module level.
    from .camera import cli as camera_cli
    from .gps import cli as gps_cli
    from .printer import cli as printer_cli
    from .scale import cli as scale_cli
    from .scanner import cli as scanner_cli

    families: tuple[Any, ...] = (camera_cli, scanner_cli, printer_cli, gps_cli, scale_cli)
    for family in families:
        family.register(subparsers)

"""PrinterConfig: how to reach an ESC/POS printer, its code pages, paper width and receipt text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from edge.errors import ConfigError

from ..tables import COMMON_KEYS
from .protocol import CODEPAGES

CONNECTIONS = ("network", "serial", "usb", "file")


@dataclass(frozen=True)
class PrinterConfig:
    """One receipt printer; `port` is host:port, a /dev/serial/by-id/ path, vid:pid or a file."""

    name: str
    connection: str = "network"  # network (port 9100), serial, usb (vid:pid) or file.
    port: str = ""  # Required: "192.168.1.50:9100", "/dev/serial/by-id/...", "04b8:0202".
    baud: int = 38400  # Serial line speed (8N1), for connection = "serial".
    profile: str = "TM-T88V"  # python-escpos profile; the default one has no paper width.
    codepages: tuple[str, ...] = ("CP858", "CP437")  # First one the profile has is used.
    width: int = 42  # Characters per line in font A (80 mm paper: 42 or 48; 58 mm: 32).
    header: tuple[str, ...] = ()  # Store name, address, GSTIN: centred above each receipt.
    footer: tuple[str, ...] = ()
    timezone: str = "UTC"  # IANA zone the receipt's time is shown in, e.g. "Asia/Kolkata".
    qr: bool = True  # Print the receipt number as a QR code too, beside the Code128.
    status: bool = True  # Ask DLE EOT status before a job (off for printers that never answer).
    timeout_s: float = 3.0  # Connect, send and status-answer timeout.
    poll_s: float = 5.0  # How often an idle printer's status is checked.
    retry_first_s: float = 0.5  # Retry backoff doubles from here...
    retry_max_s: float = 30.0  # ...up to here, and resets after a job is printed.


def config_from(name: str, table: Mapping[str, Any]) -> PrinterConfig:
    """Check one `[[devices]]` table with `family = "printer"`; raise ConfigError naming the key."""
    known = set(PrinterConfig.__dataclass_fields__) - {"name"}
    for key in table:
        if key not in known and key not in COMMON_KEYS:
            raise ConfigError(
                f"devices.{name}.{key}: unknown key for a printer (known: "
                f"{', '.join(sorted(known))})"
            )
    values: dict[str, Any] = {}

    def bad(key: str, want: str) -> ConfigError:
        return ConfigError(f"devices.{name}.{key}: must be {want}, got {table[key]!r}")

    for key in ("connection", "port", "profile", "timezone"):
        if key in table:
            if not isinstance(table[key], str) or not table[key]:
                raise bad(key, "a non-empty string")
            values[key] = table[key]
    for key, low, high in (("baud", 1200, 921600), ("width", 16, 80)):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise bad(key, f"an integer from {low} to {high}")
            values[key] = value
    for key in ("timeout_s", "poll_s", "retry_first_s", "retry_max_s"):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise bad(key, "a positive number of seconds")
            values[key] = float(value)
    for key in ("qr", "status"):
        if key in table:
            if not isinstance(table[key], bool):
                raise bad(key, "true or false")
            values[key] = table[key]
    for key in ("header", "footer", "codepages"):
        if key in table:
            value = table[key]
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise bad(key, "a list of strings")
            values[key] = tuple(value)
    config = PrinterConfig(name=name, **values)
    if config.connection not in CONNECTIONS:
        raise ConfigError(
            f"devices.{name}.connection: must be one of {', '.join(CONNECTIONS)}, "
            f"got {config.connection!r}"
        )
    if not config.port:
        raise ConfigError(f"devices.{name}.port: a printer needs a port (host:port, path, vid:pid)")
    if config.connection == "network":
        host, _, port = config.port.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(
                f"devices.{name}.port: a network printer's port is host:port, e.g. "
                f"192.168.1.50:9100, got {config.port!r}"
            )
    elif config.connection == "usb":
        vid, _, pid = config.port.partition(":")
        try:
            int(vid, 16), int(pid, 16)
        except ValueError:
            raise ConfigError(
                f"devices.{name}.port: a USB printer's port is vid:pid in hex, e.g. 04b8:0202, "
                f"got {config.port!r}"
            ) from None
    unknown = [c for c in config.codepages if c.upper() not in CODEPAGES]
    if not config.codepages or unknown:
        raise ConfigError(
            f"devices.{name}.codepages: must name code pages from {', '.join(CODEPAGES)}, "
            f"got {list(config.codepages)!r}"
        )
    try:
        ZoneInfo(config.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        raise ConfigError(
            f"devices.{name}.timezone: {config.timezone!r} is not an IANA time zone such as "
            "Asia/Kolkata"
        ) from None
    if config.retry_first_s > config.retry_max_s:
        raise ConfigError(f"devices.{name}.retry_first_s: must not exceed retry_max_s")
    return config

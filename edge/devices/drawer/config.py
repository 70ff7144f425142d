"""DrawerConfig: which printer the cash drawer hangs on, its pin and its pulse."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from edge.errors import ConfigError

from ..printer.protocol import Kick
from ..tables import COMMON_KEYS
from .protocol import kick_command


@dataclass(frozen=True)
class DrawerConfig:
    """One cash drawer, wired to the drawer connector of a receipt printer."""

    name: str
    printer: str = ""  # Required: the printer device's name in the hub config.
    pin: int = 2  # Connector pin 2 or 5 (a second drawer is usually on pin 5).
    on_ms: int = 100  # Pulse length; even, 2 to 510 ms.
    off_ms: int = 100

    @property
    def kick(self) -> Kick:
        return Kick(self.pin, self.on_ms, self.off_ms)


def config_from(name: str, table: Mapping[str, Any]) -> DrawerConfig:
    """Check one `[[devices]]` table with `family = "drawer"`; raise ConfigError naming the key."""
    known = set(DrawerConfig.__dataclass_fields__) - {"name"}
    for key in table:
        if key not in known and key not in COMMON_KEYS:
            raise ConfigError(
                f"devices.{name}.{key}: unknown key for a cash drawer (known: "
                f"{', '.join(sorted(known))})"
            )
    printer = table.get("printer")
    if not isinstance(printer, str) or not printer:
        raise ConfigError(
            f"devices.{name}.printer: a cash drawer needs the name of the printer it is "
            f"wired to, got {printer!r}"
        )
    values: dict[str, Any] = {"printer": printer}
    for key in ("pin", "on_ms", "off_ms"):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"devices.{name}.{key}: must be an integer, got {value!r}")
            values[key] = value
    config = DrawerConfig(name=name, **values)
    try:
        kick_command(config.kick)
    except ValueError as err:
        key = "pin" if "pin" in str(err) else "on_ms" if "on_ms" in str(err) else "off_ms"
        raise ConfigError(f"devices.{name}.{key}: {err}") from None
    return config

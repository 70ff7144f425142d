"""ScannerConfig: one scanner's `[[devices]]` table, checked at load."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from protocols import InvalidPayload
from protocols.codes import DEFAULT_RULES, VariableMeasureRule, rules_from

from ...errors import ConfigError
from ..tables import COMMON_KEYS
from .protocol import SUFFIXES, TERMINATORS

PROTOCOLS = ("hid", "serial")
PARITIES = ("N", "E", "O")


@dataclass(frozen=True)
class ScannerConfig:
    """A barcode scanner: a USB HID one (evdev) or a serial one (one code per line)."""

    name: str
    path: str  # /dev/input/by-id/...-event-kbd (hid) or /dev/serial/by-id/... (serial).
    protocol: str = "hid"
    # HID: keys that end a code ("enter", "kpenter", "tab").
    terminators: tuple[str, ...] = ("enter", "kpenter")
    inter_key_timeout_ms: int = 100  # A half-read code silent this long is dropped.
    gs_substitute: str = ""  # A character the scanner sends instead of GS (0x1D), if any.
    grab: bool = True  # Take the keyboard exclusively so keys do not reach the kiosk browser.
    # Serial line settings.
    suffix: str = "cr"  # "cr", "lf" or "crlf".
    baud: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    # Variable-measure EAN-13 rules (protocols.codes); the default table when empty.
    rules: tuple[VariableMeasureRule, ...] = field(default=DEFAULT_RULES)
    # Prefixes removed before a code is read, e.g. a Datalogic Magellan's "S08A" (UPC/EAN).
    strip_prefixes: tuple[str, ...] = ()
    reconnect_max_s: float = 10.0

    @property
    def family(self) -> str:
        return "scanner"


_TYPES: dict[str, type | tuple[type, ...]] = {
    "path": str,
    "protocol": str,
    "terminators": list,
    "inter_key_timeout_ms": int,
    "gs_substitute": str,
    "grab": bool,
    "suffix": str,
    "baud": int,
    "bytesize": int,
    "parity": str,
    "stopbits": int,
    "rules": list,
    "strip_prefixes": list,
    "reconnect_max_s": (int, float),
}


def config_from(name: str, table: Mapping[str, Any]) -> ScannerConfig:
    """Check one `[[devices]]` table of family "scanner"; ConfigError names the bad key."""
    known = {f.name for f in fields(ScannerConfig)} - {"name"}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in COMMON_KEYS:
            continue
        if key not in known:
            raise ConfigError(f"{key} is not a scanner key (known: {', '.join(sorted(known))})")
        kind = _TYPES[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise ConfigError(f"{key} = {value!r} has the wrong type for scanner {name!r}")
        values[key] = value
    if "path" not in values:
        raise ConfigError(f"path is required for scanner {name!r} (a /dev/.../by-id/ path)")
    if values.get("protocol", "hid") not in PROTOCOLS:
        raise ConfigError(f"protocol = {values['protocol']!r} must be one of {PROTOCOLS}")
    terminators = tuple(values.get("terminators", ("enter", "kpenter")))
    if not terminators or any(t not in TERMINATORS for t in terminators):
        raise ConfigError(f"terminators = {list(terminators)!r} must use {sorted(TERMINATORS)}")
    values["terminators"] = terminators
    if values.get("suffix", "cr") not in SUFFIXES:
        raise ConfigError(f"suffix = {values['suffix']!r} must be one of {sorted(SUFFIXES)}")
    if len(values.get("gs_substitute", "")) > 1:
        raise ConfigError(f"gs_substitute = {values['gs_substitute']!r} must be one character")
    if not 5 <= values.get("inter_key_timeout_ms", 100) <= 5000:
        raise ConfigError("inter_key_timeout_ms must be between 5 and 5000")
    if values.get("parity", "N") not in PARITIES:
        raise ConfigError(f"parity = {values['parity']!r} must be one of {PARITIES}")
    if values.get("bytesize", 8) not in (7, 8) or values.get("stopbits", 1) not in (1, 2):
        raise ConfigError("bytesize must be 7 or 8 and stopbits 1 or 2")
    if values.get("baud", 9600) <= 0:
        raise ConfigError(f"baud = {values['baud']} must be positive")
    prefixes = values.get("strip_prefixes", [])
    if any(not isinstance(p, str) or not p for p in prefixes):
        raise ConfigError(f"strip_prefixes = {prefixes!r} must be a list of non-empty strings")
    # The longest first, so "S08B1" is not cut as "S08B" and leaves a stray "1".
    values["strip_prefixes"] = tuple(sorted(prefixes, key=len, reverse=True))
    if "rules" in values:
        try:
            values["rules"] = rules_from(values["rules"]) or DEFAULT_RULES
        except InvalidPayload as err:
            raise ConfigError(f"{err.field}: {err.reason}") from None
    return ScannerConfig(name=name, **values)

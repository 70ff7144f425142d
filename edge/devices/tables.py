"""Checking one `[[devices]]` table of the hub config against a family's config dataclass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from edge.errors import ConfigError

# Keys every [[devices]] table carries, read by the device manager rather than the family.
COMMON_KEYS = frozenset({"name", "family", "enabled"})


def typed_values(cls: type, name: str, table: Mapping[str, Any], what: str) -> dict[str, Any]:
    """The family keys of `table`, each checked against the type of `cls`'s field.

    A `str` field takes a string, an `int` field a positive integer, a `float` field a
    number >= 0 (stored as float). An unknown key is refused, naming the keys `what` (e.g.
    "a scale") knows. Errors start with the key, so the hub names `devices[i].key`.
    """
    types = {f.name: f.type for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in COMMON_KEYS:
            continue
        if key not in types or key == "name":
            known = ", ".join(sorted(set(types) - {"name"}))
            raise ConfigError(f"{key} (device {name!r}): unknown key for {what} (known: {known})")
        kind = types[key]
        if kind == "str" and not isinstance(value, str):
            raise ConfigError(f"{key} (device {name!r}): must be a string, got {value!r}")
        if kind == "int" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"{key} (device {name!r}): must be a positive integer, got {value!r}")
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{key} (device {name!r}): must be a number >= 0, got {value!r}")
            value = float(value)
        values[key] = value
    return values

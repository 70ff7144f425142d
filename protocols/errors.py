"""The one error a contract parser raises: which field was wrong and which rule it broke."""

from __future__ import annotations

import re

import msgspec

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_FIELD = re.compile(r"^Object (?:missing required|contains unknown) field `(?P<name>[^`]+)`$")


class InvalidPayload(ValueError):
    """A payload broke the wire contract; `field` is a dotted path, `reason` the rule."""

    def __init__(self, field: str, reason: str, *, seq: int | None = None) -> None:
        self.field = field
        self.reason = reason
        self.seq = seq
        super().__init__(field, reason)

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason

    def as_dict(self) -> dict[str, str]:
        return {"error": "invalid_payload", "field": self.field, "reason": self.reason}


def from_msgspec(err: msgspec.DecodeError, prefix: str = "") -> InvalidPayload:
    """Turn msgspec's "Expected `int`, got `float` - at `$.a[0].b`" into field a.0.b."""
    text = str(err)
    if not isinstance(err, msgspec.ValidationError):
        return InvalidPayload(prefix, f"not JSON: {text}")
    m = _AT.match(text)
    msg, path = m["msg"], m["path"] or ""
    parts = [prefix] if prefix else []
    parts += [p for p in re.split(r"[.\[\]]+", path) if p]
    named = _FIELD.match(msg)
    if named:
        parts.append(named["name"])
        msg = "is required" if "missing" in msg else "is not a field of this schema"
    return InvalidPayload(".".join(parts), msg)

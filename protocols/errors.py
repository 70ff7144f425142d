"""The one error a contract parser raises: which field was wrong and which rule it broke."""

from __future__ import annotations

import re

import msgspec

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_FIELD = re.compile(r"^Object (?:missing required|contains unknown) field `(?P<name>[^`]+)`$")
# How a cross-field check (a struct's __post_init__) names the field it blames; see `blame`.
_BLAMED = re.compile(r"^field `(?P<name>[^`]+)`: (?P<reason>.*)$", re.S)


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


def blame(field: str, reason: str) -> ValueError:
    """The error a struct's __post_init__ raises so that `from_msgspec` names `field`.

    msgspec reports a __post_init__ error at the struct's own path; this puts the field
    inside the struct (or a dotted path below it) into the message, for `from_msgspec`.
    """
    return ValueError(f"field `{field}`: {reason}")


def decode(decoder: msgspec.json.Decoder, raw: bytes | str):  # noqa: ANN201
    """Decode `raw` with a typed decoder; raise InvalidPayload naming the broken field."""
    try:
        return decoder.decode(raw)
    except msgspec.DecodeError as err:
        raise from_msgspec(err) from None
    except UnicodeDecodeError as err:
        raise InvalidPayload("", f"not valid UTF-8 (byte {err.start})") from None


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
    blamed = _BLAMED.match(msg)
    if named:
        parts.append(named["name"])
        msg = "is required" if "missing" in msg else "is not a field of this schema"
    elif blamed:
        parts += blamed["name"].split(".")
        msg = blamed["reason"]
    return InvalidPayload(".".join(parts), msg)

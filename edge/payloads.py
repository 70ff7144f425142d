"""Strict JSON decoding of what enters the hub, with every failure as an InvalidPayload."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from protocols import InvalidPayload
from protocols.errors import from_msgspec

T = TypeVar("T")


def decode(decoder: msgspec.json.Decoder[T], raw: bytes | str) -> T:
    """Decode `raw` with a strict msgspec decoder; raise InvalidPayload naming the field.

    msgspec reports bytes that are not UTF-8 inside a string as UnicodeDecodeError, which
    is bad input like any other, not a server error.
    """
    try:
        return decoder.decode(raw)
    except msgspec.DecodeError as err:
        raise from_msgspec(err) from None
    except UnicodeDecodeError as err:
        raise InvalidPayload("", f"not JSON: bytes that are not UTF-8 ({err.reason})") from None

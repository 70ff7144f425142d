"""Barcode content rules both sides apply: GTIN check digits (EAN-8, UPC-A, EAN-13, GTIN-14)."""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """Return the GS1 mod-10 check digit for the digits of a GTIN without its last digit.

    Weights run 3, 1, 3, ... from the rightmost digit of `body` (GS1 General Specifications 7.9.1).
    """
    if not body.isdigit():
        raise ValueError(f"GTIN body {body!r} must be digits only")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    """True when `code` is 8, 12, 13 or 14 ASCII digits whose last digit checks."""
    return (
        code.isascii()
        and code.isdigit()
        and len(code) in GTIN_LENGTHS
        and gtin_check_digit(code[:-1]) == int(code[-1])
    )

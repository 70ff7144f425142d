"""GS1 check digits for EAN-8, UPC-A, EAN-13 and GTIN-14 (GS1 General Specifications 7.9.1)."""

from __future__ import annotations

import pytest

from protocols import gtin_check_digit, is_valid_gtin

GOOD = [
    "96385074",  # EAN-8
    "40170725",  # EAN-8
    "036000291452",  # UPC-A
    "012345678905",  # UPC-A
    "4006381333931",  # EAN-13
    "8901234567890",  # EAN-13 with India's GS1 prefix 890
    "5901234123457",  # EAN-13
    "0000000000000",  # Check digit 0 from a zero sum.
    "10012345678902",  # GTIN-14
    "00012345600012",  # GTIN-14
]

BAD = [
    ("96385075", "wrong check digit"),
    ("036000291453", "wrong check digit"),
    ("4006381333932", "wrong check digit"),
    ("8901234567893", "wrong check digit"),
    ("4006381333913", "two digits swapped"),
    ("10012345678903", "wrong check digit"),
    ("400638133393", "12 digits, not a UPC-A"),
    ("1234567", "7 digits"),
    ("123456789", "9 digits"),
    ("012345678901234", "15 digits"),
    ("", "empty"),
    ("400638133393A", "a letter"),
    ("4006381 33931", "a space"),
    ("٤٠٠٦٣٨١٣٣٣٩٣١", "Arabic-Indic digits that str.isdigit accepts"),
    ("４００６３８１３３３９３１", "full-width digits"),
]


@pytest.mark.parametrize("code", GOOD)
def test_a_good_gtin_is_valid(code):
    assert is_valid_gtin(code)
    assert gtin_check_digit(code[:-1]) == int(code[-1])


@pytest.mark.parametrize(("code", "why"), BAD)
def test_a_bad_gtin_is_not_valid(code, why):
    assert not is_valid_gtin(code), why


@pytest.mark.parametrize(
    ("body", "digit"),
    [("400638133393", 1), ("03600029145", 2), ("9638507", 4), ("890123456789", 0), ("0", 0)],
)
def test_the_check_digit_weights_run_3_1_3_from_the_right(body, digit):
    assert gtin_check_digit(body) == digit


def test_leading_zeros_do_not_change_the_check_digit():
    # A UPC-A is an EAN-13 with a leading 0, and both are GTIN-14s with more zeros.
    assert gtin_check_digit("03600029145") == gtin_check_digit("003600029145") == 2


@pytest.mark.parametrize("body", ["", "12a4", "-123"])
def test_a_body_that_is_not_digits_is_refused(body):
    with pytest.raises(ValueError, match="digits only"):
        gtin_check_digit(body)

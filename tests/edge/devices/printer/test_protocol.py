"""ESC/POS as values: status bytes, code pages, barcodes, layouts and the decoder, on bytes."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.devices.base import BadFrame
from edge.devices.printer.driver import render
from edge.devices.printer.protocol import (
    QR,
    Barcode,
    Cut,
    Kick,
    Label,
    Line,
    Paper,
    PrintedBarcode,
    PrintedQR,
    PrinterStatus,
    Symbology,
    Text,
    check_barcode,
    code128_text,
    decode,
    label_layout,
    money,
    parse_status,
    printable_text,
    status_bytes,
    text_lines,
)


# Answers to DLE EOT 1, 2, 4 (Epson ESC/POS reference: fixed bits 1 and 4 are set).
@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ((b"\x12", b"\x12", b"\x12"), PrinterStatus()),
        ((b"\x1a", b"\x12", b"\x12"), PrinterStatus(online=False)),
        ((b"\x16", b"\x12", b"\x12"), PrinterStatus(drawer_open=True)),
        ((b"\x12", b"\x16", b"\x12"), PrinterStatus(cover_open=True)),
        ((b"\x12", b"\x12", b"\x1e"), PrinterStatus(paper=Paper.NEAR_END)),
        ((b"\x12", b"\x12", b"\x72"), PrinterStatus(paper=Paper.OUT)),
        ((b"\x1a", b"\x32", b"\x7e"), PrinterStatus(online=False, paper=Paper.OUT)),
    ],
)
def test_status_answers_read_as_the_manual_says(answers, expected):
    assert parse_status(answers) == expected


@pytest.mark.parametrize(
    ("status", "problem"),
    [
        (PrinterStatus(), None),
        (PrinterStatus(paper=Paper.NEAR_END), None),  # Near end still prints.
        (PrinterStatus(paper=Paper.OUT), "paper out"),
        (PrinterStatus(cover_open=True), "cover open"),
        (PrinterStatus(online=False), "offline"),
    ],
)
def test_a_status_names_what_stops_printing(status, problem):
    assert status.problem == problem
    assert parse_status(status_bytes(status)) == status  # The simulator answers the same.


@pytest.mark.parametrize("answer", [b"\x00", b"\xff", b"\x13", b"\x92"])
def test_a_status_byte_with_wrong_fixed_bits_is_a_bad_frame(answer):
    with pytest.raises(BadFrame, match="fixed bits"):
        parse_status((answer, b"\x12", b"\x12"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=3), min_size=0, max_size=4))
def test_the_status_parser_gives_a_status_or_a_bad_frame(answers):
    with contextlib.suppress(BadFrame):
        assert isinstance(parse_status(answers), PrinterStatus)


@pytest.mark.parametrize(
    ("text", "codepage", "printed"),
    [
        ("Total ₹120.00", "CP858", "Total Rs.120.00"),  # No code page has the rupee sign.
        ("Crème brûlée", "CP858", "Crème brûlée"),
        ("Price €5", "CP858", "Price €5"),  # CP858 is CP850 with the euro sign.
        ("Price €5", "CP437", "Price EUR5"),
        ("Chai 茶", "CP437", "Chai ?"),  # Nothing to fall back to: a visible "?".
    ],
)
def test_text_falls_back_for_characters_the_code_page_lacks(text, codepage, printed):
    assert printable_text(text, codepage) == printed


@pytest.mark.parametrize(
    ("symbology", "data"),
    [
        (Symbology.EAN13, "4006381333932"),  # Wrong check digit (python-escpos prints it).
        (Symbology.EAN13, "400638133393"),
        (Symbology.EAN8, "9638507a"),
        (Symbology.CODE128, ""),
        (Symbology.CODE128, "naïve"),
    ],
)
def test_a_barcode_that_cannot_be_scanned_is_refused(symbology, data):
    with pytest.raises(ValueError, match=str(symbology)):
        check_barcode(symbology, data)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (12050, "INR", "₹120.50"),
        (5, "EUR", "€0.05"),
        (-250, "USD", "-$2.50"),
        (100, "GBP", "GBP 1.00"),
    ],
)
def test_money_is_shown_from_minor_units(amount, currency, shown):
    assert money(amount, currency) == shown


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"{BR00000042", "R00000042"),
        (b"{C\x0c\x22", "1234"),
        (b"{Ba{{b", "a{b"),
        (b"plain", "plain"),
    ],
)
def test_code128_data_reads_back_as_text(raw, text):
    assert code128_text(raw) == text


# Byte vectors from the Epson reference, decoded.
@pytest.mark.parametrize(
    ("data", "printed"),
    [
        (b"\x1b@Hello\n", [Line("Hello")]),
        (b"\x1bE\x01Bold\n\x1bE\x00x\n", [Line("Bold", bold=True), Line("x")]),
        (b"\x1ba\x01Mid\n", [Line("Mid", align="center")]),
        (b"\x1bt\x13\xd5\n", [Line("€")]),  # ESC t 19 is CP858.
        (b"\x1bt\x00\x9c\n", [Line("£")]),
        (b"\x1dkC\r4006381333931", [PrintedBarcode("EAN13", "4006381333931")]),
        (b"\x1dk\x024006381333931\x00", [PrintedBarcode("EAN13", "4006381333931")]),
        (b"\x1d(k\x06\x001P0R42\x1d(k\x03\x001Q0", [PrintedQR("R42")]),
        (b"\x1dV\x00", [Cut()]),
        (b"\x1dVB\x03", [Cut(partial=True)]),
        (b"\x1bp\x00\x32\x32", [Kick(2, 100, 100)]),
        (b"\x1bp\x01\x19\xfa", [Kick(5, 50, 500)]),
        (b"\x10\x04\x01", []),  # A status query prints nothing.
    ],
)
def test_escpos_bytes_decode_to_what_a_person_sees(data, printed):
    assert decode(data) == printed


@pytest.mark.parametrize(
    "data",
    [b"\x1b\xff", b"\x1dk", b"\x1dkC\x09123", b"\x1bt\x63", b"\x1d(k\x03\x001Q0", b"\x07"],
)
def test_bytes_outside_escpos_are_a_bad_frame(data):
    with pytest.raises(BadFrame):
        decode(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_the_decoder_gives_values_or_a_bad_frame_for_any_bytes(data):
    with contextlib.suppress(BadFrame):
        decode(data)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="cp858").filter(str.isprintable), max_size=40))
def test_any_text_in_the_code_page_prints_and_reads_back(text):
    assert text_lines(decode(render([Text(text)]))) == [text]


def test_python_escpos_output_reads_back_as_the_ops_it_was_given():
    ops = [
        Text("Corner Store ₹", align="center", bold=True),
        Barcode(Symbology.CODE128, "R00000042"),
        QR("R00000042"),
        Cut(),
        Kick(5, 100, 100),
    ]
    assert decode(render(ops)) == [
        Line("Corner Store Rs.", bold=True, align="center"),
        PrintedBarcode("CODE128", "R00000042"),
        PrintedQR("R00000042"),
        Cut(),
        Kick(5, 100, 100),
    ]


@pytest.mark.parametrize(
    ("symbology", "code"),
    [
        (Symbology.EAN13, "8901234567890"),
        (Symbology.CODE128, "SHELF-A12"),
        (Symbology.EAN8, "96385074"),
    ],
)
def test_a_product_label_carries_name_price_and_barcode(symbology, code):
    label = Label("Tea 250 g", 14000, "INR", code, symbology)
    printed = decode(render(label_layout(label, copies=2)))
    assert (
        printed
        == [
            Line("Tea 250 g", bold=True, align="center"),
            Line("Rs.140.00", align="center"),
            PrintedBarcode(str(symbology), code),
            Cut(partial=True),
        ]
        * 2
    )


def test_a_label_with_a_bad_check_digit_is_refused_before_printing():
    with pytest.raises(ValueError, match="check digit"):
        Label("Tea", 100, "INR", "8901234567891")

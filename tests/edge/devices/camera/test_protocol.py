"""Frames to codes: generated camera frames decoded by zxing-cpp and pyzbar, ROI and dedupe."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edge.devices.base import BadFrame
from edge.devices.camera.protocol import (
    PHARMACY,
    RETAIL,
    Code,
    Decoder,
    Dedupe,
    Roi,
    crop,
    frame_from_bytes,
    parse_formats,
)
from edge.devices.camera.simulator import code_frame, compose_frame, png_bytes, symbol_image

GTIN_EXPIRY_LOT = "(01)09501101530003(17)261231(10)AB12"
EVERYTHING = (*PHARMACY, "QR_CODE")


@pytest.mark.parametrize(
    ("text", "format", "look", "expected"),
    [
        ("5901234123457", "EAN_13", {}, Code("EAN_13", "5901234123457", False, "5901234123457")),
        ("96385074", "EAN_8", {}, Code("EAN_8", "96385074", False, "96385074")),
        (
            "SHOPFLOOR-128",
            "CODE_128",
            {},
            Code("CODE_128", "SHOPFLOOR-128", False, "SHOPFLOOR-128"),
        ),
        (
            "https://shop.example/p/1",
            "QR_CODE",
            {},
            Code("QR_CODE", "https://shop.example/p/1", False, "https://shop.example/p/1"),
        ),  # noqa: E501
        # GS1 DataMatrix with FNC1: text is what a HID scanner sends, hri what a person reads.
        (
            GTIN_EXPIRY_LOT,
            "DATA_MATRIX",
            {"gs1": True},
            Code("DATA_MATRIX", "01095011015300031726123110AB12", True, GTIN_EXPIRY_LOT),
        ),  # noqa: E501
        # A variable-length lot before the serial ends with a GS separator (GS1 spec 7.8.5.2).
        (
            "(01)09501101530003(10)AB12(21)X1",
            "DATA_MATRIX",
            {"gs1": True},
            Code(
                "DATA_MATRIX",
                "010950110153000310AB12\x1d21X1",
                True,
                "(01)09501101530003(10)AB12(21)X1",
            ),
        ),  # noqa: E501
        (
            "(01)09501101530003(10)AB12",
            "CODE_128",
            {"gs1": True},
            Code("CODE_128", "010950110153000310AB12", True, "(01)09501101530003(10)AB12"),
        ),  # noqa: E501
        # A UPC-A is an EAN-13 with a leading zero, and zxing-cpp reports it as such.
        ("012345678905", "UPC_A", {}, Code("EAN_13", "0012345678905", False, "0012345678905")),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_generated_frame_decodes_to_its_code(text, format, look, expected):
    assert Decoder(EVERYTHING).decode(code_frame(text, format, **look)) == [expected]


@pytest.mark.parametrize(
    ("text", "format", "gs1", "look"),
    [
        ("5901234123457", "EAN_13", False, {"rotate_deg": 180}),  # Product held upside down.
        ("5901234123457", "EAN_13", False, {"rotate_deg": 90}),
        ("5901234123457", "EAN_13", False, {"rotate_deg": 10}),
        ("SHOPFLOOR-128", "CODE_128", False, {"rotate_deg": -12}),
        (GTIN_EXPIRY_LOT, "DATA_MATRIX", True, {"rotate_deg": 35}),
        (GTIN_EXPIRY_LOT, "DATA_MATRIX", True, {"rotate_deg": 90}),
        (GTIN_EXPIRY_LOT, "DATA_MATRIX", True, {"rotate_deg": 180}),
        ("https://shop.example/p/1", "QR_CODE", False, {"rotate_deg": 45}),
        ("5901234123457", "EAN_13", False, {"blur_radius": 1.4}),  # Slightly out of focus.
        ("SHOPFLOOR-128", "CODE_128", False, {"blur_radius": 1.0}),
        (GTIN_EXPIRY_LOT, "DATA_MATRIX", True, {"blur_radius": 1.0}),
        ("5901234123457", "EAN_13", False, {"contrast": 0.2}),  # A dim shop corner.
        ("SHOPFLOOR-128", "CODE_128", False, {"contrast": 0.15}),
        (GTIN_EXPIRY_LOT, "DATA_MATRIX", True, {"contrast": 0.25}),
    ],
)
def test_rotated_blurred_and_low_contrast_codes_are_still_read(text, format, gs1, look):
    [code] = Decoder(EVERYTHING).decode(code_frame(text, format, gs1=gs1, **look))
    assert (code.format, code.gs1) == (format, gs1)
    assert code.hri == text


@pytest.mark.parametrize("engine", ["zxing", "zbar"])
@pytest.mark.parametrize(
    "frame",
    [compose_frame(), compose_frame(seed=7, blur_radius=3), np.zeros((720, 1280), np.uint8)],
    ids=["shelf", "blurred-shelf", "black"],
)
def test_a_frame_with_no_code_gives_no_codes(engine, frame):
    assert Decoder(RETAIL, engine).decode(frame) == []


def test_a_light_on_dark_code_is_read_only_when_inversion_is_asked_for():
    frame = 255 - code_frame(GTIN_EXPIRY_LOT, "DATA_MATRIX", gs1=True)
    assert Decoder(PHARMACY).decode(frame) == []  # Off by default: it doubles the time.
    [code] = Decoder(PHARMACY, invert=True).decode(frame)
    assert code.hri == GTIN_EXPIRY_LOT


def test_a_qr_code_is_ignored_by_a_retail_store():
    frame = code_frame("https://shop.example/p/1", "QR_CODE")
    assert Decoder(RETAIL).decode(frame) == []
    assert Decoder(RETAIL, "zbar").decode(frame) == []
    assert [c.format for c in Decoder((*RETAIL, "QR_CODE")).decode(frame)] == ["QR_CODE"]


def test_a_datamatrix_is_read_only_by_a_pharmacy():
    frame = code_frame(GTIN_EXPIRY_LOT, "DATA_MATRIX", gs1=True)
    assert Decoder(RETAIL).decode(frame) == []
    assert [c.format for c in Decoder(PHARMACY).decode(frame)] == ["DATA_MATRIX"]


def test_zbar_reads_the_retail_formats():
    frame = compose_frame(
        [
            (symbol_image("5901234123457", "EAN_13"), (40, 40)),
            (symbol_image("SHOPFLOOR-128", "CODE_128"), (40, 400)),
        ]
    )
    codes = Decoder(RETAIL, "zbar").decode(frame)
    assert sorted((c.format, c.text) for c in codes) == [
        ("CODE_128", "SHOPFLOOR-128"),
        ("EAN_13", "5901234123457"),
    ]


def test_zbar_refuses_datamatrix_with_the_fix():
    with pytest.raises(ValueError, match="pyzbar cannot decode DATA_MATRIX; use the zxing"):
        Decoder(PHARMACY, "zbar")


def two_codes_frame() -> np.ndarray:
    """An EAN-13 at the left half of the frame and a Code 128 at the right half."""
    return compose_frame(
        [
            (symbol_image("5901234123457", "EAN_13"), (60, 250)),
            (symbol_image("SHOPFLOOR-128", "CODE_128"), (700, 250)),
        ]
    )


def test_a_region_of_interest_decodes_only_what_lies_inside_it():
    frame = two_codes_frame()
    assert len(Decoder(RETAIL).decode(frame)) == 2
    left = Decoder(RETAIL, roi=Roi(0, 0, 640, 720)).decode(frame)
    right = Decoder(RETAIL, roi=Roi(640, 0, 640, 720)).decode(frame)
    assert [c.text for c in left] == ["5901234123457"]
    assert [c.text for c in right] == ["SHOPFLOOR-128"]


def test_a_region_of_interest_is_clipped_to_the_frame_and_refused_outside_it():
    frame = np.zeros((720, 1280), np.uint8)
    assert crop(frame, Roi(1200, 700, 500, 500)).shape == (20, 80)
    with pytest.raises(BadFrame, match=r"roi \(2000, 0, 10, 10\) lies outside the 1280x720"):
        crop(frame, Roi(2000, 0, 10, 10))


def test_a_colour_frame_is_decoded_like_a_grey_one():
    grey = code_frame("5901234123457", "EAN_13")
    colour = np.stack([grey, grey, grey], axis=-1)
    assert Decoder(RETAIL).decode(colour) == Decoder(RETAIL).decode(grey)


def test_a_code_held_in_view_is_one_scan_until_it_has_been_away_longer_than_the_hold():
    ean = Code("EAN_13", "5901234123457", False, "5901234123457")
    dedupe = Dedupe(hold_ms=1000)
    assert dedupe.fresh([ean], now_ms=0) == [ean]
    assert dedupe.fresh([ean], now_ms=100) == []  # The next frame: the same product.
    assert dedupe.fresh([ean], now_ms=1050) == []  # Still in view: the hold restarted at 100.
    assert dedupe.fresh([], now_ms=1500) == []
    assert dedupe.fresh([ean], now_ms=2100) == [ean]  # Gone > 1 s: the cashier scans again.
    assert dedupe.suppressed == 2


def test_dedupe_keeps_two_different_codes_apart():
    ean = Code("EAN_13", "5901234123457", False, "5901234123457")
    other = Code("EAN_13", "4006381333931", False, "4006381333931")
    dedupe = Dedupe(hold_ms=1000)
    assert dedupe.fresh([ean], now_ms=0) == [ean]
    assert dedupe.fresh([ean, other], now_ms=50) == [other]
    assert dedupe.fresh([ean, ean], now_ms=5000) == [ean]


def test_a_zero_hold_reports_every_frame():
    ean = Code("EAN_13", "5901234123457", False, "5901234123457")
    dedupe = Dedupe(hold_ms=0)
    assert dedupe.fresh([ean], now_ms=0) == [ean]
    assert dedupe.fresh([ean], now_ms=1) == [ean]


@pytest.mark.parametrize(
    ("spec", "formats"),
    [
        ("retail", ("EAN_13", "UPC_A", "UPC_E", "EAN_8", "CODE_128")),
        ("pharmacy", ("EAN_13", "UPC_A", "UPC_E", "EAN_8", "CODE_128", "DATA_MATRIX")),
        ("ean_13, qr_code", ("EAN_13", "QR_CODE")),
        (["DATA_MATRIX", "DATA_MATRIX"], ("DATA_MATRIX",)),
    ],
)
def test_formats_are_given_as_a_preset_or_by_name(spec, formats):
    assert parse_formats(spec) == formats


def test_an_unknown_format_is_named():
    with pytest.raises(ValueError, match="unknown format EAN13; use a preset"):
        parse_formats("EAN13")


def test_an_image_file_becomes_a_grey_frame():
    frame = code_frame("5901234123457", "EAN_13")
    assert np.array_equal(frame_from_bytes(png_bytes(frame)), frame)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x89PNG\r\n\x1a\n", b"\x89PNG\r\n\x1a\n" + bytes(300), b"GIF89a", b"hello"],
    ids=["empty", "signature-only", "truncated", "gif-header", "text"],
)
def test_an_unreadable_image_is_a_bad_frame(data):
    with pytest.raises(BadFrame, match="is not a readable image"):
        frame_from_bytes(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_give_a_frame_or_a_bad_frame(data):
    try:
        frame = frame_from_bytes(data)
    except BadFrame:
        return
    assert frame.dtype == np.uint8 and frame.ndim == 2


PNG_HEADER = png_bytes(np.zeros((8, 8), np.uint8))


def image_file(kind: str) -> bytes:
    """A small valid image file of a format a camera folder may hold."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8)).save(out, format=kind)
    return out.getvalue()


VALID_FILES = [image_file(kind) for kind in ("PNG", "JPEG", "BMP", "TIFF", "PPM", "GIF")]


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about damaged TIFF tags.
@settings(max_examples=200, deadline=None)
@given(st.sampled_from(VALID_FILES), st.data())
def test_a_damaged_image_of_any_format_gives_a_frame_or_a_bad_frame(valid, data):
    cut = data.draw(st.integers(0, len(valid)))
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255))))
    damaged = bytearray(valid[:cut] + data.draw(st.binary(max_size=32)))
    for at, value in flips:
        if at < len(damaged):
            damaged[at] = value
    try:
        frame = frame_from_bytes(bytes(damaged))
    except BadFrame:
        return
    assert frame.dtype == np.uint8 and frame.ndim == 2


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(PNG_HEADER)), st.binary(max_size=64))
def test_a_damaged_png_gives_a_frame_or_a_bad_frame(cut, tail):
    try:
        frame = frame_from_bytes(PNG_HEADER[:cut] + tail)
    except BadFrame:
        return
    assert frame.dtype == np.uint8


@settings(max_examples=200, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 64), st.integers(1, 64))))
def test_decoding_any_small_frame_gives_a_list_of_codes(frame):
    for code in Decoder(EVERYTHING).decode(frame):
        assert code.format in EVERYTHING


def test_a_frame_whose_header_claims_too_many_pixels_is_refused_before_it_is_decoded():
    import struct
    import zlib

    small = png_bytes(code_frame("5901234123457"))
    # Rewrite the IHDR chunk (at byte 8) to claim 9000 x 9000 pixels, with a valid CRC.
    ihdr = b"IHDR" + struct.pack(">II", 9000, 9000) + small[24:29]
    forged = small[:8] + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))
    forged += small[33:]
    with pytest.raises(BadFrame, match="claims 9000x9000 pixels"):
        frame_from_bytes(forged)

"""Frames to codes: image bytes to a grey frame, a frame to decoded codes, dedupe across frames.

Pure: no camera is opened here. zxing-cpp decodes every format we name; pyzbar (loaded only
when asked for, it needs libzbar) decodes the linear ones and QR, never DataMatrix.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from ..base import BadFrame

if TYPE_CHECKING:
    import numpy as np


class FormatInfo(NamedTuple):
    zxing: str  # zxingcpp.BarcodeFormat member name.
    zbar: str | None  # pyzbar ZBarSymbol name; None when zbar cannot decode it.


# Our names are ZXing's Java spellings, the ones technicians meet in other tools.
FORMATS: dict[str, FormatInfo] = {
    "EAN_13": FormatInfo("EAN13", "EAN13"),
    "EAN_8": FormatInfo("EAN8", "EAN8"),
    "UPC_A": FormatInfo("UPCA", "UPCA"),
    "UPC_E": FormatInfo("UPCE", "UPCE"),
    "CODE_128": FormatInfo("Code128", "CODE128"),
    "CODE_39": FormatInfo("Code39", "CODE39"),
    "CODE_93": FormatInfo("Code93", "CODE93"),
    "ITF": FormatInfo("ITF", "I25"),
    "CODABAR": FormatInfo("Codabar", "CODABAR"),
    "DATABAR": FormatInfo("DataBar", "DATABAR"),
    "DATABAR_EXPANDED": FormatInfo("DataBarExp", "DATABAR_EXP"),
    "QR_CODE": FormatInfo("QRCode", "QRCODE"),
    "PDF_417": FormatInfo("PDF417", "PDF417"),
    "DATA_MATRIX": FormatInfo("DataMatrix", None),
    "AZTEC": FormatInfo("Aztec", None),
}
_BY_ZXING = {info.zxing: name for name, info in FORMATS.items()}
_BY_ZBAR = {info.zbar: name for name, info in FORMATS.items() if info.zbar}
_BY_ZBAR["ISBN13"] = "EAN_13"

RETAIL: tuple[str, ...] = ("EAN_13", "UPC_A", "UPC_E", "EAN_8", "CODE_128")
PHARMACY: tuple[str, ...] = (*RETAIL, "DATA_MATRIX")
PRESETS: dict[str, tuple[str, ...]] = {"retail": RETAIL, "pharmacy": PHARMACY}
ENGINES = ("zxing", "zbar")

GS = "\x1d"  # The GS1 field separator (FNC1 inside a symbol), as HID scanners send it.


class Roi(NamedTuple):
    """A region of interest in pixels: the part of each frame that is decoded."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Code:
    """One symbol found in a frame.

    `text` is the content as a scanner would send it: GS1 element strings with GS (0x1D)
    between fields, no symbology prefix. `hri` is the human-readable form, `(01)…(17)…` for
    GS1 content and the text itself otherwise.
    """

    format: str
    text: str
    gs1: bool
    hri: str
    # The ISO/IEC 15424 identifier (]E0, ]d2, ...) when the engine reports it (zxing does).
    symbology: str = field(default="", compare=False)

    def as_json(self) -> dict[str, Any]:
        return {"format": self.format, "text": self.text, "gs1": self.gs1, "hri": self.hri}


def parse_formats(spec: str | Iterable[str]) -> tuple[str, ...]:
    """A preset ("retail", "pharmacy") or "EAN_13,QR_CODE" as format names; ValueError if bad."""
    if isinstance(spec, str):
        if spec in PRESETS:
            return PRESETS[spec]
        spec = [part.strip().upper() for part in spec.split(",") if part.strip()]
    names = tuple(dict.fromkeys(spec))
    bad = [n for n in names if n not in FORMATS]
    if bad or not names:
        raise ValueError(
            f"unknown format {', '.join(bad) or '(none given)'}; use a preset "
            f"({', '.join(PRESETS)}) or names from {', '.join(FORMATS)}"
        )
    return names


# An 8K frame is 33 Mpixel; anything larger is a damaged header, not a camera's frame.
MAX_FRAME_PIXELS = 40_000_000


def frame_from_bytes(data: bytes) -> np.ndarray:
    """Decode an image file's bytes (PNG, JPEG, BMP, PGM, ...) into a grey uint8 frame.

    Raises BadFrame for anything that is not a whole image: a camera may hand over a truncated
    file while it is still writing, and that costs one frame, not the connection.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_FRAME_PIXELS:
                # A damaged header can claim gigapixels; refuse before allocating them.
                raise BadFrame(
                    f"frame claims {width}x{height} pixels, more than any camera sends "
                    f"({MAX_FRAME_PIXELS} at most)"
                )
            image.load()
            return to_gray(image)
    except BadFrame:
        raise
    except (Image.DecompressionBombError, MemoryError) as err:
        raise BadFrame(f"frame of {len(data)} bytes is too large to decode: {err}") from err
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise BadFrame(f"frame of {len(data)} bytes is not a readable image: {err}") from err
    except Exception as err:
        # Pillow's format plugins also raise EOFError, struct.error, IndexError and more on
        # damaged files; for a camera they all mean one lost frame.
        raise BadFrame(f"frame of {len(data)} bytes is not a readable image: {err!r}") from err


def to_gray(image: Any) -> np.ndarray:
    """A PIL image or a numpy array (grey, RGB or RGBA) as a contiguous grey uint8 frame."""
    import numpy as np
    from PIL import Image

    if isinstance(image, Image.Image):
        if image.mode != "L":
            image = image.convert("L")
        return np.asarray(image, dtype=np.uint8)
    frame = np.asarray(image)
    if frame.ndim == 3:
        rgb = frame[..., :3].astype(np.uint16)
        # ITU-R 601 luma weights, as Pillow's "L" conversion uses (x 1000).
        frame = ((rgb[..., 0] * 299 + rgb[..., 1] * 587 + rgb[..., 2] * 114) // 1000).astype(
            np.uint8
        )
    if frame.ndim != 2 or frame.size == 0:
        raise BadFrame(f"frame of shape {frame.shape} is not a grey or colour image")
    return np.ascontiguousarray(frame, dtype=np.uint8)


def crop(frame: np.ndarray, roi: Roi | None) -> np.ndarray:
    """The part of `frame` inside `roi`, clipped to the frame; BadFrame if nothing is left."""
    if roi is None:
        return frame
    height, width = frame.shape[:2]
    x1, y1 = min(roi.x + roi.width, width), min(roi.y + roi.height, height)
    if roi.x >= x1 or roi.y >= y1:
        raise BadFrame(f"roi {tuple(roi)} lies outside the {width}x{height} frame")
    return frame[roi.y : y1, roi.x : x1]


class Decoder:
    """Decodes frames with one engine, restricted to the store's formats, inside an ROI.

    `invert` also looks for light-on-dark codes (zxing only; zbar never does).
    """

    def __init__(
        self,
        formats: Iterable[str] = RETAIL,
        engine: str = "zxing",
        roi: Roi | None = None,
        *,
        invert: bool = False,
    ) -> None:
        self.formats = parse_formats(list(formats))
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
        self.engine = engine
        self.roi = roi
        # Light-on-dark codes are rare on packs, and looking for them doubles zxing's time.
        self.invert = invert
        if engine == "zxing":
            import zxingcpp

            self._zx = zxingcpp
            self._zx_formats = zxingcpp.barcode_formats_from_str(
                ",".join(FORMATS[f].zxing for f in self.formats)
            )
        else:
            from pyzbar.pyzbar import ZBarSymbol

            bad = [f for f in self.formats if FORMATS[f].zbar is None]
            if bad:
                raise ValueError(f"pyzbar cannot decode {', '.join(bad)}; use the zxing engine")
            self._zbar_symbols = [ZBarSymbol[FORMATS[f].zbar] for f in self.formats]

    def decode(self, frame: np.ndarray) -> list[Code]:
        """Every code of the configured formats in `frame`, in the engine's order."""
        frame = crop(to_gray(frame), self.roi)
        if self.engine == "zxing":
            return self._decode_zxing(frame)
        return self._decode_zbar(frame)

    def _decode_zxing(self, frame: np.ndarray) -> list[Code]:
        zx = self._zx
        found = []
        # try_rotate stays on: without it zxing-cpp misses a DataMatrix turned more than
        # about 45 degrees, as well as a vertical EAN.
        results = zx.read_barcodes(
            frame, formats=self._zx_formats, try_invert=self.invert, text_mode=zx.TextMode.HRI
        )
        for result in results:
            name = _BY_ZXING.get(result.format.name)
            if name is None or name not in self.formats:
                continue
            gs1 = result.content_type == zx.ContentType.GS1
            # In HRI mode `text` is "(01)…(17)…" for GS1; `bytes` keeps the GS separators.
            text = result.bytes.decode("latin-1") if gs1 else result.text
            found.append(
                Code(
                    format=name,
                    text=text,
                    gs1=gs1,
                    hri=result.text,
                    symbology=result.symbology_identifier,
                )
            )
        return found

    def _decode_zbar(self, frame: np.ndarray) -> list[Code]:
        from pyzbar import pyzbar

        found = []
        for symbol in pyzbar.decode(frame, symbols=self._zbar_symbols):
            name = _BY_ZBAR.get(symbol.type)
            if name is None or name not in self.formats:
                continue
            text = symbol.data.decode("utf-8", errors="replace")
            # zbar reports a leading FNC1 as GS; it marks GS1 content in Code 128.
            gs1 = text.startswith(GS)
            text = text.removeprefix(GS)
            found.append(Code(format=name, text=text, gs1=gs1, hri=text))
        return found


class Dedupe:
    """Suppresses a code seen again less than `hold_ms` after its last sighting.

    A product held under the camera shows up in frame after frame; it is one scan. The hold
    restarts at every sighting, so the code is reported again only after it has been out of
    view for longer than `hold_ms`. Times are monotonic milliseconds from the caller.
    """

    def __init__(self, hold_ms: int) -> None:
        self.hold_ms = hold_ms
        self._last_seen_ms: dict[tuple[str, str], int] = {}
        self.suppressed = 0

    def fresh(self, codes: Iterable[Code], now_ms: int) -> list[Code]:
        """The codes among `codes` that are new scans at `now_ms`."""
        new = []
        for code in codes:
            key = (code.format, code.text)
            last = self._last_seen_ms.get(key)
            if last is not None and now_ms - last < self.hold_ms:
                self.suppressed += 1
            elif all(code != c for c in new):
                new.append(code)
            self._last_seen_ms[key] = now_ms
        stale = [k for k, t in self._last_seen_ms.items() if now_ms - t >= self.hold_ms]
        for key in stale:
            del self._last_seen_ms[key]
        return new

"""The far end of the camera: generated barcode frames written into a folder the driver follows.

`symbol_image` draws a code with zxing-cpp's writer and `compose_frame` puts symbols into a
1280x720 camera-like frame (rotated, blurred, low-contrast on request). `CameraSimulator`
writes frames as numbered PNG files, a truncated file for garbage, and renames its folder away
and back for an unplug and a replug.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from .protocol import FORMATS

FRAME_SIZE = (1280, 720)


def symbol_image(
    text: str, format: str = "EAN_13", *, gs1: bool = False, module_px: int = 3
) -> Image.Image:
    """A grey image of one code with its quiet zone; GS1 text is given as "(01)…(17)…"."""
    import zxingcpp

    kind = zxingcpp.BarcodeFormat.__members__[FORMATS[format].zxing]
    options = {"gs1": True} if gs1 else {}
    barcode = zxingcpp.create_barcode(text, kind, **options)
    return Image.fromarray(
        np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=module_px), dtype=np.uint8)
    )


def compose_frame(
    symbols: Iterable[tuple[Image.Image, tuple[int, int]]] = (),
    *,
    size: tuple[int, int] = FRAME_SIZE,
    rotate_deg: float = 0.0,
    blur_radius: float = 0.0,
    contrast: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """A grey frame of `size` with each symbol pasted at its (x, y) top-left corner.

    The background is light grey with a little sensor noise. `rotate_deg` turns each symbol
    (around its centre, keeping it whole), `blur_radius` is a Gaussian blur over the frame in
    pixels and `contrast` < 1 squeezes every value towards mid-grey.
    """
    rng = np.random.default_rng(seed)
    background = rng.normal(225, 6, size=(size[1], size[0])).clip(0, 255).astype(np.uint8)
    frame = Image.fromarray(background)
    for image, (x, y) in symbols:
        if rotate_deg:
            image = image.rotate(rotate_deg, resample=Image.BILINEAR, expand=True, fillcolor=255)
        frame.paste(image, (x, y))
    if blur_radius:
        frame = frame.filter(ImageFilter.GaussianBlur(blur_radius))
    pixels = np.asarray(frame, dtype=np.float32)
    if contrast != 1.0:
        pixels = 128 + (pixels - 128) * contrast
    return pixels.clip(0, 255).astype(np.uint8)


def code_frame(
    text: str, format: str = "EAN_13", *, gs1: bool = False, **look: float
) -> np.ndarray:
    """A 1280x720 frame with one code near the middle; `look` goes to compose_frame."""
    image = symbol_image(text, format, gs1=gs1)
    x = (FRAME_SIZE[0] - image.width) // 2
    y = (FRAME_SIZE[1] - image.height) // 2
    return compose_frame([(image, (x, y))], **look)


def png_bytes(frame: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(frame).save(out, format="PNG", compress_level=1)
    return out.getvalue()


class CameraSimulator:
    """A camera feed as a folder of numbered frames, with unplug and replug."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._away = self.folder.with_name(self.folder.name + ".unplugged")
        self.written = 0

    @classmethod
    def following(cls, folder: str | Path) -> CameraSimulator:
        """A simulator that numbers its frames after those already in `folder`."""
        sim = cls(folder)
        numbers = [
            int(p.stem.removeprefix("frame-"))
            for p in sim.folder.glob("frame-*.png")
            if p.stem.removeprefix("frame-").isdigit()
        ]
        sim.written = max(numbers, default=0)
        return sim

    def _write(self, data: bytes, suffix: str = ".png") -> Path:
        self.written += 1
        path = self.folder / f"frame-{self.written:06d}{suffix}"
        partial = self.folder / f".{path.name}.part"
        partial.write_bytes(data)
        os.replace(partial, path)  # The driver never sees a half-written frame by accident.
        return path

    def show(self, frame: np.ndarray) -> Path:
        """Deliver one frame (a grey or colour numpy image)."""
        return self._write(png_bytes(frame))

    def show_code(self, text: str, format: str = "EAN_13", **kwargs: float) -> Path:
        return self.show(code_frame(text, format, **kwargs))

    def show_nothing(self) -> Path:
        return self.show(compose_frame())

    def garbage(self) -> Path:
        """Deliver a frame the camera mangled: PNG's signature, then noise."""
        return self._write(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)

    def unplug(self) -> None:
        os.replace(self.folder, self._away)

    def replug(self) -> None:
        os.replace(self._away, self.folder)

"""CameraConfig: where frames come from, which engine decodes which formats, ROI and dedupe."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from edge.errors import ConfigError

from ..tables import COMMON_KEYS
from .protocol import FORMATS, PRESETS, RETAIL, Roi

SOURCES = ("folder", "files", "picamera2", "v4l2", "video")
ENGINES = ("zxing", "zbar")


@dataclass(frozen=True)
class CameraConfig:
    """One camera: a frame source, a decoder restricted to the store's formats, dedupe."""

    name: str
    # folder (a live spool or a looped folder), files, picamera2, v4l2 (a USB camera through
    # OpenCV) or video (a video file through OpenCV).
    source: str = "folder"
    path: str = ""  # The folder, the /dev/v4l/by-id/... camera, or the video file.
    files: tuple[str, ...] = ()  # The images for source = "files", played in this order.
    loop: bool = False  # Replay the folder or files forever (demo) instead of following it.
    fps: int = 10  # Frames per second read from a looped folder, files or the Pi camera.
    width: int = 1280  # Pi camera frame size in pixels.
    height: int = 720
    engine: str = "zxing"  # zxing (zxing-cpp) or zbar (pyzbar, no DataMatrix).
    formats: tuple[str, ...] = RETAIL  # Names from protocol.FORMATS, or a preset.
    roi: Roi | None = None  # Decode only this part of each frame (pixels).
    invert: bool = False  # Also look for light-on-dark codes (zxing; doubles decode time).
    dedupe_hold_ms: int = 1500  # A code seen again within this time of its last sighting is
    # the same scan: a product held under the camera is sold once.
    reconnect_max_s: float = 30.0


def config_from(name: str, table: Mapping[str, Any]) -> CameraConfig:
    """Check one `[[devices]]` table with `family = "camera"`; raise ConfigError naming the key."""
    known = set(CameraConfig.__dataclass_fields__) - {"name"}
    for key in table:
        if key not in known and key not in COMMON_KEYS:
            raise ConfigError(
                f"{key}: unknown key for a camera (known: {', '.join(sorted(known))})"
            )
    values: dict[str, Any] = {}

    def text(key: str, choices: tuple[str, ...] | None = None) -> None:
        if key not in table:
            return
        value = table[key]
        if not isinstance(value, str) or (choices and value not in choices):
            want = f"one of {', '.join(choices)}" if choices else "a string"
            raise ConfigError(f"{key}: must be {want}, got {value!r}")
        values[key] = value

    def integer(key: str, low: int, high: int) -> None:
        if key not in table:
            return
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{key}: must be an integer from {low} to {high}, got {value!r}")
        values[key] = value

    text("source", SOURCES)
    text("path")
    text("engine", ENGINES)
    integer("fps", 1, 240)
    integer("width", 16, 10000)
    integer("height", 16, 10000)
    integer("dedupe_hold_ms", 0, 3_600_000)
    for key in ("loop", "invert"):
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{key}: must be true or false, got {table[key]!r}")
            values[key] = table[key]
    if "reconnect_max_s" in table:
        value = table["reconnect_max_s"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0.5:
            raise ConfigError(f"reconnect_max_s: must be a number >= 0.5, got {value!r}")
        values["reconnect_max_s"] = float(value)
    if "files" in table:
        files = table["files"]
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise ConfigError("files: must be a list of image paths")
        values["files"] = tuple(files)
    if "formats" in table:
        values["formats"] = _formats(table["formats"])
    if "roi" in table:
        values["roi"] = _roi(table["roi"])

    config = CameraConfig(name=name, **values)
    if config.source in ("folder", "v4l2", "video") and not config.path:
        raise ConfigError(f'path: a camera with source = "{config.source}" needs a path')
    if config.source == "files" and not config.files:
        raise ConfigError('files: a camera with source = "files" needs files')
    if config.engine == "zbar":
        unknown = [f for f in config.formats if FORMATS[f].zbar is None]
        if unknown:
            raise ConfigError(
                f'formats: pyzbar cannot decode {", ".join(unknown)}; use engine = "zxing"'
            )
    return config


def _formats(value: Any) -> tuple[str, ...]:
    """A preset name ("retail", "pharmacy") or a list of format names, in FORMATS spelling."""
    if isinstance(value, str) and value in PRESETS:
        return PRESETS[value]
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value:
        raise ConfigError(
            f"formats: must be a preset ({', '.join(PRESETS)}) or a list of formats, got {value!r}"
        )
    for item in value:
        if item not in FORMATS:
            raise ConfigError(f"formats: unknown format {item!r} (known: {', '.join(FORMATS)})")
    return tuple(dict.fromkeys(value))


def _roi(value: Any) -> Roi:
    """`roi = [x, y, width, height]` in pixels of the camera's frame."""
    if (
        not isinstance(value, list)
        or len(value) != 4
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or min(value[:2]) < 0
        or min(value[2:]) < 1
    ):
        raise ConfigError(
            f"roi: must be [x, y, width, height] in whole pixels with "
            f"x, y >= 0 and width, height >= 1, got {value!r}"
        )
    return Roi(*value)

"""A camera's `[[devices]]` table in the hub TOML: defaults, presets, and errors naming the key."""

from __future__ import annotations

import tomllib

import pytest

from edge.devices import camera
from edge.devices.camera import PHARMACY, RETAIL, CameraConfig, Roi, config_from
from edge.errors import ConfigError

HUB_TOML = """
[[devices]]
name = "counter-cam"
family = "camera"
source = "picamera2"
formats = "pharmacy"
roi = [320, 180, 640, 360]
dedupe_hold_ms = 2000
fps = 15
"""


def test_a_pharmacy_camera_from_the_hub_toml():
    [table] = tomllib.loads(HUB_TOML)["devices"]
    assert camera.FAMILY == table["family"] == "camera"
    assert config_from(table["name"], table) == CameraConfig(
        name="counter-cam",
        source="picamera2",
        formats=PHARMACY,
        roi=Roi(320, 180, 640, 360),
        dedupe_hold_ms=2000,
        fps=15,
    )


def test_a_folder_camera_reads_the_retail_formats_by_default():
    config = config_from("cam", {"family": "camera", "path": "/srv/frames"})
    assert (config.source, config.path, config.formats, config.engine) == (
        "folder",
        "/srv/frames",
        RETAIL,
        "zxing",
    )
    assert (config.roi, config.dedupe_hold_ms, config.invert, config.loop) == (
        None,
        1500,
        False,
        False,
    )


def test_formats_may_be_listed_by_name():
    config = config_from("cam", {"path": "/f", "formats": ["EAN_13", "QR_CODE"]})
    assert config.formats == ("EAN_13", "QR_CODE")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"path": "/f", "fromats": "retail"}, "fromats: unknown key"),
        ({"path": "/f", "source": "webcam"}, "source: must be one of folder, files, picamera2"),
        ({}, 'path: a camera with source = "folder" needs a path'),
        ({"source": "files"}, "files: a camera with source"),
        ({"source": "files", "files": "a.png"}, "files: must be a list"),
        ({"path": "/f", "engine": "opencv"}, "engine: must be one of zxing, zbar"),
        ({"path": "/f", "formats": ["EAN13"]}, "formats: unknown format 'EAN13'"),
        ({"path": "/f", "formats": []}, "formats: must be a preset"),
        (
            {"path": "/f", "engine": "zbar", "formats": "pharmacy"},
            'pyzbar cannot decode DATA_MATRIX; use engine = "zxing"',
        ),
        ({"path": "/f", "roi": [0, 0, 640]}, "roi: must be [x, y, width, height]"),
        ({"path": "/f", "roi": [-1, 0, 640, 360]}, "roi"),
        ({"path": "/f", "roi": [0, 0, 0.5, 360]}, "roi"),
        ({"path": "/f", "fps": 0}, "fps: must be an integer from 1 to 240"),
        ({"path": "/f", "dedupe_hold_ms": 1.5}, "dedupe_hold_ms: must be an integer"),
        ({"path": "/f", "loop": "yes"}, "loop: must be true or false"),
        ({"path": "/f", "reconnect_max_s": 0}, "reconnect_max_s: must be a number"),
    ],
)
def test_a_bad_camera_table_names_the_key(table, message):
    with pytest.raises(ConfigError) as raised:
        config_from("cam", table)
    assert message in str(raised.value)


def test_make_driver_builds_a_driver_without_opening_the_camera():
    from edge.devices.bus import Bus

    driver = camera.make_driver(config_from("cam", {"source": "picamera2"}), Bus())
    assert (driver.name, driver.family, driver.state) == ("cam", "camera", None)

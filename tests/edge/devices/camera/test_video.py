"""Cameras through OpenCV: a video file played like a camera, and a V4L2 device by its path."""

from __future__ import annotations

import threading

import pytest

from edge.devices.base import State
from edge.devices.bus import Bus
from edge.devices.camera import CameraDriver, config_from
from edge.devices.camera.simulator import code_frame
from edge.errors import ConfigError
from tests.edge.devices.camera.conftest import Inbox
from tests.support import wait_until

cv2 = pytest.importorskip("cv2")


def write_video(path, frames, fps: int = 10) -> None:
    """An MJPEG AVI, which OpenCV both writes and reads without any codec of the system's."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()


def run_camera(table: dict) -> tuple[CameraDriver, Inbox, threading.Event]:
    bus = Bus()
    driver = CameraDriver(config_from("cam-video", table), bus)
    inbox = Inbox(bus.subscribe())
    stop = threading.Event()
    threading.Thread(target=driver.run, args=(stop,), daemon=True).start()
    return driver, inbox, stop


def test_a_video_file_plays_like_a_camera_and_each_code_scans_once(tmp_path):
    ean = code_frame("5901234123457", "EAN_13")
    code128 = code_frame("SHELF-0042", "CODE_128")
    write_video(tmp_path / "aisle.avi", [ean] * 5 + [code128] * 5)
    driver, inbox, stop = run_camera(
        {"source": "video", "path": str(tmp_path / "aisle.avi"), "fps": 50}
    )
    try:
        scans = wait_until(lambda: len(inbox.scans()) >= 2 and inbox.scans(), what="two scans")
        assert [(s.text, s.format) for s in scans] == [
            ("5901234123457", "EAN_13"),
            ("SHELF-0042", "CODE_128"),
        ]
        assert driver.state.state is State.CONNECTED
    finally:
        stop.set()


def test_a_usb_camera_that_is_not_plugged_in_is_disconnected(tmp_path):
    driver, inbox, stop = run_camera(
        {"source": "v4l2", "path": str(tmp_path / "usb-Webcam-video-index0"), "fps": 10}
    )
    try:
        [state] = wait_until(inbox.states, what="the camera's state")
        assert state.state is State.DISCONNECTED
        assert "does not exist" in state.reason
    finally:
        stop.set()


def test_a_video_camera_needs_a_path():
    with pytest.raises(ConfigError, match='path: a camera with source = "v4l2" needs a path'):
        config_from("cam", {"source": "v4l2"})

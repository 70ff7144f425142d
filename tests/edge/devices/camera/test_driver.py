"""The camera driver against its simulator: scans on the bus, dedupe, frame skipping, unplug."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from edge.devices.base import State
from edge.devices.bus import Bus
from edge.devices.camera import CameraDriver, config_from
from edge.devices.camera.driver import FilesSource, LatestFrame
from edge.devices.camera.simulator import code_frame, compose_frame, png_bytes
from tests.support import wait_until

GTIN_EXPIRY_LOT = "(01)09501101530003(17)261231(10)AB12"


def test_a_code_in_front_of_the_camera_becomes_one_scan_on_the_bus(camera_sim, start_camera):
    driver, inbox = start_camera()
    camera_sim.show_code("5901234123457", "EAN_13")
    scans = inbox.scans
    [scan] = wait_until(scans, what="the EAN-13 scan")
    assert (scan.device, scan.text, scan.format, scan.gs1) == (
        "cam-1",
        "5901234123457",
        "EAN_13",
        False,
    )
    assert scan.at.tzinfo is not None
    assert (scan.source, scan.code.kind, scan.code.gtin) == ("camera", "gtin", "5901234123457")


def test_a_pharmacy_camera_reads_a_gs1_datamatrix(camera_sim, start_camera):
    driver, inbox = start_camera(formats="pharmacy")
    camera_sim.show_code(GTIN_EXPIRY_LOT, "DATA_MATRIX", gs1=True)
    [scan] = wait_until(inbox.scans, what="the DataMatrix scan")
    assert (scan.format, scan.gs1, scan.hri) == ("DATA_MATRIX", True, GTIN_EXPIRY_LOT)
    assert scan.text == "01095011015300031726123110AB12"
    # The scan carries its meaning, read the same way as a scanner's (protocols.codes).
    assert (scan.code.gtin, scan.code.expiry, scan.code.lot) == (
        "9501101530003",
        "2026-12-31",
        "AB12",
    )
    assert scan.error is None


def test_a_retail_camera_ignores_a_qr_code(camera_sim, start_camera):
    driver, inbox = start_camera(formats="retail")
    camera_sim.show_code("https://shop.example/p/1", "QR_CODE")
    wait_until(lambda: driver.decoded + driver.skipped == 1, what="the QR frame")
    assert inbox.scans() == []
    camera_sim.show_code("5901234123457", "EAN_13")
    assert [s.format for s in wait_until(inbox.scans, what="the EAN-13")] == ["EAN_13"]


def test_a_product_held_under_the_camera_is_scanned_once_until_it_is_taken_away(
    camera_sim, start_camera, clock
):
    driver, inbox = start_camera(dedupe_hold_ms=1000)
    scans = inbox.scans
    for _ in range(3):  # Three consecutive frames of the same product, 100 ms apart.
        camera_sim.show_code("5901234123457", "EAN_13")
        wait_until(lambda n=camera_sim.written: driver.decoded + driver.skipped >= n)
        clock.now_ms += 100
    assert len(scans()) == 1
    camera_sim.show_nothing()  # Taken away for longer than the hold ...
    wait_until(lambda: driver.decoded + driver.skipped >= 4)
    clock.now_ms += 2000
    camera_sim.show_code("5901234123457", "EAN_13")  # ... and shown again: a second scan.
    wait_until(lambda: len(scans()) == 2, what="the second scan")


def test_the_camera_comes_back_after_an_unplug(camera_sim, start_camera):
    driver, inbox = start_camera()
    states = inbox.states
    wait_until(lambda: [s.state for s in states()] == [State.CONNECTED])
    camera_sim.unplug()  # The folder is gone: unavailable, not "no code".
    wait_until(lambda: [s.state for s in states()][-1:] == [State.DISCONNECTED])
    assert "went away" in states()[-1].reason or "does not exist" in states()[-1].reason
    camera_sim.replug()  # It recovers without a hub restart ...
    wait_until(lambda: [s.state for s in states()][-1:] == [State.CONNECTED])
    assert [s.state for s in states()] == [State.CONNECTED, State.DISCONNECTED, State.CONNECTED]
    camera_sim.show_code("SHOPFLOOR-128", "CODE_128")  # ... and keeps scanning.
    [scan] = wait_until(inbox.scans, what="a scan after the replug")
    assert scan.text == "SHOPFLOOR-128"
    assert scan.code.kind == "text"  # A store's own label: no GTIN, but no error either.


def test_a_camera_folder_missing_at_start_is_disconnected_until_it_appears(
    camera_sim, start_camera
):
    camera_sim.unplug()
    driver, inbox = start_camera()
    states = inbox.states
    [down] = wait_until(states, what="the disconnected state")
    assert down.state == State.DISCONNECTED and "does not exist" in down.reason
    assert down.as_event() == (
        "device.status",
        {"device": "cam-1", "family": "camera", "state": "disconnected", "reason": down.reason},
    )
    camera_sim.replug()
    wait_until(lambda: [s.state for s in states()][-1:] == [State.CONNECTED])


def test_a_garbled_frame_is_counted_and_the_camera_keeps_going(camera_sim, start_camera):
    driver, inbox = start_camera()
    states = inbox.states
    camera_sim.garbage()
    camera_sim.show_code("5901234123457", "EAN_13")
    [scan] = wait_until(inbox.scans, what="the scan after the garbage")
    assert scan.text == "5901234123457"
    assert driver.bad_frames == 1
    assert [s.state for s in states()] == [State.CONNECTED]  # The connection was kept.


def test_in_a_burst_of_frames_each_is_decoded_or_counted_as_skipped_and_the_newest_is_read(
    camera_sim, start_camera
):
    driver, inbox = start_camera()
    for _ in range(8):  # Frames arrive faster than they are decoded ...
        camera_sim.show_nothing()
    camera_sim.show_code("5901234123457", "EAN_13")
    [scan] = wait_until(inbox.scans, what="the scan of the last frame")
    assert scan.text == "5901234123457"  # ... the newest frame is never the one dropped,
    wait_until(lambda: driver.decoded + driver.skipped == driver.frames == 9)  # none is lost.


def test_frames_already_in_the_folder_at_start_are_history(camera_sim, start_camera):
    camera_sim.show_code("4006381333931", "EAN_13")  # Shown before the hub started.
    driver, inbox = start_camera()
    camera_sim.show_code("5901234123457", "EAN_13")
    [scan] = wait_until(inbox.scans, what="the scan of the new frame")
    assert scan.text == "5901234123457"
    assert driver.frames == 1


def test_the_slot_keeps_only_the_newest_frame():
    slot = LatestFrame()
    frames = [np.full((2, 2), i, np.uint8) for i in range(3)]
    for frame in frames:  # The decoder is busy while three frames arrive.
        slot.put(frame)
    assert slot.take(timeout_s=0) is frames[2]
    assert slot.skipped == 2
    assert slot.take(timeout_s=0) is None


def test_a_camera_playing_image_files_reads_each_and_survives_a_bad_one(tmp_path, start_camera):
    good = tmp_path / "ean.png"
    good.write_bytes(png_bytes(code_frame("5901234123457", "EAN_13")))
    (tmp_path / "broken.png").write_bytes(b"not a png")
    files = [str(tmp_path / "broken.png"), str(tmp_path / "missing.png"), str(good)]
    driver, inbox = start_camera(source="files", files=files, fps=100)
    [scan] = wait_until(inbox.scans, what="the scan from the file")
    assert scan.text == "5901234123457"
    assert driver.bad_frames == 2  # Broken and missing files cost a frame each, nothing more.


def test_a_region_of_interest_limits_what_the_camera_reads(camera_sim, start_camera):
    from edge.devices.camera.simulator import symbol_image

    driver, inbox = start_camera(roi=[640, 0, 640, 720])
    camera_sim.show(
        compose_frame(
            [
                (symbol_image("5901234123457", "EAN_13"), (60, 250)),
                (symbol_image("SHOPFLOOR-128", "CODE_128"), (700, 250)),
            ]
        )
    )
    [scan] = wait_until(inbox.scans, what="the scan inside the ROI")
    assert scan.text == "SHOPFLOOR-128"


def test_the_driver_stops_when_asked(camera_sim, start_camera):
    bus = Bus()
    config = config_from("cam-3", {"path": str(camera_sim.folder)})
    driver = CameraDriver(config, bus, source=FilesSource([]))  # Never opens: no files.
    stop = threading.Event()
    thread = threading.Thread(target=driver.run, args=(stop,), daemon=True)
    thread.start()
    wait_until(lambda: driver.state is not None)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert driver.state.state == State.DISCONNECTED


def test_a_looped_folder_replays_its_frames_for_the_demo(camera_sim, start_camera, clock):
    camera_sim.show_code("5901234123457", "EAN_13")
    driver, inbox = start_camera(loop=True, fps=100, dedupe_hold_ms=0)
    wait_until(lambda: len(inbox.scans()) >= 3, what="the same frame read again and again")
    assert {s.text for s in inbox.scans()} == {"5901234123457"}


def test_a_frame_still_being_written_is_not_read(camera_sim, start_camera):
    (camera_sim.folder / ".frame-000001.png.part").write_bytes(b"\x89PNG half")
    driver, inbox = start_camera()
    camera_sim.show_code("5901234123457", "EAN_13")
    wait_until(inbox.scans, what="the finished frame")
    assert (driver.frames, driver.bad_frames) == (1, 0)


def test_a_pi_camera_without_picamera2_is_disconnected_with_the_fix(start_camera):
    driver, inbox = start_camera(source="picamera2")
    [state] = wait_until(inbox.states, what="the camera's state")
    assert state.state == State.DISCONNECTED
    assert "picamera2 is not installed" in state.reason


def test_a_code_with_a_wrong_check_digit_still_reaches_the_till_with_the_reason(
    camera_sim, start_camera
):
    driver, inbox = start_camera(formats="pharmacy")
    camera_sim.show_code("(01)09501101530008(10)AB12", "DATA_MATRIX", gs1=True)
    [scan] = wait_until(inbox.scans, what="the scan of the bad GTIN")
    assert scan.code is None
    assert scan.error.startswith("gtin: Invalid GTIN check digit")


def test_a_driver_that_fails_leaves_the_shared_stop_event_alone(camera_sim):
    class BrokenSource(FilesSource):
        def open(self) -> None:
            raise RuntimeError("a bug in a frame source")

    config = config_from("cam-4", {"path": str(camera_sim.folder)})
    driver = CameraDriver(config, Bus(), source=BrokenSource([]))
    stop = threading.Event()  # The device manager shares it among all its devices.
    with pytest.raises(RuntimeError, match="a bug in a frame source"):
        driver.run(stop)  # The manager logs it and starts the driver again.
    assert not stop.is_set()

"""The camera driver: frames from a source, the newest one decoded, each new code on the bus.

Two threads per camera. The reading thread owns the one reconnect loop and only moves frames
into a one-frame slot; the decoding thread always takes the newest frame from that slot. A
frame that arrives while the decoder is busy replaces the waiting one and is counted in
`skipped`: on a Pi a full-frame decode can take longer than a frame interval, and a till wants
the code in front of the camera now, not a backlog.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from protocols import InvalidPayload, utc_now
from protocols.codes import interpret

from ..base import Backoff, BadFrame, DeviceState, DeviceUnavailable, State, announce
from ..bus import Bus
from ..scan import Scan
from .config import CameraConfig
from .protocol import Decoder, Dedupe, frame_from_bytes, to_gray

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".tif", ".tiff"})


class FrameSource(Protocol):
    """Where frames come from: the Pi camera, a folder or a list of image files."""

    def open(self) -> None:
        """Open the source; raise DeviceUnavailable if it is not there."""

    def read(self, stop: threading.Event) -> np.ndarray | None:
        """The next grey frame, or None if there is none yet.

        Raises DeviceUnavailable when the source went away and BadFrame for one unreadable
        frame (the source stays open).
        """

    def close(self) -> None: ...


class FolderSource:
    """Frames from image files in a folder, in name order.

    Following (the default), the folder works like a camera's live feed (the simulator
    writes into it): frames already there when the camera first opens are history and are
    skipped, so a hub restart does not sell them again; each new file is read once, in name
    order. The position survives a reopen: after an unplug the feed goes on where it stopped.
    With `loop`, the folder is replayed forever at `fps` (the demo). Files whose name starts
    with a dot are still being written and are skipped.
    """

    def __init__(self, path: str | Path, *, loop: bool = False, fps: int = 10) -> None:
        self.path = Path(path)
        self.loop = loop
        self.interval_s = 1 / fps
        self._last_name: str | None = None

    def open(self) -> None:
        if not self.path.is_dir():
            raise DeviceUnavailable(f"camera folder {str(self.path)!r} does not exist")
        if self._last_name is None:
            names = [] if self.loop else self._names()
            self._last_name = names[-1] if names else ""

    def close(self) -> None:
        pass

    def _names(self) -> list[str]:
        try:
            return sorted(
                entry.name
                for entry in os.scandir(self.path)
                if not entry.name.startswith(".")
                and Path(entry.name).suffix.lower() in IMAGE_SUFFIXES
            )
        except OSError as err:
            raise DeviceUnavailable(
                f"camera folder {str(self.path)!r} went away: {err.strerror or err}"
            ) from err

    def read(self, stop: threading.Event) -> np.ndarray | None:
        names = self._names()
        later = [n for n in names if n > (self._last_name or "")]
        if not later and self.loop and names:
            later = names
        if not later:
            return None
        name = later[0]
        self._last_name = name
        if self.loop:
            stop.wait(self.interval_s)
        try:
            data = (self.path / name).read_bytes()
        except OSError as err:
            if not self.path.is_dir():
                raise DeviceUnavailable(f"camera folder {str(self.path)!r} went away") from err
            raise BadFrame(f"frame {name!r} cannot be read: {err.strerror or err}") from err
        return frame_from_bytes(data)


class FilesSource:
    """Frames from a fixed list of image files, played once (or forever with `loop`)."""

    def __init__(self, files: list[str] | tuple[str, ...], *, loop: bool = False, fps: int = 10):
        self.files = [Path(f) for f in files]
        self.loop = loop
        self.interval_s = 1 / fps
        self._next = 0

    def open(self) -> None:
        if not self.files:
            raise DeviceUnavailable("camera has no image files to play")

    def close(self) -> None:
        pass

    def read(self, stop: threading.Event) -> np.ndarray | None:
        if self._next >= len(self.files):
            if not self.loop:
                return None
            self._next = 0
        path = self.files[self._next]
        self._next += 1
        stop.wait(self.interval_s)
        try:
            data = path.read_bytes()
        except OSError as err:
            raise BadFrame(f"frame file {str(path)!r} cannot be read: {err}") from err
        return frame_from_bytes(data)


class Picamera2Source:
    """Frames from the Raspberry Pi camera through picamera2 (libcamera), grey from the Y plane."""

    def __init__(self, *, width: int = 1280, height: int = 720, fps: int = 10) -> None:
        self.width = width
        self.height = height
        self.fps = fps
        self._camera: Any = None

    def open(self) -> None:
        try:
            from picamera2 import Picamera2
        except ImportError as err:
            raise DeviceUnavailable(
                "picamera2 is not installed; it exists only on a Raspberry Pi "
                "(apt install python3-picamera2)"
            ) from err
        try:
            camera = Picamera2()
            config = camera.create_video_configuration(
                main={"size": (self.width, self.height), "format": "YUV420"},
                controls={"FrameRate": self.fps},
            )
            camera.configure(config)
            camera.start()
        except Exception as err:  # picamera2 raises plain RuntimeError/IndexError for "no camera".
            raise DeviceUnavailable(f"Pi camera cannot be opened: {err}") from err
        self._camera = camera

    def close(self) -> None:
        if self._camera is not None:
            try:
                self._camera.stop()
                self._camera.close()
            except Exception:  # Closing a camera that is already gone is not worth a traceback.
                log.debug("Pi camera close failed", exc_info=True)
            self._camera = None

    def read(self, stop: threading.Event) -> np.ndarray | None:
        try:
            yuv = self._camera.capture_array("main")
        except Exception as err:
            raise DeviceUnavailable(f"Pi camera stopped delivering frames: {err}") from err
        # YUV420 arrays are height * 3/2 rows; the first `height` rows are the luma plane.
        return to_gray(yuv[: self.height, : self.width])


class VideoSource:
    """Frames from a V4L2 camera (a USB webcam) or a video file, through OpenCV.

    `device` is `/dev/v4l/by-id/...` (or `/dev/videoN`) for a camera, or a file path; a file
    plays once at its own pace, or forever with `loop`. OpenCV is imported only on open, so
    a hub without cameras never loads it.
    """

    def __init__(
        self, device: str, *, v4l2: bool, loop: bool = False, width: int = 1280,
        height: int = 720, fps: int = 10,
    ) -> None:  # fmt: skip
        self.device = device
        self.v4l2 = v4l2
        self.loop = loop
        self.width = width
        self.height = height
        self.fps = fps
        self._capture: Any = None

    def open(self) -> None:
        if not Path(self.device).exists():
            what = "camera" if self.v4l2 else "video file"
            raise DeviceUnavailable(f"{what} {self.device!r} does not exist")
        import cv2

        if self.v4l2:
            capture = cv2.VideoCapture(self.device, cv2.CAP_V4L2)
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            capture.set(cv2.CAP_PROP_FPS, self.fps)
        else:
            capture = cv2.VideoCapture(self.device)
        if not capture.isOpened():
            capture.release()
            raise DeviceUnavailable(f"OpenCV cannot open {self.device!r}")
        self._capture = capture

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def read(self, stop: threading.Event) -> np.ndarray | None:
        import cv2

        ok, frame = self._capture.read()
        if not ok and not self.v4l2 and self.loop:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok:
            if self.v4l2:
                raise DeviceUnavailable(f"camera {self.device!r} stopped delivering frames")
            stop.wait(0.1)  # The file has ended: nothing more to see.
            return None
        if not self.v4l2:
            stop.wait(1 / self.fps)
        return to_gray(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))


def make_source(config: CameraConfig) -> FrameSource:
    if config.source in ("v4l2", "video"):
        return VideoSource(
            config.path,
            v4l2=config.source == "v4l2",
            loop=config.loop,
            width=config.width,
            height=config.height,
            fps=config.fps,
        )
    if config.source == "picamera2":
        return Picamera2Source(width=config.width, height=config.height, fps=config.fps)
    if config.source == "files":
        return FilesSource(config.files, loop=config.loop, fps=config.fps)
    return FolderSource(config.path, loop=config.loop, fps=config.fps)


class LatestFrame:
    """A one-frame slot: a put replaces a frame nobody took yet, which counts as skipped."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: np.ndarray | None = None
        self.skipped = 0

    def put(self, frame: np.ndarray) -> None:
        with self._cond:
            if self._frame is not None:
                self.skipped += 1
            self._frame = frame
            self._cond.notify()

    def take(self, timeout_s: float) -> np.ndarray | None:
        """The newest frame, waiting up to `timeout_s` for one; None if none came."""
        with self._cond:
            if self._frame is None:
                self._cond.wait(timeout_s)
            frame, self._frame = self._frame, None
            return frame


class CameraDriver:
    """Reads frames, decodes the newest, publishes each new code as a Scan and its state."""

    family = "camera"

    def __init__(
        self,
        config: CameraConfig,
        bus: Bus,
        *,
        source: FrameSource | None = None,
        clock_ms: Callable[[], int] = lambda: time.monotonic_ns() // 1_000_000,
    ) -> None:
        self.config = config
        self.name = config.name
        self.bus = bus
        self.source = source or make_source(config)
        self.decoder = Decoder(config.formats, config.engine, config.roi, invert=config.invert)
        self.dedupe = Dedupe(config.dedupe_hold_ms)
        self.slot = LatestFrame()
        self._clock_ms = clock_ms
        self._state: DeviceState | None = None
        self.frames = 0  # Frames read from the source.
        self.decoded = 0  # Frames the decoder has finished with.
        self.bad_frames = 0  # Unreadable frames, counted; the source stays open.
        self.scans = 0  # Scans published after dedupe.

    @property
    def skipped(self) -> int:
        """Frames dropped because a newer one arrived while the decoder was busy."""
        return self.slot.skipped

    @property
    def state(self) -> DeviceState | None:
        return self._state

    def run(self, stop: threading.Event) -> None:
        """Keep the camera open until `stop` is set, reopening it after every unplug."""
        # The decoder gets its own event: `stop` belongs to the caller (the device manager
        # shares one among all devices), so this driver must never set it.
        done = threading.Event()
        worker = threading.Thread(
            target=self._decode_loop,
            args=(stop, done),
            name=f"camera-{self.name}-decode",
            daemon=True,
        )
        worker.start()
        backoff = Backoff(first_s=0.1, max_s=self.config.reconnect_max_s)
        try:
            while not stop.is_set():
                try:
                    self.source.open()
                    try:
                        self._report(State.CONNECTED)
                        backoff.reset()
                        self._serve(stop)
                    finally:
                        self.source.close()
                except DeviceUnavailable as err:
                    self._report(State.DISCONNECTED, reason=str(err))
                stop.wait(backoff.next())
        finally:
            done.set()
            worker.join(timeout=5)

    def _serve(self, stop: threading.Event) -> None:
        idle_s = 1 / self.config.fps
        while not stop.is_set():
            try:
                frame = self.source.read(stop)
            except BadFrame as err:
                self.bad_frames += 1
                log.debug("camera %s: %s", self.name, err)
                continue
            if frame is None:
                stop.wait(idle_s)
                continue
            self.frames += 1
            self.slot.put(frame)

    def _decode_loop(self, stop: threading.Event, done: threading.Event) -> None:
        while not (stop.is_set() or done.is_set()):
            frame = self.slot.take(timeout_s=0.1)
            if frame is None:
                continue
            try:
                self.decode_frame(frame)
            except Exception:  # A decoder bug must not leave a camera that silently reads nothing.
                self.bad_frames += 1
                log.exception("camera %s: decoding a frame failed", self.name)

    def decode_frame(self, frame: np.ndarray) -> list[Scan]:
        """Decode one frame and publish the codes that are new scans; return those scans."""
        try:
            codes = self.decoder.decode(frame)
        except BadFrame as err:
            self.bad_frames += 1
            self.decoded += 1
            log.debug("camera %s: %s", self.name, err)
            return []
        scans = []
        for code in self.dedupe.fresh(codes, self._clock_ms()):
            meaning, error = None, None
            try:
                # With its symbology identifier a GS1 code is read as an element string.
                meaning = interpret(code.symbology + code.text)
            except InvalidPayload as err:
                error = str(err)
            scan = Scan(
                device=self.name,
                text=code.text,
                source="camera",
                format=code.format,
                gs1=code.gs1,
                hri=code.hri,
                at=utc_now(),
                code=meaning,
                error=error,
            )
            log.debug("camera %s read %s %r", self.name, code.format, code.text)
            self.scans += 1
            self.bus.publish(scan)
            scans.append(scan)
        self.decoded += 1  # Counted last, so a test that sees it also sees the scans.
        return scans

    def _report(self, state: State, reason: str | None = None) -> None:
        new = DeviceState(device=self.name, family=self.family, state=state, reason=reason)
        if self._state is not None and self._state.state == state:
            return
        self._state = new
        announce(self.bus, new, self.config.path)

"""p99 ms from a scan's last byte/event at the driver to its Scan on the hub's bus.

Serial: the simulator writes a code and its CR onto the pty; the clock starts just before
that write and stops when a bus subscriber holds the interpreted Scan. HID: the same from the
Enter key event pushed to the fake evdev device. The baseline, in the same run on the same
pty, is a bare reader thread (select + os.read up to CR) handing the bytes over a
queue.Queue: the wire and one thread hand-off, without framing, interpretation or the bus.
Target: scan_latency_p99_ms <= 5.
"""

from __future__ import annotations

import os
import queue
import select
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentile  # noqa: E402

SCANS = int(os.environ.get("BENCH_SCANS", "500"))
CODES = ["4006381333931", "]C101098765432109821710063010ABC123\x1d21XYZ", "2100005080002"]


def wait_connected(driver) -> None:
    from edge.devices.base import State

    deadline = time.monotonic() + 10
    while (driver.state is None or driver.state.state != State.CONNECTED) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.01)


def bare_baseline(sim) -> list[float]:
    """A reader thread on the raw pty slave handing each CR-ended line over a queue."""
    fd = os.open(sim.path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    lines: queue.Queue[bytes] = queue.Queue()
    stop = threading.Event()

    def read() -> None:
        buffer = b""
        while not stop.is_set():
            if not select.select([fd], [], [], 0.02)[0]:
                continue
            buffer += os.read(fd, 4096)
            while b"\r" in buffer:
                line, _, buffer = buffer.partition(b"\r")
                lines.put(line)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    timings = []
    for i in range(SCANS):
        start = time.perf_counter()
        sim.scan(CODES[i % len(CODES)])
        lines.get(timeout=2)
        timings.append((time.perf_counter() - start) * 1000)
    stop.set()
    thread.join(5)
    os.close(fd)
    return timings


def through_driver(driver, bus, send) -> list[float]:
    from edge.devices.scanner import Scan

    stop = threading.Event()
    thread = threading.Thread(target=driver.run, args=(stop,), daemon=True)
    with bus.subscribe(lambda m: isinstance(m, Scan)) as scans:
        thread.start()
        wait_connected(driver)
        timings = []
        for i in range(SCANS):
            code = CODES[i % len(CODES)]
            start = send(code)
            scan = scans.get(timeout_s=2)
            timings.append((time.perf_counter() - start) * 1000)
            assert scan is not None and scan.text == code and scan.code is not None, scan
    stop.set()
    thread.join(5)
    return timings


def main() -> int:
    from edge.devices.bus import Bus
    from edge.devices.scanner import config_from
    from edge.devices.scanner.driver import HidScannerDriver, SerialScannerDriver
    from edge.devices.scanner.simulator import HidScannerSim, SerialScannerSim, key_events

    with tempfile.TemporaryDirectory() as tmp, SerialScannerSim(Path(tmp) / "scanner") as sim:
        baseline = bare_baseline(sim)

        def send_serial(code: str) -> float:
            start = time.perf_counter()
            sim.scan(code)
            return start

        bus = Bus()
        config = config_from("bench-serial", {"path": sim.path, "protocol": "serial"})
        serial_ms = through_driver(SerialScannerDriver(config, bus), bus, send_serial)

    hid = HidScannerSim()
    bus = Bus()
    config = config_from("bench-hid", {"path": hid.path})

    def send_hid(code: str) -> float:
        presses = key_events(code)
        hid.press(presses[:-2])  # Everything but the Enter key...
        time.sleep(0.001)
        start = time.perf_counter()
        hid.press(presses[-2:])  # ...whose events end the scan.
        return start

    hid_ms = through_driver(HidScannerDriver(config, bus, opener=hid.open), bus, send_hid)

    p99, base_p99 = percentile(serial_ms, 99), percentile(baseline, 99)
    print(f"scan_latency_p99_ms={p99:.3f}")
    print(f"scan_latency_median_ms={percentile(serial_ms, 50):.3f}")
    print(f"scan_latency_hid_p99_ms={percentile(hid_ms, 99):.3f}")
    print(f"scan_latency_baseline_p99_ms={base_p99:.3f}")
    print(f"scan_latency_baseline_median_ms={percentile(baseline, 50):.3f}")
    print(f"scan_latency_ratio={p99 / base_p99:.2f}")
    print("scan_latency_target_p99_ms=5")
    return 0


if __name__ == "__main__":
    sys.exit(main())

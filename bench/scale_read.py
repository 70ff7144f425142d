"""p99 ms of a weight read through ScaleDriver against the pty simulator, against a bare round trip.

The read is the till's: `read_weight()` queues a request for the driver's thread, which writes
`W`, reads one framed 8217 reply and hands back a Weight. The baseline, in the same run and on
the same pty and simulator, is a bare pyserial `write(b"W")` + `read_until(b"\\r")`. Target:
scale_read_p99_ms <= 50.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentile  # noqa: E402

READS = int(os.environ.get("BENCH_SCALE_READS", "500"))


def main() -> int:
    import serial

    from edge.devices.base import State
    from edge.devices.bus import Bus
    from edge.devices.scale import Weight, config_from, make_driver
    from edge.devices.scale.simulator import ScaleSimulator

    with tempfile.TemporaryDirectory() as tmp, ScaleSimulator(Path(tmp) / "scale") as sim:
        sim.place(1234)
        # The pty runs 8N1: Linux refuses reopening a pty slave with parity set.
        line = {"bytesize": 8, "parity": "N"}

        bare = serial.Serial(str(sim.path), 9600, timeout=1.0, **line)
        baseline = []
        for _ in range(READS):
            start = time.perf_counter()
            bare.write(b"W")
            reply = bare.read_until(b"\r")
            baseline.append((time.perf_counter() - start) * 1000)
            assert reply.endswith(b"\r"), reply
        bare.close()

        config = config_from(
            "bench-scale",
            {"port": str(sim.path), "poll_interval_s": 3600.0, **line},  # No polls in between.
        )
        driver = make_driver(config, Bus())
        stop = threading.Event()
        thread = threading.Thread(target=driver.run, args=(stop,), daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while driver.state != State.CONNECTED and time.monotonic() < deadline:
            time.sleep(0.01)
        timings = []
        for _ in range(READS):
            start = time.perf_counter()
            weight = driver.read_weight(timeout_s=2.0)
            timings.append((time.perf_counter() - start) * 1000)
            assert weight == Weight(1234), weight
        stop.set()
        thread.join(timeout=5)

    p99 = percentile(timings, 99)
    base_p99 = percentile(baseline, 99)
    print(f"scale_read_p99_ms={p99:.3f}")
    print(f"scale_read_median_ms={percentile(timings, 50):.3f}")
    print(f"scale_read_baseline_p99_ms={base_p99:.3f}")
    print(f"scale_read_baseline_median_ms={percentile(baseline, 50):.3f}")
    print(f"scale_read_ratio={p99 / base_p99:.2f}")
    print("scale_read_target_p99_ms=50")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Milliseconds per 1280x720 camera frame: the store's formats against zxing-cpp's all formats.

The frames are generated: EAN-13, EAN-8, UPC-A and Code 128 codes (some turned upside down or
a little skewed, some blurred or dim), GS1 DataMatrix codes, and empty shelves. Every frame
is decoded by three decoders in turn, so machine noise hits them alike: the retail set
(EAN-13/UPC-A/UPC-E/EAN-8/Code 128), the pharmacy set (retail + DataMatrix), and the baseline,
zxing-cpp's read_barcodes with every format, called directly. pyzbar on the retail set is
printed too, for choosing an engine. Targets: retail <= 15 ms, pharmacy <= 30 ms median.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentile  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_DECODE_ROUNDS", "5"))


def frames() -> list:
    from edge.devices.camera.simulator import code_frame, compose_frame

    made = []
    retail = [
        ("5901234123457", "EAN_13"),
        ("4006381333931", "EAN_13"),
        ("96385074", "EAN_8"),
        ("012345678905", "UPC_A"),
        ("SHOPFLOOR-128", "CODE_128"),
    ]
    looks = [{}, {"rotate_deg": 180}, {"rotate_deg": 8}, {"blur_radius": 1.0}, {"contrast": 0.3}]
    for i, (text, kind) in enumerate(retail):
        for j, look in enumerate(looks):
            made.append(code_frame(text, kind, seed=i * 10 + j, **look))
    for i, lot in enumerate(["AB12", "LOT-7781", "X"]):
        for look in ({}, {"rotate_deg": 30}, {"rotate_deg": 120}, {"contrast": 0.3}):
            text = f"(01)09501101530003(17)2612{i + 1:02d}(10){lot}"
            made.append(code_frame(text, "DATA_MATRIX", gs1=True, seed=100 + i, **look))
    made += [compose_frame(seed=200 + i, blur_radius=i % 2) for i in range(6)]
    return made


def main() -> None:
    import zxingcpp

    from edge.devices.camera.protocol import PHARMACY, RETAIL, Decoder

    retail = Decoder(RETAIL)
    pharmacy = Decoder(PHARMACY)
    zbar = Decoder(RETAIL, engine="zbar")
    runs: dict[str, list[float]] = {"retail": [], "pharmacy": [], "baseline": [], "zbar": []}
    found = {"retail": 0, "pharmacy": 0, "baseline": 0, "zbar": 0}
    decoders = {
        "retail": retail.decode,
        "pharmacy": pharmacy.decode,
        "baseline": zxingcpp.read_barcodes,
        "zbar": zbar.decode,
    }
    sample = frames()
    for frame in sample[:3]:  # Warm-up: first calls load tables and fault pages in.
        for decode in decoders.values():
            decode(frame)
    for _ in range(ROUNDS):
        for frame in sample:
            for name, decode in decoders.items():
                start = time.perf_counter()
                codes = decode(frame)
                runs[name].append((time.perf_counter() - start) * 1000)
                found[name] += len(codes)

    medians = {name: statistics.median(values) for name, values in runs.items()}
    print(f"decode_frames={len(sample) * ROUNDS}")
    for name in ("retail", "pharmacy", "baseline"):
        print(f"decode_{name}_median_ms={medians[name]:.2f}")
        print(f"decode_{name}_p95_ms={percentile(runs[name], 95):.2f}")
    print(f"decode_zbar_retail_median_ms={medians['zbar']:.2f}")
    print(f"decode_zbar_retail_p95_ms={percentile(runs['zbar'], 95):.2f}")
    print(f"decode_retail_vs_baseline_ratio={medians['retail'] / medians['baseline']:.3f}")
    print(f"decode_pharmacy_vs_baseline_ratio={medians['pharmacy'] / medians['baseline']:.3f}")
    for name in ("retail", "pharmacy", "baseline", "zbar"):
        print(f"decode_{name}_codes_found={found[name] // ROUNDS}")


if __name__ == "__main__":
    main()

"""`shopfloor decode IMAGE...`: what the camera's decoder reads in image files, as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .protocol import FORMATS, PRESETS, parse_formats


def register(subparsers: Any) -> None:
    """Add `decode` to the `shopfloor` parser's subparsers."""
    decode = subparsers.add_parser(
        "decode",
        help="decode barcodes in image files, as the hub's camera would",
        description=(
            "Decode the barcodes in each IMAGE with the camera's decoder and print one JSON "
            'object per image: {"file": ..., "codes": [{"format", "text", "gs1", "hri"}]}. '
            "An image with no code gives an empty list; an unreadable file gives "
            '{"file": ..., "error": ...} and the command goes on. Exit status 0 when every '
            "file could be read, 1 otherwise."
        ),
    )
    decode.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, ...)")
    decode.add_argument(
        "--formats",
        default="all",
        metavar="F,...",
        help=(
            f"formats to look for: a preset ({', '.join(PRESETS)}), 'all', or names from "
            f"{', '.join(FORMATS)} (default all the engine can read)"
        ),
    )
    decode.add_argument(
        "--engine",
        choices=["zxing", "zbar"],
        default="zxing",
        help="decoder: zxing (zxing-cpp, default) or zbar (pyzbar; no DataMatrix or Aztec)",
    )
    decode.add_argument(
        "--roi",
        metavar="X,Y,W,H",
        help="decode only this rectangle of each image, in pixels",
    )
    decode.add_argument(
        "--invert",
        action="store_true",
        help="also look for light-on-dark codes (zxing only; about doubles the time)",
    )
    decode.set_defaults(func=_decode)

    sim = subparsers.add_parser(
        "camera-sim",
        help="show a generated barcode to a simulated camera (a folder the hub follows)",
        description=(
            "Write one 1280x720 camera frame holding TEXT as a barcode into FOLDER, the "
            'folder of a camera configured with source = "folder": the hub reads it as a '
            "scan. With --nothing the frame is an empty shelf. Prints the frame's path as "
            '{"frame": ...}. Use --out to write a PNG for `shopfloor decode` instead.'
        ),
    )
    sim.add_argument("text", nargs="?", metavar="TEXT", help='the code; GS1 as "(01)…(17)…"')
    where = sim.add_mutually_exclusive_group(required=True)
    where.add_argument("--folder", metavar="DIR", help="the simulated camera's folder")
    where.add_argument("--out", metavar="FILE", help="write the frame to FILE (PNG)")
    sim.add_argument(
        "--format",
        default="EAN_13",
        choices=sorted(FORMATS),
        help="barcode format (default EAN_13)",
    )
    sim.add_argument("--gs1", action="store_true", help="encode TEXT as GS1 (FNC1) data")
    sim.add_argument("--rotate", type=float, default=0.0, metavar="DEG", help="turn the code")
    sim.add_argument("--blur", type=float, default=0.0, metavar="PX", help="Gaussian blur radius")
    sim.add_argument(
        "--contrast", type=float, default=1.0, metavar="K", help="contrast factor, < 1 is dimmer"
    )
    sim.add_argument("--nothing", action="store_true", help="an empty shelf, no code")
    sim.set_defaults(func=_sim)


def _decode(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..base import BadFrame
    from .protocol import Decoder, Roi, frame_from_bytes

    try:
        if args.formats == "all":
            formats = tuple(
                name for name, info in FORMATS.items() if args.engine == "zxing" or info.zbar
            )
        else:
            formats = parse_formats(args.formats)
        roi = Roi(*(int(v) for v in args.roi.split(","))) if args.roi else None
        if roi is not None and (min(roi[:2]) < 0 or min(roi[2:]) < 1):
            raise ValueError(f"--roi {args.roi}: x, y must be >= 0 and width, height >= 1")
        decoder = Decoder(formats, args.engine, roi, invert=args.invert)
    except (ValueError, TypeError) as err:
        print(f"shopfloor decode: {err}", file=sys.stderr)
        return 2
    all_read = True
    for name in args.images:
        line: dict[str, Any] = {"file": name}
        try:
            frame = frame_from_bytes(Path(name).read_bytes())
            line["codes"] = [code.as_json() for code in decoder.decode(frame)]
        except OSError as err:
            line["error"] = f"cannot read {name!r}: {err.strerror or err}"
            all_read = False
        except BadFrame as err:
            line["error"] = str(err)
            all_read = False
        print(json.dumps(line), flush=True)
    return 0 if all_read else 1


def _sim(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .simulator import CameraSimulator, code_frame, compose_frame, png_bytes

    if not args.nothing and not args.text:
        print("shopfloor camera-sim: give TEXT, or --nothing for an empty shelf", file=sys.stderr)
        return 2
    look = {"rotate_deg": args.rotate, "blur_radius": args.blur, "contrast": args.contrast}
    try:
        if args.nothing:
            frame = compose_frame(blur_radius=args.blur, contrast=args.contrast)
        else:
            frame = code_frame(args.text, args.format, gs1=args.gs1, **look)
    except (ValueError, RuntimeError) as err:  # zxing-cpp refuses content its format can't hold.
        print(f"shopfloor camera-sim: {args.format} {args.text!r}: {err}", file=sys.stderr)
        return 2
    if args.out:
        Path(args.out).write_bytes(png_bytes(frame))
        path = Path(args.out)
    else:
        path = CameraSimulator.following(args.folder).show(frame)
    print(json.dumps({"frame": str(path)}), flush=True)
    return 0

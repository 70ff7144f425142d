"""`shopfloor escpos-decode`, `print-label` and `printer-sim`: receipt printers in the field.

Output is one JSON object per line so that scripts can read it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: Any) -> None:
    """Add the printer commands to the `shopfloor` parser's subparsers."""
    decode = subparsers.add_parser(
        "escpos-decode",
        help="show what ESC/POS bytes print: text, barcodes, QR, cuts, drawer kicks",
        description=(
            "Decode each FILE of captured ESC/POS bytes (a print to file, a tcpdump payload) "
            'and print one JSON object per printed thing: {"file", "type": "line", "text", '
            '"bold", "align"}, {"type": "barcode", "symbology", "data"}, {"type": "qr", '
            '"data"}, {"type": "cut", "partial"} or {"type": "kick", "pin", "on_ms", '
            '"off_ms"}. Bytes outside ESC/POS give {"file", "error"} and the command goes on '
            "with the next file. Exit status 0 when every file decoded, 1 otherwise."
        ),
    )
    decode.add_argument("files", nargs="+", metavar="FILE", help="files of ESC/POS bytes")
    decode.set_defaults(func=_decode)

    label = subparsers.add_parser(
        "print-label",
        help="print a product or shelf label with its barcode on a receipt printer",
        description=(
            "Print a label (name, price, barcode) straight to a network printer, or write its "
            "ESC/POS bytes to a file with --out, then print one JSON object: "
            '{"printed": true, "bytes": N, "printer"|"file": ...}. An EAN-13 with a wrong '
            "check digit is refused before anything is sent. Exit status 0 on success, 1 when "
            "the printer cannot be reached or is not ready, 2 for bad arguments."
        ),
    )
    label.add_argument("--name", required=True, help="product name or shelf text")
    label.add_argument("--price-minor", type=int, default=0, help="price in minor units (paise)")
    label.add_argument("--currency", default="INR", help="ISO 4217 currency (default INR)")
    label.add_argument("--unit", default="", help='price unit, e.g. "kg" for a price per kg')
    label.add_argument("--code", required=True, help="barcode content, or QR text with --qr")
    label.add_argument(
        "--symbology",
        default="EAN13",
        choices=["EAN13", "EAN8", "UPC-A", "CODE128", "CODE39", "ITF"],
        help="barcode type (default EAN13)",
    )
    label.add_argument("--qr", action="store_true", help="print --code as a QR code instead")
    label.add_argument("--copies", type=int, default=1, help="number of labels (default 1)")
    label.add_argument("--codepage", default="CP858", help="ESC/POS code page (default CP858)")
    where = label.add_mutually_exclusive_group(required=True)
    where.add_argument("--printer", metavar="HOST:PORT", help="network printer, e.g. 10.0.0.5:9100")
    where.add_argument("--out", metavar="FILE", help="write the ESC/POS bytes to FILE instead")
    label.set_defaults(func=_print_label)

    sim = subparsers.add_parser(
        "printer-sim",
        help="run a simulated network receipt printer that shows what it prints",
        description=(
            "Listen like a network printer on 127.0.0.1:PORT, answer DLE EOT status queries and "
            'print one JSON object per job received: {"job": N, "printed": [...]} in the '
            "format of escpos-decode. Runs until Ctrl-C."
        ),
    )
    sim.add_argument("--port", type=int, default=9100, help="TCP port (default 9100; 0 for any)")
    sim.add_argument(
        "--paper",
        choices=["ok", "near end", "out"],
        default="ok",
        help="what the paper sensor reports (default ok)",
    )
    sim.set_defaults(func=_printer_sim)


def as_json(item: Any) -> dict[str, Any]:
    """One decoded thing as a JSON object with a "type"."""
    from dataclasses import asdict

    from .protocol import QR, Cut, Kick, Line, PrintedBarcode, PrintedQR

    kinds = {Line: "line", PrintedBarcode: "barcode", PrintedQR: "qr", QR: "qr", Cut: "cut"}
    kind = kinds.get(type(item), "kick" if isinstance(item, Kick) else "unknown")
    return {"type": kind, **asdict(item)}


def _decode(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..base import BadFrame
    from .protocol import decode

    ok = True
    for name in args.files:
        try:
            printed = decode(Path(name).read_bytes())
        except (OSError, BadFrame) as err:
            ok = False
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            print(json.dumps({"file": name, "error": reason}), flush=True)
            continue
        for item in printed:
            print(json.dumps({"file": name, **as_json(item)}, ensure_ascii=False), flush=True)
    return 0 if ok else 1


def _print_label(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..base import DeviceError
    from ..bus import Bus
    from .config import PrinterConfig
    from .driver import PrinterDriver, PrinterNotReady, render
    from .protocol import Label, Symbology, label_layout, qr_label_layout

    try:
        if args.copies < 1:
            raise ValueError(f"--copies must be at least 1, got {args.copies}")
        if args.qr:
            ops = qr_label_layout(args.name, args.code) * args.copies
        else:
            label = Label(
                args.name,
                args.price_minor,
                args.currency,
                args.code,
                Symbology(args.symbology),
                args.unit,
            )
            ops = label_layout(label, copies=args.copies)
        data = render(ops, codepages=(args.codepage,))
    except (ValueError, DeviceError) as err:
        print(f"shopfloor print-label: {err}", file=sys.stderr)
        return 2
    if args.out:
        Path(args.out).write_bytes(data)
        print(json.dumps({"printed": True, "bytes": len(data), "file": args.out}))
        return 0
    driver = PrinterDriver(PrinterConfig("label", port=args.printer), Bus())
    try:
        driver.send(data)
    except PrinterNotReady as err:
        print(json.dumps({"printed": False, "printer": args.printer, "error": err.reason}))
        return 1
    except DeviceError as err:
        print(json.dumps({"printed": False, "printer": args.printer, "error": str(err)}))
        return 1
    print(json.dumps({"printed": True, "bytes": len(data), "printer": args.printer}))
    return 0


def _printer_sim(args: argparse.Namespace) -> int:
    import time

    from ..base import BadFrame
    from .protocol import decode
    from .simulator import PrinterSimulator

    sim = PrinterSimulator(port=args.port)
    sim.set_paper(args.paper)
    try:
        sim.start()
    except OSError as err:
        print(f"shopfloor printer-sim: port {args.port}: {err.strerror}", file=sys.stderr)
        return 1
    print(json.dumps({"listening": sim.address}), flush=True)
    shown = 0
    try:
        while True:
            jobs = list(sim.jobs)
            for number, job in enumerate(jobs[shown:], start=shown + 1):
                try:
                    line: dict[str, Any] = {
                        "job": number,
                        "printed": [as_json(i) for i in decode(job)],
                    }
                except BadFrame as err:
                    line = {"job": number, "error": str(err)}
                print(json.dumps(line, ensure_ascii=False), flush=True)
            shown = len(jobs)
            time.sleep(0.2)
    except KeyboardInterrupt:
        return 0
    finally:
        sim.stop()

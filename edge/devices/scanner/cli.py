"""Scanner commands: `shopfloor parse-code TEXT` and `shopfloor scanner-sim LINK`."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    """Add the scanner family's commands to the `shopfloor` parser's subparsers."""
    parse = subparsers.add_parser(
        "parse-code",
        help="interpret a scanned code (GTIN, variable-measure EAN-13, GS1)",
        description=(
            "Print what a scanned code means as one JSON object: gtin, lot, expiry "
            "(YYYY-MM-DD), serial, net_weight_g, price_minor, item_code, kind, symbology and "
            "the GS1 elements read. A malformed or ambiguous code prints an error object "
            "naming the part at fault and exits 1. Write the GS1 separator as \\x1d or as the "
            "--separator character, or give the (01)...(17)... human-readable form."
        ),
    )
    parse.add_argument("text", metavar="TEXT", help="the code as scanned, e.g. ']C10109...'")
    parse.add_argument(
        "--separator",
        metavar="CHAR",
        default="",
        help="a character that stands for the GS1 separator (GS, 0x1D), e.g. '|'",
    )
    parse.set_defaults(func=_parse_code)

    sim = subparsers.add_parser(
        "scanner-sim",
        help="run a simulated serial scanner and scan the codes typed on stdin",
        description=(
            "Create a serial scanner on a pty reachable through the symlink LINK (configure "
            'the hub with family = "scanner", protocol = "serial", path = LINK), then send '
            "each CODE given, and each line read from stdin, as one scan with the suffix. "
            'Prints {"sent": CODE} per scan. Write the GS1 separator as \\x1d. Runs until '
            "stdin ends (Ctrl-D) or Ctrl-C; then the scanner is unplugged."
        ),
    )
    sim.add_argument("link", metavar="LINK", help="where to put the scanner's stable symlink")
    sim.add_argument("codes", nargs="*", metavar="CODE", help="codes to scan first")
    sim.add_argument(
        "--suffix", choices=["cr", "lf", "crlf"], default="cr", help="line ending (default cr)"
    )
    sim.set_defaults(func=_scanner_sim)


def _parse_code(args: argparse.Namespace) -> int:
    from protocols import InvalidPayload
    from protocols.codes import GS, interpret

    text = args.text.replace("\\x1d", GS).replace("\\x1D", GS)
    separators = (GS, args.separator) if args.separator else (GS,)
    try:
        code = interpret(text, separators=separators)
    except InvalidPayload as err:
        print(json.dumps({"text": text, **err.as_dict()}))
        return 1
    print(json.dumps(code.as_dict()))
    return 0


def _scanner_sim(args: argparse.Namespace) -> int:
    import itertools
    import sys
    from pathlib import Path

    from .simulator import SerialScannerSim

    with SerialScannerSim(Path(args.link), suffix=args.suffix) as sim:
        print(json.dumps({"link": sim.path}), flush=True)
        try:
            for line in itertools.chain(args.codes, sys.stdin):  # Lazily: stdin is live.
                code = line.rstrip("\r\n").replace("\\x1d", "\x1d").replace("\\x1D", "\x1d")
                if code:
                    sim.scan(code)
                    print(json.dumps({"sent": code}), flush=True)
        except KeyboardInterrupt:
            pass
    return 0

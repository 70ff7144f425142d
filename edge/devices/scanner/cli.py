"""`shopfloor parse-code TEXT`: what a scanned code means, as one JSON object."""

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

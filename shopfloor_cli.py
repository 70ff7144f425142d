"""The `shopfloor` command: `shopfloor hub ...` runs a hub, `shopfloor cloud ...` the cloud."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shopfloor",
        description="shopfloor store system: hub (till, warehouse, van) and cloud control plane.",
    )
    sides = parser.add_subparsers(dest="side", required=True, metavar="COMMAND")
    # Each side registers its own subcommands and imports its heavy modules only when run.
    from cloud import cli as cloud_cli
    from edge import cli as edge_cli
    from edge.devices import cli as devices_cli

    edge_cli.register(sides)
    cloud_cli.register(sides)
    devices_cli.register(sides)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

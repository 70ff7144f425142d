"""`shopfloor scale-sim`: a simulated scale on a pty, driven by commands on stdin (demo, field)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

HELP_COMMANDS = (
    "place GRAMS | remove | motion on|off | over on|off | tare | zero | unplug | replug | "
    "noise | status | quit"
)


def register(subparsers: Any) -> None:
    sim = subparsers.add_parser(
        "scale-sim",
        help="run a simulated serial scale on a pty that a hub can open",
        description=(
            "Run a simulated scale speaking PROTOCOL on a pty and link it at --link, so a hub "
            "configured with that port reads it as a real scale. Prints "
            '{"port": ..., "protocol": ...}, then reads commands from stdin, one a line: '
            f"{HELP_COMMANDS}. Each prints one JSON object with the scale's state. The "
            "simulated line is 8N1 whatever the hub config says (a pty has no parity)."
        ),
    )
    sim.add_argument(
        "--link",
        default="/tmp/shopfloor-scale",
        help="the symlink to the pty: the hub config's port (default /tmp/shopfloor-scale)",
    )
    sim.add_argument(
        "--protocol",
        default="toledo8217",
        choices=["toledo8217", "nci", "continuous"],
        help="what the scale speaks (default toledo8217)",
    )
    sim.add_argument("--place", type=int, default=0, metavar="GRAMS", help="start with GRAMS")
    sim.add_argument(
        "--hold",
        action="store_true",
        help="keep running after stdin ends (for a demo in the background; stop with Ctrl-C)",
    )
    sim.set_defaults(func=_scale_sim)


def apply(sim: Any, line: str) -> dict[str, Any] | None:
    """Carry out one stdin command on the simulator; None for quit."""
    words = line.split()
    verb, arg = (words + ["", ""])[:2]
    if verb == "quit":
        return None
    if verb == "place" and arg.lstrip("-").isdigit():
        sim.place(int(arg))
    elif verb == "remove":
        sim.remove()
    elif verb == "motion":
        sim.motion(arg != "off")
    elif verb == "over":
        sim.over_capacity(arg != "off")
    elif verb in ("tare", "zero"):
        sim.command(b"T" if verb == "tare" else b"Z")  # As if the scale's own key was pressed.
    elif verb == "unplug":
        sim.unplug()
    elif verb == "replug":
        sim.replug()
    elif verb == "noise":
        sim.inject(b"\xff\x00noise\r\n\x03")
    elif verb not in ("status", ""):
        return {"error": f"unknown command {line.strip()!r}", "commands": HELP_COMMANDS}
    status = sim.status()
    return {
        "gross_g": sim.gross_g,
        "net_g": sim.net_g,
        "tare_g": sim.tare_g,
        "motion": status.motion,
        "over_capacity": status.over_capacity,
        "plugged": sim.link.plugged,
    }


def _scale_sim(args: argparse.Namespace) -> int:
    import threading

    from .simulator import ScaleSimulator

    try:
        sim = ScaleSimulator(args.link, args.protocol).start()
    except OSError as err:
        print(json.dumps({"error": f"cannot link {args.link}: {err}"}))
        return 1
    try:
        sim.place(args.place)
        print(json.dumps({"port": str(sim.path), "protocol": sim.protocol}), flush=True)
        for line in sys.stdin:
            result = apply(sim, line)
            if result is None:
                return 0
            print(json.dumps(result), flush=True)
        if args.hold:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.close()
    return 0

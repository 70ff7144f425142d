"""`shopfloor nmea FILE` (the fixes in an NMEA log, one JSON object per line) and `gps-sim`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: Any) -> None:
    nmea = subparsers.add_parser(
        "nmea",
        help="list the position fixes in an NMEA 0183 log (one JSON object per line)",
        description=(
            "Read an NMEA 0183 log (as captured from a GPS receiver's serial port) the way the "
            "van hub does: checksums checked, RMC/GGA/VTG from any talker, epochs without a "
            "fix left out. Prints one JSON object per fix: time (UTC), lat, lon (degrees), "
            "speed_mps, course (degrees true), quality. A last object "
            '{"summary": {...}} counts the lines, fixes, no-fix epochs and bad lines '
            "(partial, garbage, wrong or missing checksum). Exit code 0 unless FILE cannot "
            "be read."
        ),
    )
    nmea.add_argument("file", metavar="FILE", help="the NMEA log, e.g. a capture of /dev/ttyUSB0")
    nmea.add_argument(
        "--throttled",
        action="store_true",
        help="list only the fixes the hub would send as location.fix events (see the --min-* "
        "and --max-interval-s options)",
    )
    for option, default, metavar, words in (
        ("--min-interval-s", 5.0, "S", "seconds between events"),
        ("--min-distance-m", 25.0, "M", "metres moved between events"),
        ("--max-interval-s", 60.0, "S", "an event at least this often, even parked"),
    ):
        nmea.add_argument(
            option,
            type=float,
            default=default,
            metavar=metavar,
            help=f"with --throttled: {words} (default {default:g})",
        )
    nmea.set_defaults(func=_nmea)
    register_sim(subparsers)


def fix_object(position: Any) -> dict[str, Any]:
    """A Position as the technician's JSON: degrees, m/s and degrees, from exact integers."""
    from .protocol import utc_text

    return {
        "time": utc_text(position.fixed_at),
        "lat": position.lat_e7 / 10_000_000,
        "lon": position.lon_e7 / 10_000_000,
        "speed_mps": None if position.speed_mm_s is None else position.speed_mm_s / 1000,
        "course": None if position.course_cdeg is None else position.course_cdeg / 100,
        "quality": position.quality,
    }


def _nmea(args: argparse.Namespace) -> int:
    from ..base import BadFrame
    from .protocol import EpochBuilder, NoFix, Throttle, parse_sentence

    try:
        with open(args.file, "rb") as f:
            data = f.read()
    except OSError as err:
        print(json.dumps({"error": "unreadable", "file": args.file, "reason": str(err)}))
        return 1
    builder = EpochBuilder()
    throttle = Throttle(args.min_interval_s, args.min_distance_m, args.max_interval_s)
    counts = {"lines": 0, "fixes": 0, "printed": 0, "no_fix": 0, "bad_lines": 0}

    def emit(results: list[Any]) -> None:
        for result in results:
            if isinstance(result, NoFix):
                counts["no_fix"] += 1
                continue
            counts["fixes"] += 1
            if args.throttled and not throttle.admit(result):
                continue
            counts["printed"] += 1
            print(json.dumps(fix_object(result)))

    for line in data.split(b"\n"):
        if not line.strip():
            continue
        counts["lines"] += 1
        try:
            emit(builder.feed(parse_sentence(line)))
        except BadFrame as err:
            counts["bad_lines"] += 1
            print(f"line {counts['lines']}: {err}", file=sys.stderr)
    emit(builder.flush())
    print(json.dumps({"summary": {"file": args.file, **counts}}))
    return 0


def register_sim(subparsers: Any) -> None:
    sim = subparsers.add_parser(
        "gps-sim",
        help="replay an NMEA track on a pty that a van hub can open as its GPS",
        description=(
            "Replay an NMEA log on a pty linked at --link, one epoch every --interval-s "
            "seconds, noise included, so a van hub configured with that port sees a moving "
            'van. Prints {"port": ..., "track": ...} and then {"done": LINES} at the end.'
        ),
    )
    sim.add_argument(
        "--link",
        default="/tmp/shopfloor-gps",
        help="path of the symlink to the pty, used as the hub's port (default /tmp/shopfloor-gps)",
    )
    sim.add_argument(
        "--track", default=None, metavar="FILE", help="the NMEA log (default: the sample track)"
    )
    sim.add_argument(
        "--interval-s", type=float, default=1.0, help="seconds per epoch (default 1, real time)"
    )
    sim.add_argument("--loop", action="store_true", help="replay forever (stop with Ctrl-C)")
    sim.set_defaults(func=_gps_sim)


def _gps_sim(args: argparse.Namespace) -> int:
    from .simulator import SAMPLE_TRACK, GpsSimulator, load_track

    track = args.track or str(SAMPLE_TRACK)
    try:
        lines = load_track(track)
    except OSError as err:
        print(json.dumps({"error": "unreadable", "file": track, "reason": str(err)}))
        return 1
    sim = GpsSimulator(args.link)
    try:
        sim.start()
        print(json.dumps({"port": str(sim.path), "track": track}), flush=True)
        replay = sim.replay(lines, interval_s=args.interval_s, loop=args.loop)
        while replay.is_alive():
            replay.join(0.5)
        print(json.dumps({"done": len(lines)}), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        sim.close()
    return 0

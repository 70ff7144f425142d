"""`shopfloor nmea FILE`: one JSON object per fix, bad lines counted in a final summary."""

from __future__ import annotations

import argparse
import json

import pytest

from edge.devices.gps import cli
from edge.devices.gps.protocol import with_checksum
from edge.devices.gps.simulator import SAMPLE_TRACK


def run(capsys, *argv: str) -> tuple[int, list[dict]]:
    parser = argparse.ArgumentParser(prog="shopfloor")
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["nmea", *argv])
    code = args.func(args)
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_each_fix_is_one_json_object_and_the_summary_counts_the_rest(tmp_path, capsys):
    log = tmp_path / "drive.nmea"
    log.write_bytes(
        b"\r\n".join([
            b"8.2960,N,07735.6760,E,1,09,0.9*11",  # Partial first line.
            with_checksum("GNRMC,083004.000,V,,,,,,,150326,,,N").encode(),  # No fix yet.
            b"$GPRMC,083005.000,A,1258.2960,N,07735.6760,E,19.44,90.0,150326,,,A*50",
            b"$GPGGA,083005.000,1258.2960,N,07735.6760,E,2,09,0.9,920.0,M,-86.0,M,,*7B",
            b"$GPGGA,083006.000,1258.2960,N,07735.6760,E,1,09,0.9,920.0,M,-86.0,M,,*00",
            b"\x00\xff garbage",
        ]) + b"\r\n"
    )  # fmt: skip
    code, objects = run(capsys, str(log))
    assert code == 0
    assert objects == [
        {"time": "2026-03-15T08:30:05Z", "lat": 12.9716, "lon": 77.5946, "speed_mps": 10.001,
         "course": 90.0, "quality": "dgps"},
        {"summary": {"file": str(log), "lines": 6, "fixes": 1, "printed": 1, "no_fix": 1,
                     "bad_lines": 3}},
    ]  # fmt: skip


def test_the_sample_track_reads_with_its_noise_counted(capsys):
    code, objects = run(capsys, str(SAMPLE_TRACK))
    summary = objects.pop()["summary"]
    assert code == 0
    assert (summary["fixes"], summary["no_fix"], summary["bad_lines"]) == (106, 9, 4)
    assert len(objects) == 106 and {o["quality"] for o in objects} == {"gps", "dgps"}


def test_throttled_lists_only_what_the_hub_would_send(capsys):
    code, objects = run(capsys, "--throttled", str(SAMPLE_TRACK))
    summary = objects.pop()["summary"]
    assert summary["printed"] == len(objects) < summary["fixes"]


def test_an_unreadable_file_is_an_error_object_and_exit_code_1(tmp_path, capsys):
    code, objects = run(capsys, str(tmp_path / "missing.nmea"))
    assert code == 1
    assert objects[0]["error"] == "unreadable"


def test_the_command_has_help(capsys):
    with pytest.raises(SystemExit):
        run(capsys, "--help")


def test_gps_sim_replays_the_sample_track_even_with_nobody_reading(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="shopfloor")
    cli.register(parser.add_subparsers())
    link = tmp_path / "gps"
    args = parser.parse_args(["gps-sim", "--link", str(link), "--interval-s", "0"])
    assert args.func(args) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [{"port": str(link), "track": str(SAMPLE_TRACK)}, {"done": 478}]

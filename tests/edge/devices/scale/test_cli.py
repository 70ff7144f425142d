"""`shopfloor scale-sim`: a person puts weights on a simulated scale from the keyboard."""

from __future__ import annotations

import argparse
import io
import json

from edge.devices.scale import cli


def test_stdin_commands_drive_the_simulated_scale(tmp_path, capsys, monkeypatch):
    link = tmp_path / "scale"
    monkeypatch.setattr("sys.stdin", io.StringIO("place 1234\nmotion on\nover on\ntare\nfly\n"))
    parser = argparse.ArgumentParser(prog="shopfloor")
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["scale-sim", "--link", str(link), "--protocol", "nci"])
    assert args.func(args) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == {"port": str(link), "protocol": "nci"}
    assert lines[1]["net_g"] == 1234
    assert lines[2]["motion"] and lines[3]["over_capacity"]
    assert lines[4]["tare_g"] == 0  # A moving scale does not tare.
    assert lines[5]["error"].startswith("unknown command")
    assert not link.exists()  # Unlinked at the end.

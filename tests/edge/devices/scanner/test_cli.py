"""`shopfloor parse-code`: one JSON object per code, or an error object and exit 1."""

from __future__ import annotations

import json
import os

import shopfloor_cli


def run(capsys, *args: str) -> tuple[int, dict]:
    code = shopfloor_cli.main(["parse-code", *args])
    return code, json.loads(capsys.readouterr().out)


def test_parse_code_prints_the_gs1_fields(capsys):
    code, out = run(capsys, r"]C101098765432109821710063010ABC123\x1d21XYZ")
    assert code == 0
    assert out["gtin"] == "9876543210982"
    assert (out["lot"], out["expiry"], out["serial"]) == ("ABC123", "2010-06-30", "XYZ")


def test_parse_code_reads_the_human_readable_form_and_weights(capsys):
    code, out = run(capsys, "(01)09876543210982(3103)001234")
    assert (code, out["net_weight_g"]) == (0, 1234)


def test_parse_code_takes_a_separator_substitute(capsys):
    code, out = run(capsys, "--separator", "|", "010987654321098210AB|21CD")
    assert (code, out["lot"], out["serial"]) == (0, "AB", "CD")


def test_parse_code_names_the_bad_part_and_exits_1(capsys):
    code, out = run(capsys, "4006381333932")
    assert code == 1
    assert (out["error"], out["field"]) == ("invalid_payload", "gtin")


def test_scanner_sim_scans_what_is_typed_on_stdin(tmp_path, monkeypatch, capsys):
    import io
    import threading

    from edge.devices.base import State
    from edge.devices.bus import Bus
    from edge.devices.scanner import Scan, config_from, make_driver
    from tests.support import wait_until

    link = tmp_path / "demo-scanner"
    read_fd, write_fd = os.pipe()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.FileIO(read_fd)))
    done: list[int] = []
    command = threading.Thread(
        target=lambda: done.append(shopfloor_cli.main(["scanner-sim", str(link)]))
    )
    command.start()
    bus, stop = Bus(), threading.Event()
    try:
        wait_until(link.exists, 10, "the scanner's link")
        driver = make_driver(config_from("demo", {"path": str(link), "protocol": "serial"}), bus)
        scans = bus.subscribe(lambda m: isinstance(m, Scan))
        threading.Thread(target=driver.run, args=(stop,), daemon=True).start()
        wait_until(lambda: driver.state and driver.state.state == State.CONNECTED, 10, "open")
        os.write(write_fd, b"4006381333931\n")
        scan = scans.get(10)
        assert scan is not None and scan.text == "4006381333931"
    finally:
        os.close(write_fd)  # Ctrl-D: the command unplugs its scanner and ends.
        command.join(10)
        stop.set()
    assert done == [0] and not link.exists()
    assert '{"sent": "4006381333931"}' in capsys.readouterr().out

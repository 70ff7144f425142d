"""The printer commands a technician runs: decode captured bytes, print a label."""

from __future__ import annotations

import json

import pytest

from edge.devices.printer.protocol import PrintedQR
from edge.devices.printer.simulator import PrinterSimulator
from shopfloor_cli import main
from tests.support import free_port, wait_until


def json_lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_escpos_decode_shows_each_printed_thing_and_goes_on_after_a_bad_file(tmp_path, capsys):
    good = tmp_path / "label.bin"
    assert main(["print-label", "--name", "Tea 250 g", "--price-minor", "14000",
                 "--code", "8901234567890", "--out", str(good)]) == 0  # fmt: skip
    assert json_lines(capsys)[0]["printed"] is True
    bad = tmp_path / "noise.bin"
    bad.write_bytes(b"\x1b\xffnoise")
    assert main(["escpos-decode", str(bad), str(good), str(tmp_path / "missing")]) == 1
    lines = json_lines(capsys)
    assert lines[0]["file"] == str(bad) and "unknown command ESC 0xff" in lines[0]["error"]
    assert lines[1:5] == [
        {"file": str(good), "type": "line", "text": "Tea 250 g", "bold": True, "align": "center"},
        {"file": str(good), "type": "line", "text": "Rs.140.00", "bold": False,
         "align": "center"},
        {"file": str(good), "type": "barcode", "symbology": "EAN13", "data": "8901234567890"},
        {"file": str(good), "type": "cut", "partial": True},
    ]  # fmt: skip
    assert lines[5] == {"file": str(tmp_path / "missing"), "error": "No such file or directory"}


def test_print_label_sends_a_qr_label_to_a_network_printer(capsys):
    with PrinterSimulator() as sim:
        assert main(["print-label", "--name", "Aisle 4", "--qr", "--code", "https://x.example/4",
                     "--printer", sim.address]) == 0  # fmt: skip
        [printed] = wait_until(sim.documents, what="the label")
    assert PrintedQR("https://x.example/4") in printed
    [answer] = json_lines(capsys)
    assert answer["printed"] is True and answer["printer"] == sim.address and answer["bytes"] > 0


def test_print_label_reports_paper_out_and_an_unreachable_printer(capsys):
    with PrinterSimulator() as sim:
        sim.set_paper("out")
        args = ["print-label", "--name", "Tea", "--code", "8901234567890"]
        assert main([*args, "--printer", sim.address]) == 1
        assert json_lines(capsys)[0]["error"] == "paper out"
    assert main([*args, "--printer", f"127.0.0.1:{free_port()}"]) == 1
    assert "cannot be opened" in json_lines(capsys)[0]["error"]


def test_print_label_refuses_a_wrong_check_digit_before_sending(capsys):
    assert main(["print-label", "--name", "Tea", "--code", "8901234567891", "--out", "x"]) == 2
    assert "check digit" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["escpos-decode", "print-label", "printer-sim"])
def test_every_printer_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "JSON" in capsys.readouterr().out

"""`shopfloor parse-code`: one JSON object per code, or an error object and exit 1."""

from __future__ import annotations

import json

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

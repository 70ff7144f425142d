"""A scanner's `[[devices]]` table: defaults, checks naming the bad key."""

from __future__ import annotations

import pytest

from edge.devices.scanner import config_from
from edge.errors import ConfigError

BY_ID = "/dev/input/by-id/usb-Honeywell_Scanner-event-kbd"


def test_a_hid_scanner_needs_only_its_path():
    config = config_from("front", {"path": BY_ID})
    assert (config.protocol, config.terminators, config.grab) == ("hid", ("enter", "kpenter"), True)


def test_a_serial_scanner_takes_line_settings():
    config = config_from(
        "back", {"path": "/dev/serial/by-id/x", "protocol": "serial", "baud": 115200}
    )
    assert (config.baud, config.suffix, config.parity) == (115200, "cr", "N")


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({}, "path"),
        ({"path": BY_ID, "baud": "fast"}, "baud"),
        ({"path": BY_ID, "protocol": "usb"}, "protocol"),
        ({"path": BY_ID, "terminators": ["space"]}, "terminators"),
        ({"path": BY_ID, "suffix": "nul"}, "suffix"),
        ({"path": BY_ID, "colour": "red"}, "colour"),
        ({"path": BY_ID, "gs_substitute": "ab"}, "gs_substitute"),
        ({"path": BY_ID, "strip_prefixes": [""]}, "strip_prefixes"),
        ({"path": BY_ID, "rules": [{"prefix": "25", "kind": "litres"}]}, "rules.0.kind"),
    ],
)
def test_a_bad_key_is_named(table, key):
    with pytest.raises(ConfigError, match=rf"^{key}\b"):
        config_from("front", table)


def test_store_rules_replace_the_default_table():
    config = config_from("front", {"path": BY_ID, "rules": [{"prefix": "29", "kind": "weight_g"}]})
    assert [r.prefix for r in config.rules] == ["29"]

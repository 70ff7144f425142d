"""A printer's `[[devices]]` table: checked at load, each mistake named by its key."""

from __future__ import annotations

import pytest

from edge.devices.printer import PrinterConfig, config_from
from edge.errors import ConfigError


def test_a_network_printer_needs_only_its_address():
    config = config_from("receipt", {"family": "printer", "port": "192.168.1.50:9100"})
    assert config == PrinterConfig("receipt", port="192.168.1.50:9100")
    assert config.codepages == ("CP858", "CP437") and config.profile == "TM-T88V"


def test_every_key_of_a_full_table_is_kept():
    table = {
        "connection": "serial", "port": "/dev/serial/by-id/usb-EPSON_TM-T20-if00",
        "baud": 19200, "profile": "TM-T20II", "codepages": ["CP437"], "width": 48,
        "header": ["Corner Store"], "footer": ["Thank you"], "qr": False, "status": False,
        "timeout_s": 2, "poll_s": 10, "retry_first_s": 1, "retry_max_s": 60,
    }  # fmt: skip
    config = config_from("receipt", table)
    assert config.baud == 19200 and config.header == ("Corner Store",) and not config.qr
    assert config.timeout_s == 2.0 and isinstance(config.timeout_s, float)


@pytest.mark.parametrize(
    ("table", "key", "hint"),
    [
        ({}, "port", "needs a port"),
        ({"port": "printer.local"}, "port", "host:port"),
        ({"port": "x:9100", "connection": "bluetooth"}, "connection", "one of"),
        ({"port": "0x4b8", "connection": "usb"}, "port", "vid:pid"),
        ({"port": "x:9100", "codepages": ["CP999"]}, "codepages", "code pages"),
        ({"port": "x:9100", "codepages": "CP437"}, "codepages", "list of strings"),
        ({"port": "x:9100", "width": 200}, "width", "16 to 80"),
        ({"port": "x:9100", "timeout_s": 0}, "timeout_s", "positive"),
        ({"port": "x:9100", "qr": "yes"}, "qr", "true or false"),
        ({"port": "x:9100", "papper": 1}, "papper", "unknown key"),
        ({"port": "x:9100", "timezone": "India/Delhi"}, "timezone", "IANA"),
        ({"port": "x:9100", "retry_first_s": 9, "retry_max_s": 1}, "retry_first_s", "exceed"),
    ],
)
def test_a_bad_printer_table_names_its_key(table, key, hint):
    with pytest.raises(ConfigError, match=rf"devices\.receipt\.{key}: .*{hint}"):
        config_from("receipt", table)

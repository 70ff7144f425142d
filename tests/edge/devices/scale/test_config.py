"""ScaleConfig from a `[[devices]]` table: defaults, and errors that name the bad key."""

from __future__ import annotations

import pytest

from edge.devices.scale import FAMILY, ScaleConfig, config_from
from edge.errors import ConfigError


def test_a_minimal_table_gets_the_8217_line_settings():
    config = config_from(
        "scale-1", {"name": "scale-1", "family": FAMILY, "port": "/dev/serial/by-id/usb-scale"}
    )
    assert config == ScaleConfig(name="scale-1", port="/dev/serial/by-id/usb-scale")
    assert (config.protocol, config.baud, config.bytesize, config.parity) == (
        "toledo8217",
        9600,
        7,
        "E",
    )


def test_a_continuous_scale_defaults_to_8n1():
    config = config_from("s", {"port": "/dev/x", "protocol": "continuous"})
    assert (config.bytesize, config.parity) == (8, "N")


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({}, "port"),
        ({"port": "/dev/x", "protocol": "dibal"}, "protocol"),
        ({"port": "/dev/x", "baud": "9600"}, "baud"),
        ({"port": "/dev/x", "parity": "X"}, "parity"),
        ({"port": "/dev/x", "bytesize": 6}, "bytesize"),
        ({"port": "/dev/x", "stopbits": 3}, "stopbits"),
        ({"port": "/dev/x", "reply_timeout_s": 0}, "reply_timeout_s"),
        ({"port": "/dev/x", "timeout": 1}, "timeout"),
    ],
)
def test_a_bad_key_is_named(table, key):
    with pytest.raises(ConfigError, match=rf"^{key} \(device 'scale-1'\):"):
        config_from("scale-1", table)


def test_the_hub_config_builds_a_scale_from_its_devices_table(tmp_path):
    from edge.config import load_config

    table = {"name": "deli", "family": "scale", "port": "/dev/serial/by-id/usb-Mettler-if00",
             "protocol": "nci"}  # fmt: skip
    config = load_config(
        env={},
        overrides={"hub": {"id": "till-1"}, "store": {"db_path": str(tmp_path / "hub.db")},
                   "devices": [table]},
    )  # fmt: skip
    assert config.devices == (ScaleConfig(name="deli", port=table["port"], protocol="nci"),)


def test_a_bad_scale_key_is_named_under_its_devices_entry(tmp_path):
    from edge.config import load_config

    table = {"name": "deli", "family": "scale", "port": "/dev/x", "protocol": "dibal"}
    with pytest.raises(ConfigError, match=r"devices\[0\]\.protocol"):
        load_config(env={}, overrides={"hub": {"id": "till-1"}, "devices": [table]})

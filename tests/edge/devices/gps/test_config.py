"""GpsConfig from a `[[devices]]` table: defaults, and errors that name the bad key."""

from __future__ import annotations

import pytest

from edge.devices.gps import FAMILY, GpsConfig, config_from
from edge.errors import ConfigError


def test_a_minimal_table_gets_the_defaults():
    table = {"name": "van-gps", "family": FAMILY, "port": "/dev/serial/by-id/usb-u-blox"}
    assert config_from("van-gps", table) == GpsConfig(name="van-gps", port=table["port"])


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({}, "port"),
        ({"port": "/dev/x", "baud": 0}, "baud"),
        ({"port": "/dev/x", "min_distance_m": -1}, "min_distance_m"),
        ({"port": "/dev/x", "min_interval_s": 90}, "max_interval_s"),
        ({"port": "/dev/x", "silent_after_s": 0}, "silent_after_s"),
        ({"port": "/dev/x", "speed": 1}, "speed"),
    ],
)
def test_a_bad_key_is_named(table, key):
    with pytest.raises(ConfigError, match=rf"^{key} \(device 'van-gps'\):"):
        config_from("van-gps", table)

"""The hub config: defaults, a TOML file, environment variables and overrides, checked at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import HubConfig, load_config
from edge.errors import ConfigError

MINIMAL = {"hub": {"id": "till-1"}}


def test_defaults_fill_every_section_but_the_hub_id():
    config = load_config(env={}, overrides=MINIMAL)
    assert isinstance(config, HubConfig)
    assert config.hub.location == "till-1"  # An unset location is the hub id.
    assert config.hub.currency == "INR" and config.hub.tax_inclusive is True
    assert config.store.db_path == "/var/lib/shopfloor/hub.db"
    assert (config.http.host, config.http.port) == ("127.0.0.1", 8080)
    assert config.mqtt.port == 1883 and config.mqtt.session_expiry_s == 7 * 24 * 3600
    assert config.sync.batch_max_events == 500 and config.sync.batch_max_bytes == 512 * 1024
    assert config.sync.resend_after_s == 10.0
    assert config.till.cashier == "till"


def test_the_hub_id_is_required():
    with pytest.raises(ConfigError, match="hub.id is required"):
        load_config(env={})


def test_layers_override_in_order_file_env_overrides(tmp_path: Path):
    path = tmp_path / "hub.toml"
    path.write_text(
        '[hub]\nid = "till-7"\nlocation = "store-3"\ntax_inclusive = false\n'
        '[mqtt]\nhost = "broker.example"\nport = 8883\ntls = true\n'
        "[sync]\nresend_after_s = 5\n"
    )
    env = {"SHOPFLOOR_HUB_MQTT_PORT": "1884", "SHOPFLOOR_HUB_TILL_CASHIER": "asha"}
    config = load_config(path, env=env, overrides={"till": {"cashier": "ravi"}})
    assert config.hub.id == "till-7" and config.hub.location == "store-3"
    assert config.hub.tax_inclusive is False
    assert config.mqtt.host == "broker.example" and config.mqtt.tls is True
    assert config.mqtt.port == 1884  # The environment beats the file...
    assert config.till.cashier == "ravi"  # ...and explicit overrides beat the environment.
    assert config.sync.resend_after_s == 5.0  # An integer is a fine float.


def test_environment_values_are_converted_to_the_field_type():
    env = {
        "SHOPFLOOR_HUB_HUB_ID": "van-2",
        "SHOPFLOOR_HUB_HUB_TAX_INCLUSIVE": "no",
        "SHOPFLOOR_HUB_STORE_DB_PATH": "/tmp/x.db",
        "SHOPFLOOR_HUB_SYNC_POLL_S": "0.5",
        "SHOPFLOOR_HUB_CONFIG": "/etc/shopfloor/hub.toml",  # Names the file; not a key.
    }
    config = load_config(env=env)
    assert config.hub.id == "van-2" and config.hub.tax_inclusive is False
    assert config.store.db_path == "/tmp/x.db" and config.sync.poll_s == 0.5


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"mqtt": {"port": "1883"}}, r"mqtt.port = '1883' from overrides is not an integer"),
        ({"mqtt": {"port": 1883.0}}, r"mqtt.port = 1883.0 from overrides is not an integer"),
        ({"hub": {"tax_inclusive": 1}}, r"hub.tax_inclusive = 1 .* is not a boolean"),
        ({"http": {"port": True}}, r"http.port = True .* is not an integer"),
        ({"mqtt": {"prot": 1}}, r"unknown config key mqtt.prot in overrides"),
        ({"mqtts": {"port": 1}}, r"unknown config section \[mqtts\]"),
        ({"hub": {"id": "Till_1"}}, r"hub.id = 'Till_1' is invalid"),
        ({"hub": {"id": "till/1"}}, r"hub.id = 'till/1' is invalid"),
        ({"hub": {"currency": "rupees"}}, r"hub.currency = 'rupees' is invalid"),
        ({"sync": {"batch_max_bytes": 2_000_000}}, r"sync.batch_max_bytes = 2000000 is invalid"),
        ({"sync": {"batch_max_events": 0}}, r"sync.batch_max_events = 0 is invalid"),
        ({"mqtt": {"port": 70000}}, r"mqtt.port = 70000 is invalid"),
    ],
)
def test_a_bad_value_is_refused_naming_the_key_and_value(source, message):
    overrides = {"hub": {"id": "till-1"}}
    for section, values in source.items():
        overrides.setdefault(section, {}).update(values)
    with pytest.raises(ConfigError, match=message):
        load_config(env={}, overrides=overrides)


def test_an_unknown_environment_variable_is_named():
    with pytest.raises(ConfigError, match="SHOPFLOOR_HUB_MQTT_HOTS"):
        load_config(env={"SHOPFLOOR_HUB_MQTT_HOTS": "x"}, overrides=MINIMAL)
    with pytest.raises(ConfigError, match="SHOPFLOOR_HUB_BROKER_HOST names no config section"):
        load_config(env={"SHOPFLOOR_HUB_BROKER_HOST": "x"}, overrides=MINIMAL)


def test_a_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="from SHOPFLOOR_HUB_HTTP_PORT is not an integer"):
        load_config(env={"SHOPFLOOR_HUB_HTTP_PORT": "eighty"}, overrides=MINIMAL)


def test_a_password_never_appears_in_an_error(tmp_path: Path):
    path = tmp_path / "hub.toml"
    path.write_text('[hub]\nid = "till-1"\n[mqtt]\npassword = 123456789\n')
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert "mqtt.password" in str(err.value) and "123456789" not in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_config(env={}, overrides={"hub": {"id": "t"}, "mqtt": {"password": "s3cret!"}})
    assert "mqtt.password" in str(err.value) and "s3cret!" not in str(err.value)


def test_a_missing_or_broken_file_is_named(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", env={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[hub\nid = 1\n")
    with pytest.raises(ConfigError, match="broken.toml' is not valid TOML"):
        load_config(broken, env={})

"""Settings come from defaults, a TOML file, the environment and overrides, checked at load."""

from __future__ import annotations

import pytest

from cloud.config import load_config
from cloud.errors import ConfigError


def test_defaults_keep_the_api_on_loopback_and_the_database_in_a_local_file(tmp_path):
    config = load_config(env={}, overrides={"data_dir": str(tmp_path)})

    assert (config.api.host, config.api.port) == ("127.0.0.1", 8000)
    assert config.database.url == f"sqlite:///{tmp_path / 'cloud.db'}"
    assert config.ingest.clock_skew_flag_s == 120


def test_each_layer_overrides_the_one_before(tmp_path):
    file = tmp_path / "cloud.toml"
    file.write_text(
        '[mqtt]\nhost = "broker.example"\nport = 8883\ntls = true\n[api]\nport = 9000\n'
    )

    config = load_config(
        file,
        env={"SHOPFLOOR_CLOUD_MQTT_PORT": "8884", "SHOPFLOOR_CLOUD_INGEST_THREADS": "4"},
        overrides={"api.port": 9100, "ingest": {"threads": None}},  # None: flag not given.
    )

    assert (config.mqtt.host, config.mqtt.port, config.mqtt.tls) == ("broker.example", 8884, True)
    assert config.api.port == 9100
    assert config.ingest.threads == 4


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://shop@db/cloud", "postgresql+psycopg2://shop@db/cloud"),
        ("postgresql://shop@db/cloud", "postgresql+psycopg2://shop@db/cloud"),
        ("sqlite:////srv/cloud.db", "sqlite:////srv/cloud.db"),
    ],
)
def test_database_url_names_the_database(url, expected):
    assert load_config(env={"DATABASE_URL": url}).database.url == expected


def test_the_cloud_setting_wins_over_database_url():
    env = {
        "DATABASE_URL": "postgresql://a@h/x",
        "SHOPFLOOR_CLOUD_DATABASE_URL": "postgresql://b@h/y",
    }
    assert load_config(env=env).database.url == "postgresql+psycopg2://b@h/y"


@pytest.mark.parametrize(
    ("env", "overrides", "message"),
    [
        ({"SHOPFLOOR_CLOUD_MQTT_HOTS": "x"}, {}, "mqtt.hots (from SHOPFLOOR_CLOUD_MQTT_HOTS)"),
        ({"SHOPFLOOR_CLOUD_API_PORT": "eighty"}, {}, "api.port (from SHOPFLOOR_CLOUD_API_PORT)"),
        ({}, {"api.port": 70000}, "api.port must be 1 to 65535"),
        ({}, {"ingest.threads": 0}, "ingest.threads"),
        ({}, {"ingest.clock_skew_flag_s": -1}, "ingest.clock_skew_flag_s"),
        ({}, {"mqtt.tls": "yes"}, "mqtt.tls must be true or false"),
        ({"DATABASE_URL": "mysql://u@h/db"}, {}, "names 'mysql'"),
        ({}, {"mqtt.password": "secret"}, "mqtt.password is set but mqtt.username is not"),
    ],
)
def test_a_bad_setting_is_refused_by_name(env, overrides, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(env=env, overrides=overrides)


def test_an_unknown_key_in_the_file_is_named_with_the_file(tmp_path):
    file = tmp_path / "cloud.toml"
    file.write_text("[ingest]\nthreds = 2\n")

    with pytest.raises(ConfigError, match=r"ingest.threds \(from .*cloud.toml\) is not a setting"):
        load_config(file, env={})


def test_passwords_never_show_in_messages_or_reprs():
    config = load_config(
        env={"DATABASE_URL": "postgresql://shop:hunter2@db/cloud"},
        overrides={"mqtt": {"username": "cloud", "password": "s3cret"}},
    )
    assert "hunter2" not in repr(config) and "s3cret" not in repr(config)
    assert "hunter2" not in config.database.safe_url

    with pytest.raises(ConfigError) as err:
        load_config(env={"DATABASE_URL": "mysql://shop:hunter2@db/cloud"})
    assert "hunter2" not in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_config(env={}, overrides={"mqtt": {"username": "u", "password": 1234}})
    assert "1234" not in str(err.value)

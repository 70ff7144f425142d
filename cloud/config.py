"""Cloud settings: one dataclass per section, loaded from defaults, a TOML file and environment.

Layers, each overriding the one before: the defaults below, a TOML file (`--config FILE` or
`SHOPFLOOR_CLOUD_CONFIG`), `DATABASE_URL`, `SHOPFLOOR_CLOUD_<SECTION>_<KEY>` environment
variables (`SHOPFLOOR_CLOUD_MQTT_HOST`), and explicit overrides (tests, command-line flags).
Everything is checked once, here, naming the bad key.
"""

from __future__ import annotations

import logging
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .errors import ConfigError

log = logging.getLogger(__name__)

ENV_PREFIX = "SHOPFLOOR_CLOUD_"
CONFIG_FILE_ENV = "SHOPFLOOR_CLOUD_CONFIG"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(repr=False)
class DatabaseConfig:
    """Where the cloud keeps its ledger: PostgreSQL in production, an SQLite file otherwise."""

    url: str = ""  # Empty: `cloud.db` in data_dir. The URL may hold a password; log safe_url.
    pool_size: int = 5
    echo: bool = False  # Log every SQL statement (debugging only).

    def __repr__(self) -> str:
        return (
            f"DatabaseConfig(url={self.safe_url!r}, pool_size={self.pool_size}, echo={self.echo})"
        )

    @property
    def safe_url(self) -> str:
        """The URL with any password replaced by ***, fit for logs and messages."""
        return safe_url(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@dataclass
class MqttConfig:
    """The broker the hubs publish to; ingest workers and publishers connect here."""

    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    ca_file: str | None = None  # With tls: a CA bundle; None trusts the system's CAs.
    keepalive_s: int = 30
    client_id: str = "shopfloor-cloud"  # Each process appends its own suffix.
    connect_timeout_s: float = 10.0


@dataclass
class ApiConfig:
    """The HTTP API. No authentication until roles arrive, so it listens on loopback only."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2


@dataclass
class IngestConfig:
    """How ingest workers store hub batches."""

    clock_skew_flag_s: float = 120.0  # Flag a hub whose clock is further off than this.
    threads: int = 1  # Database threads per worker. To use more cores, run more workers.
    queue_size: int = 16  # Messages held between the MQTT thread and the database threads.
    retry_s: float = 5.0  # Wait before retrying a message after the database was unreachable.


@dataclass
class CloudConfig:
    """Every cloud setting; `load_config` builds and checks one."""

    data_dir: str = "var"  # Holds the SQLite database when no database URL is given.
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)


SECTIONS = ("database", "mqtt", "api", "ingest")


def safe_url(url: str) -> str:
    """Return `url` with its password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database url>"


def load_config(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> CloudConfig:
    """Build the settings from defaults, the TOML file, the environment and `overrides`.

    `overrides` maps a section to its keys (`{"database": {"url": ...}}`) or dotted keys
    (`{"database.url": ...}`) to values; a None value leaves the setting alone, so
    command-line flags that were not given can be passed straight through.
    """
    env = os.environ if env is None else env
    config = CloudConfig()
    path = path or env.get(CONFIG_FILE_ENV)
    if path:
        _apply(config, _read_file(Path(path)), source=str(path))
    database_url = env.get("DATABASE_URL")
    if database_url:
        _apply(config, {"database": {"url": database_url}}, source="DATABASE_URL")
    _apply(config, _from_env(env), source="environment")
    if overrides:
        _apply(config, _nest(overrides), source="overrides")
    _finish(config)
    return config


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {err}") from None


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """Collect SHOPFLOOR_CLOUD_* variables; `SHOPFLOOR_CLOUD_MQTT_HOST` sets mqtt.host."""
    found: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_FILE_ENV:
            continue
        key = name.removeprefix(ENV_PREFIX).lower()
        section = next((s for s in SECTIONS if key.startswith(s + "_")), None)
        if section is None:
            found[key] = _EnvText(name, raw)
        else:
            found.setdefault(section, {})[key.removeprefix(section + "_")] = _EnvText(name, raw)
    return found


@dataclass(frozen=True)
class _EnvText:
    """A value from the environment: text to convert to the setting's type."""

    name: str
    text: str


def _nest(overrides: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in overrides.items():
        if isinstance(value, Mapping):
            for sub, sub_value in value.items():
                nested.setdefault(key, {})[sub] = sub_value
        elif "." in key:
            section, _, sub = key.partition(".")
            nested.setdefault(section, {})[sub] = value
        else:
            nested[key] = value
    return {
        k: ({s: x for s, x in v.items() if x is not None} if isinstance(v, dict) else v)
        for k, v in nested.items()
        if v is not None
    }


def _apply(config: CloudConfig, values: Mapping[str, Any], *, source: str) -> None:
    for key, value in values.items():
        if key in SECTIONS:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{key} in {source} must be a table of settings, got {value!r}")
            section = getattr(config, key)
            for sub, sub_value in value.items():
                _set(section, sub, sub_value, dotted=f"{key}.{sub}", source=source)
        else:
            _set(config, key, value, dotted=key, source=source)


def _set(target: object, key: str, value: Any, *, dotted: str, source: str) -> None:
    hints = typing.get_type_hints(type(target))
    if key not in hints or key in SECTIONS:
        known = ", ".join(sorted(k for k in hints if k not in SECTIONS))
        where = value.name if isinstance(value, _EnvText) else source
        raise ConfigError(f"{dotted} (from {where}) is not a setting; known here: {known}")
    setattr(target, key, _convert(value, hints[key], dotted))


def _convert(value: Any, hint: Any, dotted: str) -> Any:
    """Return `value` as the setting's type, or raise ConfigError naming the setting."""
    optional = isinstance(hint, types.UnionType) and type(None) in typing.get_args(hint)
    base = next(a for a in typing.get_args(hint) if a is not type(None)) if optional else hint
    if isinstance(value, _EnvText):
        text = value.text.strip()
        if optional and text == "":
            return None
        try:
            if base is bool:
                if text.lower() not in _BOOLS:
                    raise ValueError(text)
                return _BOOLS[text.lower()]
            return base(text)
        except ValueError:
            raise ConfigError(
                f"{dotted} (from {value.name}) must be {_TYPE_NAMES[base]}, got {value.text!r}"
            ) from None
    if value is None and optional:
        return None
    ok = isinstance(value, base) and not (base is int and isinstance(value, bool))
    if base is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not ok:
        shown = "***" if "password" in dotted else repr(value)
        raise ConfigError(f"{dotted} must be {_TYPE_NAMES[base]}, got {shown}")
    return value


_BOOLS = {"1": True, "true": True, "yes": True, "on": True,
          "0": False, "false": False, "no": False, "off": False}  # fmt: skip
_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "text"}


def _finish(config: CloudConfig) -> None:
    """Fill in derived defaults and check every setting's range."""
    config.data_dir = str(Path(config.data_dir).expanduser().resolve())
    db = config.database
    if not db.url:
        db.url = f"sqlite:///{Path(config.data_dir) / 'cloud.db'}"
    db.url = normalise_database_url(db.url)
    if db.pool_size < 1:
        raise ConfigError(f"database.pool_size must be at least 1, got {db.pool_size}")
    mqtt = config.mqtt
    _check_port("mqtt.port", mqtt.port)
    if not mqtt.host:
        raise ConfigError("mqtt.host is empty; name the broker's host, e.g. 127.0.0.1")
    if mqtt.password is not None and not mqtt.username:
        raise ConfigError("mqtt.password is set but mqtt.username is not; set both or neither")
    if mqtt.ca_file and not Path(mqtt.ca_file).is_file():
        raise ConfigError(f"mqtt.ca_file {mqtt.ca_file!r} is not a file")
    if mqtt.ca_file and not mqtt.tls:
        raise ConfigError("mqtt.ca_file is set but mqtt.tls is false; set mqtt.tls = true")
    if mqtt.keepalive_s < 5:
        raise ConfigError(f"mqtt.keepalive_s must be at least 5, got {mqtt.keepalive_s}")
    if mqtt.connect_timeout_s <= 0:
        raise ConfigError("mqtt.connect_timeout_s must be positive")
    _check_port("api.port", config.api.port)
    if config.api.workers < 1:
        raise ConfigError(f"api.workers must be at least 1, got {config.api.workers}")
    ingest = config.ingest
    if ingest.clock_skew_flag_s <= 0:
        raise ConfigError(
            f"ingest.clock_skew_flag_s must be positive, got {ingest.clock_skew_flag_s}"
        )
    if not 1 <= ingest.threads <= 64:
        raise ConfigError(f"ingest.threads must be 1 to 64, got {ingest.threads}")
    if ingest.queue_size < 1:
        raise ConfigError(f"ingest.queue_size must be at least 1, got {ingest.queue_size}")
    if ingest.retry_s <= 0:
        raise ConfigError(f"ingest.retry_s must be positive, got {ingest.retry_s}")


def _check_port(name: str, port: int) -> None:
    if not 1 <= port <= 65535:
        raise ConfigError(f"{name} must be 1 to 65535, got {port}")


def normalise_database_url(url: str) -> str:
    """Check that `url` names PostgreSQL or SQLite and pin PostgreSQL to psycopg2.

    `postgres://` (as Heroku-style providers write it) and `postgresql://` both become
    `postgresql+psycopg2://`, the driver the fast ingest path is written for.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"database.url {safe_url(url)!r} is not a database URL; "
            "expected postgresql://user@host/db or sqlite:///path/to/file.db"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        if driver not in ("", "psycopg2"):
            raise ConfigError(
                f"database.url {safe_url(url)!r} asks for driver {driver!r}; "
                "the cloud uses psycopg2 (postgresql+psycopg2://)"
            )
        return parsed.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
    if backend == "sqlite":
        return url
    raise ConfigError(
        f"database.url {safe_url(url)!r} names {backend!r}; the cloud runs on PostgreSQL "
        "(postgresql://...) or SQLite (sqlite:///file.db)"
    )


def warn_if_exposed(config: CloudConfig) -> None:
    """Log a warning when the API, which has no authentication yet, listens beyond loopback."""
    if config.api.host not in LOOPBACK_HOSTS:
        log.warning(
            "api.host is %s: the API has no authentication yet, so anyone who can reach this "
            "address can change the catalog; keep it on 127.0.0.1 behind a proxy",
            config.api.host,
        )

"""The hub's config: one dataclass per section, loaded from defaults, a TOML file, env, overrides.

Layers, each overriding the one before: the defaults below, a TOML file with one table per
section (`[hub]`, `[mqtt]`, ...), `SHOPFLOOR_HUB_<SECTION>_<KEY>` environment variables (for
example `SHOPFLOOR_HUB_MQTT_PORT=1884`), and explicit overrides (a dict of sections, for tests
and command-line flags). Everything is checked at load; a `ConfigError` names the bad key, the
value and where it came from, except for secrets, whose value is never shown.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protocols import MAX_BATCH_BYTES, MAX_EVENTS_PER_BATCH
from protocols.events import Code, HubId

from . import __version__
from .errors import ConfigError

ENV_PREFIX = "SHOPFLOOR_HUB_"
# Names the config file for the command line; it is not a config key.
ENV_CONFIG_FILE = "SHOPFLOOR_HUB_CONFIG"
SECRET_KEYS = frozenset({"mqtt.password"})

_HUB_ID = re.compile(HubId.__metadata__[0].pattern)
_CODE = re.compile(Code.__metadata__[0].pattern)
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class HubSection:
    """Who this hub is and how it sells."""

    id: str = ""  # Required: the MQTT client id and topic level, e.g. "till-1".
    location: str = ""  # Location code for stock and sales; empty means the hub id.
    currency: str = "INR"  # ISO 4217 code of every price and payment.
    tax_inclusive: bool = True  # Whether catalog prices include tax.
    software: str = __version__  # Announced in the hub's status.


@dataclass(frozen=True)
class StoreSection:
    """Where the hub keeps its SQLite database."""

    db_path: str = "/var/lib/shopfloor/hub.db"
    busy_timeout_s: float = 5.0  # How long a writer waits for another one before failing.


@dataclass(frozen=True)
class HttpSection:
    """The local web API and till UI, served by waitress."""

    host: str = "127.0.0.1"
    port: int = 8080
    threads: int = 4


@dataclass(frozen=True)
class MqttSection:
    """The hub's link to the broker (MQTT 5, persistent session)."""

    host: str = "localhost"
    port: int = 1883
    username: str = ""  # Empty means anonymous.
    password: str = ""
    tls: bool = False
    ca_file: str = ""  # CA bundle for TLS; empty means the system's.
    keepalive_s: int = 60
    session_expiry_s: int = 7 * 24 * 3600  # The broker keeps commands this long while away.
    reconnect_min_s: int = 1  # Reconnect backoff doubles from here...
    reconnect_max_s: int = 30  # ...up to here, and resets after a good connection.


@dataclass(frozen=True)
class SyncSection:
    """How the outbox is sent: batch sizes, window and resend timer."""

    batch_max_events: int = 500
    batch_max_bytes: int = 512 * 1024
    max_inflight_batches: int = 4  # Batches published but not yet acknowledged by the broker.
    resend_after_s: float = 10.0  # Resend from the watermark when the ack has not moved.
    poll_s: float = 0.25  # How often the publisher looks for new outbox rows.
    # How often a connected hub refreshes its retained status, so the cloud's view of its
    # last seq (its backlog) and of its clock stays current.
    status_every_s: float = 60.0


@dataclass(frozen=True)
class TillSection:
    """Defaults for sales rung up at this hub."""

    cashier: str = "till"  # Used when a checkout names no cashier.


@dataclass(frozen=True)
class HubConfig:
    """The whole hub config, one attribute per section."""

    hub: HubSection = field(default_factory=HubSection)
    store: StoreSection = field(default_factory=StoreSection)
    http: HttpSection = field(default_factory=HttpSection)
    mqtt: MqttSection = field(default_factory=MqttSection)
    sync: SyncSection = field(default_factory=SyncSection)
    till: TillSection = field(default_factory=TillSection)
    # One family config (ScannerConfig, ScaleConfig, ...) per `[[devices]]` table, in order.
    devices: tuple[Any, ...] = ()


SECTIONS: dict[str, type] = {
    f.name: f.default_factory for f in dataclasses.fields(HubConfig) if f.name != "devices"
}


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> HubConfig:
    """Build the hub config from defaults, `path` (TOML), `env` and `overrides`, then check it.

    `env` defaults to `os.environ`; pass `{}` to ignore the environment. Raises ConfigError.
    """
    layers: dict[str, dict[str, tuple[Any, str, bool]]] = {name: {} for name in SECTIONS}
    device_tables: tuple[Any, str] = ([], "")
    if path is not None:
        data = _read_toml(Path(path))
        if "devices" in data:
            device_tables = (data.pop("devices"), str(path))
        _add_layer(layers, data, str(path), text=False)
    _add_layer(layers, _env_sections(os.environ if env is None else env), "", text=True)
    if overrides:
        overrides = dict(overrides)
        if "devices" in overrides:
            device_tables = (overrides.pop("devices"), "overrides")
        _add_layer(layers, overrides, "overrides", text=False)
    sections = {}
    for name, cls in SECTIONS.items():
        hints = typing.get_type_hints(cls)
        values = {
            key: _coerce(f"{name}.{key}", value, hints[key], source, text)
            for key, (value, source, text) in layers[name].items()
        }
        sections[name] = cls(**values)
    config = HubConfig(**sections, devices=_load_devices(*device_tables))
    if not config.hub.location:
        config = dataclasses.replace(
            config, hub=dataclasses.replace(config.hub, location=config.hub.id)
        )
    _check(config)
    return config


def _load_devices(tables: Any, source: str) -> tuple[Any, ...]:
    """Check each `[[devices]]` table with its family's `config_from`, naming devices[i].key.

    A family is the package `edge.devices.<family>`, imported only when a table names it, so
    families stay independent of each other.
    """
    import importlib

    if not isinstance(tables, list):
        raise ConfigError(f"devices in {source} must be an array of tables ([[devices]])")
    devices, names = [], set()
    for i, table in enumerate(tables):
        where = f"devices[{i}]"
        if not isinstance(table, Mapping):
            raise ConfigError(f"config key {where} in {source} must be a table")
        name, family = table.get("name"), table.get("family")
        if not isinstance(name, str) or not _DEVICE_NAME.match(name):
            raise ConfigError(
                f"config key {where}.name = {name!r} in {source} is invalid: expected 1-40 "
                "lower-case letters, digits, '-' or '_'"
            )
        if name in names:
            raise ConfigError(f"config key {where}.name = {name!r} in {source} is used twice")
        names.add(name)
        if not isinstance(family, str) or not family.isidentifier():
            raise ConfigError(f"config key {where}.family = {family!r} in {source} is invalid")
        try:
            config_from = importlib.import_module(f"edge.devices.{family}").config_from
        except (ModuleNotFoundError, AttributeError) as err:
            if isinstance(err, ModuleNotFoundError) and err.name != f"edge.devices.{family}":
                raise  # The family exists but is broken: a bug, not a config mistake.
            raise ConfigError(
                f"config key {where}.family = {family!r} in {source} names no device family"
            ) from None
        try:
            device = config_from(name, table)
        except ConfigError as err:
            # A family names the key first ("baud = 'fast' is not ..."); put it under devices[i].
            text = str(err)
            key = re.match(r"^[a-z_][a-z0-9_.\[\]]*", text)
            if key and key[0].split(".")[0].split("[")[0] in table:
                raise ConfigError(f"config key {where}.{text} (in {source})") from None
            raise ConfigError(f"config key {where} ({name}) in {source}: {text}") from None
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(
                f"config key {where}.enabled = {enabled!r} in {source}: use true/false"
            )
        if not enabled:
            continue  # Checked like the others, so switching it back on cannot surprise.
        _warn_unstable(where, table)
        devices.append(device)
    return tuple(devices)


_DEVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_UNSTABLE_PATH = re.compile(r"^/dev/(tty(USB|ACM|S|AMA)\d+|input/event\d+|video\d+)$")


def _warn_unstable(where: str, table: Mapping[str, Any]) -> None:
    """Warn about device paths that can change on replug (style.md 6); they still work."""
    import logging

    for key in ("path", "port"):
        value = table.get(key)
        if isinstance(value, str) and _UNSTABLE_PATH.match(value):
            stable = "/dev/input/by-id/" if "/input/" in value else "/dev/serial/by-id/"
            if value.startswith("/dev/video"):
                stable = "/dev/v4l/by-id/"
            logging.getLogger(__name__).warning(
                "config key %s.%s = %r can change on replug; use its %s path",
                where,
                key,
                value,
                stable,
            )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist") from None
    except OSError as err:
        raise ConfigError(f"config file {str(path)!r} cannot be read: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {err}") from None


def _env_sections(env: Mapping[str, str]) -> dict[str, dict[str, tuple[str, str]]]:
    """Group SHOPFLOOR_HUB_<SECTION>_<KEY> variables by section, remembering each name."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_CONFIG_FILE:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("_")
        if section not in SECTIONS or not key:
            raise ConfigError(
                f"environment variable {name} names no config section "
                f"(expected {ENV_PREFIX}<SECTION>_<KEY> with SECTION one of "
                f"{', '.join(s.upper() for s in SECTIONS)})"
            )
        found.setdefault(section, {})[key] = (value, name)
    return found


def _add_layer(
    layers: dict[str, dict[str, tuple[Any, str, bool]]],
    data: Mapping[str, Any],
    source: str,
    *,
    text: bool,
) -> None:
    for section, table in data.items():
        if section not in SECTIONS:
            raise ConfigError(
                f"unknown config section [{section}] in {source} (known: {', '.join(SECTIONS)})"
            )
        if not isinstance(table, Mapping):
            raise ConfigError(f"config section [{section}] in {source} must be a table")
        known = {f.name for f in dataclasses.fields(SECTIONS[section])}
        for key, value in table.items():
            where = value[1] if text else source
            if key not in known:
                raise ConfigError(
                    f"unknown config key {section}.{key} in {where} "
                    f"(known in [{section}]: {', '.join(sorted(known))})"
                )
            layers[section][key] = (value[0], where, True) if text else (value, source, False)


def _shown(key: str, value: Any) -> str:
    return "(hidden)" if key in SECRET_KEYS else repr(value)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(key: str, value: Any, kind: Any, source: str, text: bool) -> Any:
    """Return `value` as `kind`; env values are text, file values must already have the type."""
    bad = f"config key {key} = {_shown(key, value)} from {source}"
    if kind is bool:
        if text and str(value).lower() in _TRUE | _FALSE:
            return str(value).lower() in _TRUE
        if not text and isinstance(value, bool):
            return value
        raise ConfigError(f"{bad} is not a boolean (use true or false)")
    if kind is int:
        if text:
            try:
                return int(value)
            except ValueError:
                pass
        elif isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{bad} is not an integer")
    if kind is float:
        if text:
            try:
                return float(value)
            except ValueError:
                pass
        elif isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{bad} is not a number")
    if isinstance(value, str):
        return value
    raise ConfigError(f"{bad} is not a string")


def _check(config: HubConfig) -> None:
    """Refuse values that would only fail later, naming the key and the rule."""
    hub, http, mqtt, sync = config.hub, config.http, config.mqtt, config.sync
    if not hub.id:
        raise ConfigError('config key hub.id is required (for example id = "till-1")')
    rules: list[tuple[bool, str, Any, str]] = [
        (
            bool(_HUB_ID.match(hub.id)),
            "hub.id",
            hub.id,
            "1-63 lower-case letters, digits and '-', starting with a letter or digit",
        ),
        (bool(_CODE.match(hub.location)), "hub.location", hub.location, "1-64 printable ASCII"),
        (bool(_CURRENCY.match(hub.currency)), "hub.currency", hub.currency, "an ISO 4217 code"),
        (1 <= len(hub.software) <= 40, "hub.software", hub.software, "1-40 characters"),
        (bool(config.store.db_path), "store.db_path", config.store.db_path, "a file path"),
        (
            config.store.busy_timeout_s > 0,
            "store.busy_timeout_s",
            config.store.busy_timeout_s,
            "a positive number of seconds",
        ),
        (0 <= http.port <= 65535, "http.port", http.port, "a TCP port (0 picks a free one)"),
        (1 <= http.threads <= 64, "http.threads", http.threads, "between 1 and 64"),
        (bool(mqtt.host), "mqtt.host", mqtt.host, "a host name or address"),
        (1 <= mqtt.port <= 65535, "mqtt.port", mqtt.port, "a TCP port"),
        (mqtt.keepalive_s >= 5, "mqtt.keepalive_s", mqtt.keepalive_s, "at least 5 seconds"),
        (
            0 <= mqtt.session_expiry_s <= 2**32 - 1,
            "mqtt.session_expiry_s",
            mqtt.session_expiry_s,
            "0 to 4294967295 seconds",
        ),
        (
            mqtt.reconnect_min_s >= 1,
            "mqtt.reconnect_min_s",
            mqtt.reconnect_min_s,
            "at least 1 second",
        ),
        (
            mqtt.reconnect_max_s >= mqtt.reconnect_min_s,
            "mqtt.reconnect_max_s",
            mqtt.reconnect_max_s,
            "at least mqtt.reconnect_min_s",
        ),
        (
            not mqtt.password or bool(mqtt.username),
            "mqtt.password",
            None,
            "set only together with mqtt.username",
        ),
        (
            1 <= sync.batch_max_events <= MAX_EVENTS_PER_BATCH,
            "sync.batch_max_events",
            sync.batch_max_events,
            f"between 1 and {MAX_EVENTS_PER_BATCH} (the contract's limit)",
        ),
        (
            4096 <= sync.batch_max_bytes <= MAX_BATCH_BYTES,
            "sync.batch_max_bytes",
            sync.batch_max_bytes,
            f"between 4096 and {MAX_BATCH_BYTES} (the contract's limit)",
        ),
        (
            1 <= sync.max_inflight_batches <= 100,
            "sync.max_inflight_batches",
            sync.max_inflight_batches,
            "between 1 and 100",
        ),
        (
            sync.resend_after_s > 0,
            "sync.resend_after_s",
            sync.resend_after_s,
            "a positive number of seconds",
        ),
        (0 < sync.poll_s <= 60, "sync.poll_s", sync.poll_s, "between 0 and 60 seconds"),
        (
            sync.status_every_s >= 1,
            "sync.status_every_s",
            sync.status_every_s,
            "at least 1 second",
        ),
        (
            1 <= len(config.till.cashier) <= 200,
            "till.cashier",
            config.till.cashier,
            "1-200 characters",
        ),
    ]
    for ok, key, value, expected in rules:
        if not ok:
            shown = "" if value is None else f" = {_shown(key, value)}"
            raise ConfigError(f"config key {key}{shown} is invalid: expected {expected}")

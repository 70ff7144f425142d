"""`shopfloor hub ...`: run a hub, create its database, show its sync state, receive stock.

Heavy modules (Flask, paho, waitress) are imported inside the handlers, so `--help` and the
cloud's commands stay fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from .config import ENV_CONFIG_FILE

DEFAULT_CONFIG = "/etc/shopfloor/hub.toml"


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `hub` command group to the `shopfloor` parser's subparsers."""
    hub = subparsers.add_parser(
        "hub",
        help="run and inspect a hub (till, warehouse or van)",
        description=(
            "Run and inspect a shopfloor hub. Config is read from --config (default "
            f"${ENV_CONFIG_FILE}, else {DEFAULT_CONFIG} if it exists), then from "
            "SHOPFLOOR_HUB_<SECTION>_<KEY> environment variables, then from the flags."
        ),
    )
    commands = hub.add_subparsers(dest="hub_command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the hub: web API, MQTT sync and the local database",
        description="Run the hub until SIGTERM or SIGINT (Ctrl-C), then stop cleanly.",
    )
    _common(run)
    run.add_argument("--http-port", type=int, metavar="PORT", help="override http.port")
    run.add_argument("--mqtt-host", metavar="HOST", help="override mqtt.host")
    run.add_argument("--mqtt-port", type=int, metavar="PORT", help="override mqtt.port")
    run.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level (default INFO)",
    )
    run.set_defaults(func=_run)

    init = commands.add_parser(
        "init",
        help="create or migrate the hub's database",
        description="Create the hub's SQLite database, or bring its schema up to date.",
    )
    _common(init)
    init.set_defaults(func=_init)

    status = commands.add_parser(
        "status",
        help="show the outbox and sync state",
        description=(
            "Show the last seq assigned, the cloud's ack, the outbox depth, whether the MQTT "
            "link was up when last seen and the catalog version."
        ),
    )
    _common(status)
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(func=_status)

    receive = commands.add_parser(
        "receive",
        help="record a stock receipt (for example opening stock)",
        description=(
            "Record QTY base units of SKU received at this hub (pieces, or grams for a "
            "product sold by weight). The movement reaches the cloud as a stock.moved event."
        ),
    )
    _common(receive)
    receive.add_argument("sku", metavar="SKU", help="the product's SKU")
    receive.add_argument("qty", metavar="QTY", type=int, help="a positive whole number")
    receive.add_argument("--lot", help="lot or batch number")
    receive.add_argument("--reference", help="delivery note or supplier invoice number")
    receive.set_defaults(func=_receive)
    return hub


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=os.environ.get(ENV_CONFIG_FILE),
        help=f"hub config (TOML); default ${ENV_CONFIG_FILE}, else {DEFAULT_CONFIG}",
    )
    parser.add_argument("--db", metavar="PATH", help="override store.db_path")


def _load(args: argparse.Namespace) -> Any:
    from .config import load_config

    overrides: dict[str, dict[str, Any]] = {}
    if args.db:
        overrides.setdefault("store", {})["db_path"] = args.db
    for flag, section, key in (
        ("http_port", "http", "port"),
        ("mqtt_host", "mqtt", "host"),
        ("mqtt_port", "mqtt", "port"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            overrides.setdefault(section, {})[key] = value
    path = args.config
    if path is None and os.path.exists(DEFAULT_CONFIG):
        path = DEFAULT_CONFIG
    return load_config(path, overrides=overrides)


def _fail(message: str) -> int:
    print(f"shopfloor hub: {message}", file=sys.stderr)
    return 2


def _run(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from .errors import HubError
    from .hub import run

    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = _load(args)
    except HubError as err:
        return _fail(str(err))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        return run(config, stop)
    except HubError as err:
        return _fail(str(err))


def _init(args: argparse.Namespace) -> int:
    from contextlib import closing

    from .errors import HubError
    from .store import open_db, schema_version

    try:
        config = _load(args)
        with closing(open_db(config.store.db_path)) as db:
            version = schema_version(db)
    except HubError as err:
        return _fail(str(err))
    print(f"database {config.store.db_path} is at schema version {version}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from contextlib import closing

    from .errors import HubError
    from .store import connect, schema_version, sync_state

    try:
        config = _load(args)
        if not os.path.exists(config.store.db_path):
            return _fail(
                f"no database at {config.store.db_path}; create it with `shopfloor hub init`"
            )
        with closing(connect(config.store.db_path)) as db:
            if schema_version(db) == 0:
                return _fail(f"database {config.store.db_path} has no schema; run `hub init`")
            state = sync_state(db)
    except HubError as err:
        return _fail(str(err))
    fields = {
        "hub": config.hub.id,
        "last_seq": state.last_seq,
        "acked_seq": state.acked_seq,
        "outbox_depth": state.outbox_depth,
        "connected": state.connected,
        "refused": state.refused,
        "catalog_version": state.catalog_version,
    }
    if args.json:
        print(json.dumps(fields))
    else:
        for key, value in fields.items():
            print(f"{key:16} {'-' if value is None else value}")
    return 0


def _receive(args: argparse.Namespace) -> int:
    from contextlib import closing

    from protocols import InvalidPayload

    from .errors import HubError, NotFound
    from .store import open_db, record_movement

    if args.qty <= 0:
        return _fail(f"QTY must be a positive whole number, got {args.qty}")
    try:
        config = _load(args)
        with closing(open_db(config.store.db_path)) as db:
            movement = record_movement(
                db,
                config,
                sku=args.sku,
                delta=args.qty,
                reason="receipt",
                lot=args.lot,
                reference=args.reference,
            )
    except NotFound as err:
        return _fail(f"{err.reason}; products come from the cloud's catalog")
    except (HubError, InvalidPayload) as err:
        return _fail(str(err))
    m = movement
    print(f"received {m.delta} of {m.sku} at {m.location} (seq {m.seq})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m edge ...`: the hub's commands alone, for a hub installed without the cloud."""
    parser = argparse.ArgumentParser(prog="python -m edge", description="shopfloor hub")
    sides = parser.add_subparsers(dest="side", required=True, metavar="hub")
    register(sides)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)

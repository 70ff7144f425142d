"""`shopfloor cloud ...`: migrate, serve the API, run ingest, and manage the catalog.

Each handler returns an exit code: 0 done, 1 the command failed (the message says why),
2 the settings are wrong. Heavy modules are imported inside the handlers, so `--help` and the
hub's commands stay quick.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .errors import CloudError, ConfigError, InvalidFile

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .config import CloudConfig


Handler = Callable[[argparse.Namespace], int]


def register(sides: argparse._SubParsersAction) -> None:
    """Add the `cloud` command group to the `shopfloor` parser."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("settings")
    group.add_argument(
        "--config",
        metavar="FILE",
        help="TOML settings file (default: $SHOPFLOOR_CLOUD_CONFIG, else built-in defaults)",
    )
    group.add_argument(
        "--database-url",
        metavar="URL",
        help="postgresql://user@host/db or sqlite:///file.db "
        "(default: $DATABASE_URL, else var/cloud.db)",
    )
    group.add_argument(
        "-v", "--verbose", action="store_true", help="log progress, not only problems"
    )

    cloud = sides.add_parser(
        "cloud",
        help="the cloud control plane: ingest, API, catalog",
        description="Run and manage the cloud: store hub events, serve the API, edit the catalog.",
    )
    commands = cloud.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, handler: Handler, help: str, description: str = ""
    ) -> argparse.ArgumentParser:
        parser = commands.add_parser(
            name, parents=[common], help=help, description=description or help
        )
        parser.set_defaults(func=handler)
        return parser

    add(
        "migrate",
        cmd_migrate,
        "create or upgrade the database schema",
        "Bring the database to the newest schema. Safe to run again: it does nothing when the "
        "schema is current. Run it before the first start and after every upgrade.",
    )
    api = add(
        "api",
        cmd_api,
        "serve the HTTP API under gunicorn",
        "Serve the JSON API (/api/health, /api/hubs, /api/stock/SKU, /api/products, "
        "/api/dead-letters) under gunicorn until SIGTERM or Ctrl-C.",
    )
    api.add_argument("--host", help="address to listen on (default: api.host, 127.0.0.1)")
    api.add_argument("--port", type=int, help="port to listen on (default: api.port, 8000)")
    api.add_argument("--workers", type=int, help="gunicorn worker processes (default: api.workers)")

    ingest = add(
        "ingest",
        cmd_ingest,
        "store hub events from the MQTT broker",
        "Join the ingest shared subscription and store every hub batch exactly once, "
        "acknowledging each hub's watermark after the commit. Start as many as you like; "
        "they share the load. Runs until SIGTERM or Ctrl-C.",
    )
    ingest.add_argument("--threads", type=int, help="database threads (default: ingest.threads)")

    product = commands.add_parser(
        "product",
        help="add, change, list or import products",
        description="Edit the catalog. Every change takes a new catalog version and is sent "
        "to the hubs that lack it.",
    )
    product_commands = product.add_subparsers(
        dest="product_command", required=True, metavar="ACTION"
    )

    def add_product(name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
        parser = product_commands.add_parser(name, parents=[common], help=help, description=help)
        parser.set_defaults(func=handler)
        return parser

    product_add = add_product("add", cmd_product_add, "add a new product")
    product_add.add_argument("sku", help="stock keeping unit, e.g. TEA-250")
    product_add.add_argument("name", help="name shown on the till and receipt")
    product_add.add_argument(
        "--price", type=int, required=True, metavar="MINOR",
        help="price in minor units (paise, cents); per kilogram when sold by weight",
    )  # fmt: skip
    _product_options(product_add, tax_default=0)

    product_set = add_product("set", cmd_product_set, "change fields of an existing product")
    product_set.add_argument("sku", help="the product to change")
    product_set.add_argument("--name", help="new name")
    product_set.add_argument("--price", type=int, metavar="MINOR", help="new price in minor units")
    _product_options(product_set, tax_default=None)
    product_set.add_argument(
        "--no-barcodes", action="store_true", help="remove every barcode of the product"
    )

    product_list = add_product("list", cmd_product_list, "list every product")
    product_list.add_argument("--json", action="store_true", help="print JSON instead of a table")

    product_import = add_product(
        "import",
        cmd_product_import,
        "create or update products from a CSV file, all or nothing",
    )
    product_import.add_argument(
        "csv",
        metavar="CSV",
        help="file with a header row: sku,name,unit_price_minor,tax_rate_bp,sold_by and "
        "optionally barcodes (separated by spaces or ;) and active (true/false)",
    )

    publish = add(
        "publish-catalog",
        cmd_publish_catalog,
        "send hubs the catalog changes they lack",
        "Send each hub (or only those named) a catalog update from the version it last "
        "reported. Ingest does this by itself when a hub connects with an old catalog.",
    )
    publish.add_argument("--hub", action="append", metavar="HUB", help="only this hub (repeatable)")

    hubs = add("hubs", cmd_hubs, "list hubs: online, watermark, backlog, gaps, clock")
    hubs.add_argument("--json", action="store_true", help="print JSON instead of a table")

    dead = add("dead-letters", cmd_dead_letters, "list refused payloads and why")
    dead.add_argument("--hub", help="only this hub's")
    dead.add_argument("--limit", type=int, default=50, help="how many, newest first (default 50)")
    dead.add_argument("--json", action="store_true", help="print JSON instead of lines")

    add(
        "check-balances",
        cmd_check_balances,
        "recompute stock balances from the events ledger and report differences",
        "Recompute every on-hand balance from the events ledger and compare it with the stored "
        "balances. Exits 1 and lists them if any differ.",
    )


def _product_options(parser: argparse.ArgumentParser, tax_default: int | None) -> None:
    parser.add_argument(
        "--tax-bp", type=int, default=tax_default, metavar="BP",
        help="tax rate in basis points: 1800 is 18%%"
        + (f" (default {tax_default})" if tax_default is not None else ""),
    )  # fmt: skip
    parser.add_argument(
        "--sold-by",
        choices=("unit", "weight"),
        default="unit" if tax_default is not None else None,
        help="unit: counted in pieces; weight: in grams, priced per kilogram",
    )
    parser.add_argument("--barcode", action="append", metavar="CODE", help="a barcode (repeatable)")
    state = parser.add_mutually_exclusive_group()
    state.add_argument("--active", dest="active", action="store_true", default=None)
    state.add_argument(
        "--inactive", dest="active", action="store_false", help="archive: hubs stop selling it"
    )


# Plumbing shared by the handlers.


def _setup_logging(args: argparse.Namespace, *, service: bool = False) -> None:
    """Entry points own logging: services log progress, one-shot commands only problems."""
    level = logging.INFO if service or getattr(args, "verbose", False) else logging.WARNING
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s" if service else "%(message)s",
    )


def _config(args: argparse.Namespace, **overrides: Any) -> CloudConfig:
    from .config import load_config

    return load_config(args.config, overrides={"database.url": args.database_url, **overrides})


def _command(handler: Callable[..., int]) -> Handler:
    """Turn the cloud's errors into a message on stderr and an exit code."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import OperationalError

        from protocols import InvalidPayload

        try:
            return handler(args)
        except ConfigError as err:
            print(f"shopfloor cloud: settings: {err}", file=sys.stderr)
            return 2
        except InvalidFile as err:
            print(f"shopfloor cloud: {err}", file=sys.stderr)
            for problem in err.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        except (CloudError, InvalidPayload) as err:
            print(f"shopfloor cloud: {err}", file=sys.stderr)
            return 1
        except OperationalError as err:
            reason = str(err.orig).strip().splitlines()[0] if str(err.orig).strip() else err
            print(f"shopfloor cloud: database unavailable: {reason}", file=sys.stderr)
            return 1

    return run


@contextmanager
def _session(config: CloudConfig) -> Iterator[Session]:
    from .db import make_engine, make_sessionmaker

    engine = make_engine(config.database.url, echo=config.database.echo)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _push(session: Session, config: CloudConfig, hubs: list[str] | None = None) -> dict[str, int]:
    """Send hubs the catalog they lack; a broker outage is reported, not fatal."""
    from .errors import BrokerUnavailable
    from .publish import MqttPublisher, push_catalog

    try:
        with MqttPublisher(config.mqtt, "cli") as publisher:
            return push_catalog(session, publisher.publish, hubs)
    except BrokerUnavailable as err:
        print(
            f"saved, but not sent to hubs now ({err}); each hub gets it when it next connects",
            file=sys.stderr,
        )
        return {}


def _print_table(headers: list[str], rows: list[list[Any]]) -> None:
    cells = [headers] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _json_default(o: Any) -> Any:
    return o.isoformat().replace("+00:00", "Z") if hasattr(o, "isoformat") else str(o)


# The commands.


@_command
def cmd_migrate(args: argparse.Namespace) -> int:
    from .db import make_engine, migrate

    _setup_logging(args)
    config = _config(args)
    engine = make_engine(config.database.url)
    try:
        revision = migrate(engine)
    finally:
        engine.dispose()
    print(f"database {config.database.safe_url} is at schema {revision} (newest)")
    return 0


@_command
def cmd_api(args: argparse.Namespace) -> int:
    from .api.server import serve

    _setup_logging(args, service=True)
    config = _config(args, **{"api.host": args.host, "api.port": args.port})
    return serve(config, workers=args.workers)


@_command
def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest.worker import run_worker

    _setup_logging(args, service=True)
    return run_worker(_config(args, **{"ingest.threads": args.threads}))


@_command
def cmd_product_add(args: argparse.Namespace) -> int:
    from . import catalog

    _setup_logging(args)
    config = _config(args)
    product = catalog.parse_product(
        {
            "sku": args.sku,
            "name": args.name,
            "unit_price_minor": args.price,
            "tax_rate_bp": args.tax_bp,
            "sold_by": args.sold_by,
            "barcodes": args.barcode or [],
            "active": args.active is not False,
        }
    )
    with _session(config) as session:
        saved = catalog.create_product(session, product)
        session.commit()
        sent = _push(session, config)
        print(f"added {saved.sku} at catalog version {saved.version}; sent to {len(sent)} hub(s)")
    return 0


@_command
def cmd_product_set(args: argparse.Namespace) -> int:
    from . import catalog

    _setup_logging(args)
    config = _config(args)
    changes: dict[str, Any] = {
        key: value
        for key, value in (
            ("name", args.name),
            ("unit_price_minor", args.price),
            ("tax_rate_bp", args.tax_bp),
            ("sold_by", args.sold_by),
            ("barcodes", args.barcode),
            ("active", args.active),
        )
        if value is not None
    }
    if args.no_barcodes:
        changes["barcodes"] = []
    if not changes:
        print("nothing to change; give at least one option (see --help)", file=sys.stderr)
        return 1
    with _session(config) as session:
        before = catalog.current_version(session)
        saved = catalog.update_product(session, args.sku, changes)
        session.commit()
        if catalog.current_version(session) == before:
            print(f"{saved.sku} already has those values; nothing changed")
            return 0
        sent = _push(session, config)
        print(f"changed {saved.sku} at catalog version {saved.version}; sent to {len(sent)} hub(s)")
    return 0


@_command
def cmd_product_list(args: argparse.Namespace) -> int:
    from . import catalog

    _setup_logging(args)
    with _session(_config(args)) as session:
        products = catalog.list_products(session)
        if args.json:
            print(json.dumps([catalog.product_dict(p) for p in products], indent=2))
            return 0
        _print_table(
            ["SKU", "NAME", "PRICE", "TAX BP", "SOLD BY", "ACTIVE", "VERSION", "BARCODES"],
            [
                [
                    p.sku,
                    p.name,
                    p.unit_price_minor,
                    p.tax_rate_bp,
                    p.sold_by,
                    "yes" if p.active else "no",
                    p.version,
                    " ".join(b.code for b in p.barcodes),
                ]
                for p in products
            ],
        )
        print(f"catalog version {catalog.current_version(session)}, {len(products)} product(s)")
    return 0


@_command
def cmd_product_import(args: argparse.Namespace) -> int:
    from . import catalog

    _setup_logging(args)
    config = _config(args)
    try:
        with open(args.csv, newline="", encoding="utf-8-sig") as f:
            products = catalog.read_products_csv(f, args.csv)
    except OSError as err:
        raise CloudError(f"cannot read {args.csv}: {err.strerror}") from None
    with _session(config) as session:
        result = catalog.save_products(session, products)
        session.commit()
        sent = _push(session, config) if result.changed else {}
    print(
        f"imported {len(products)} product(s): {len(result.created)} created, "
        f"{len(result.changed) - len(result.created)} updated, {result.unchanged} unchanged; "
        f"catalog version {result.version}; sent to {len(sent)} hub(s)"
    )
    return 0


@_command
def cmd_publish_catalog(args: argparse.Namespace) -> int:
    from .errors import BrokerUnavailable
    from .publish import MqttPublisher, push_catalog

    _setup_logging(args)
    config = _config(args)
    with _session(config) as session:
        try:
            with MqttPublisher(config.mqtt, "cli") as publisher:
                sent = push_catalog(session, publisher.publish, args.hub)
        except BrokerUnavailable as err:
            raise CloudError(str(err)) from None
    if not sent:
        print("every hub already has the current catalog")
    for hub, count in sent.items():
        print(f"sent {hub} {count} product(s)")
    return 0


@_command
def cmd_hubs(args: argparse.Namespace) -> int:
    from .hubs import list_hubs

    _setup_logging(args)
    with _session(_config(args)) as session:
        hubs = list_hubs(session)
    if args.json:
        print(json.dumps([dataclasses.asdict(h) for h in hubs], indent=2, default=_json_default))
        return 0
    _print_table(
        [
            "HUB",
            "LOCATION",
            "ONLINE",
            "ACKED",
            "HIGHEST",
            "LAST",
            "BACKLOG",
            "GAP AT",
            "CLOCK S",
            "PROTO",
            "SOFTWARE",
            "CATALOG",
            "DEAD",
            "REFUSED",
        ],  # fmt: skip
        [
            [
                h.hub,
                h.location,
                "yes" if h.online else "no",
                h.acked_seq,
                h.highest_seq,
                h.last_seq,
                h.backlog,
                h.first_missing_seq,
                None
                if h.clock_offset_s is None
                else f"{h.clock_offset_s or 0.0:+.1f}" + (" OFF" if h.clock_off else ""),
                h.protocol,
                h.software,
                h.catalog_version,
                h.dead_letters,
                h.refused,
            ]
            for h in hubs
        ],
    )
    return 0


@_command
def cmd_dead_letters(args: argparse.Namespace) -> int:
    from .deadletters import list_dead_letters

    _setup_logging(args)
    with _session(_config(args)) as session:
        rows = list_dead_letters(session, hub=args.hub, limit=args.limit)
    if args.json:
        print(json.dumps([dataclasses.asdict(r) for r in rows], indent=2, default=_json_default))
        return 0
    if not rows:
        print("no dead letters")
    for r in rows:
        where = f"hub {r.hub or '?'}" + (f" seq {r.seq}" if r.seq is not None else "")
        reason = f"{r.field}: {r.reason}" if r.field else r.reason
        print(
            f"#{r.id} {r.last_seen_at:%Y-%m-%d %H:%M:%S} {where} on {r.topic} "
            f"({r.attempts} attempt(s), {r.payload_bytes} bytes)\n    {reason}"
        )
    return 0


@_command
def cmd_check_balances(args: argparse.Namespace) -> int:
    from .stock import check_balances

    _setup_logging(args)
    with _session(_config(args)) as session:
        differences = check_balances(session)
    if not differences:
        print("stock balances match the events ledger")
        return 0
    _print_table(
        ["SKU", "LOCATION", "STORED", "LEDGER"],
        [[d.sku, d.location, d.stored, d.ledger] for d in differences],
    )
    print(f"{len(differences)} balance(s) differ from the events ledger", file=sys.stderr)
    return 1

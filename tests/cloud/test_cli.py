"""`shopfloor cloud ...` commands, as an operator runs them."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from cloud import cli
from cloud.db import StockBalance, make_engine, make_sessionmaker
from tests.cloud.factories import batch, events_topic, moved, sales_batch, status, status_topic
from tests.cloud.helpers import FakeHub, ingest
from tests.support import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="shopfloor")
    cli.register(parser.add_subparsers(dest="side", required=True))
    args = parser.parse_args(["cloud", *argv])
    return args.func(args)


@pytest.fixture
def db(tmp_path, monkeypatch):
    """An SQLite database for the commands, and no settings leaking in from the environment."""
    for name in list(os.environ):
        if name.startswith("SHOPFLOOR_CLOUD_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'cloud.db'}"
    assert run("migrate", "--database-url", url) == 0
    return url


@pytest.fixture
def sessions(db):
    engine = make_engine(db)
    yield make_sessionmaker(engine)
    engine.dispose()


COMMANDS = [
    ["migrate"],
    ["api"],
    ["ingest"],
    ["product"],
    ["product", "add"],
    ["product", "set"],
    ["product", "list"],
    ["product", "import"],
    ["publish-catalog"],
    ["hubs"],
    ["dead-letters"],
    ["check-balances"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as done:
        run(*command, "--help")

    assert done.value.code == 0
    assert len(capsys.readouterr().out.splitlines()) > 3


def test_migrate_twice_is_harmless(db, capsys):
    assert run("migrate", "--database-url", db) == 0
    assert "is at schema 0001" in capsys.readouterr().out


def test_a_bad_setting_exits_2_naming_it(db, capsys, monkeypatch):
    monkeypatch.setenv("SHOPFLOOR_CLOUD_MQTT_PORT", "many")

    assert run("hubs", "--database-url", db) == 2
    assert "mqtt.port (from SHOPFLOOR_CLOUD_MQTT_PORT)" in capsys.readouterr().err


def test_products_are_added_changed_and_listed(db, capsys):
    assert run("product", "add", "TEA-250", "Tea 250 g", "--price", "14000", "--tax-bp", "500",
               "--barcode", "4006381333931", "--database-url", db) == 0  # fmt: skip
    assert run("product", "set", "TEA-250", "--price", "15000", "--database-url", db) == 0
    assert run("product", "list", "--json", "--database-url", db) == 0

    out = capsys.readouterr().out
    assert "added TEA-250 at catalog version 1" in out
    assert "changed TEA-250 at catalog version 2" in out
    [product] = json.loads(out[out.index("[") :])
    assert (product["unit_price_minor"], product["barcodes"], product["version"]) == (
        15000,
        ["4006381333931"],
        2,
    )


def test_a_bad_product_is_refused_with_the_field(db, capsys):
    assert run("product", "add", "TEA", "Tea", "--price", "1", "--barcode", "4006381333932",
               "--database-url", db) == 1  # fmt: skip
    assert "barcodes: '4006381333932' looks like a GTIN" in capsys.readouterr().err


def test_an_import_with_bad_rows_lists_them_all_and_imports_nothing(db, tmp_path, capsys):
    csv = tmp_path / "products.csv"
    csv.write_text(
        "sku,name,unit_price_minor,tax_rate_bp,sold_by,barcodes\n"
        "TEA-250,Tea,14000,500,unit,4006381333931\n"
        "RICE,Rice,90.50,0,unit,\n"
        "ONION,Onion,4000,0,kilo,\n"
        "TEA-250,Tea again,1,0,unit,\n"
    )

    assert run("product", "import", str(csv), "--database-url", db) == 1

    err = capsys.readouterr().err
    assert "line 3: unit_price_minor: must be a whole number, got '90.50'" in err
    assert "line 4: sold_by" in err
    assert "line 5: sku TEA-250 is already on line 2" in err
    assert run("product", "list", "--json", "--database-url", db) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_an_import_creates_and_updates_under_one_catalog_version(db, tmp_path, capsys):
    run("product", "add", "TEA-250", "Tea", "--price", "100", "--database-url", db)
    csv = tmp_path / "products.csv"
    csv.write_text(
        "sku,name,unit_price_minor,tax_rate_bp,sold_by,barcodes,active\n"
        "TEA-250,Tea 250 g,14000,500,unit,4006381333931;96385074,true\n"
        "ONION,Onion (loose),4000,0,weight,,\n"
    )

    assert run("product", "import", str(csv), "--database-url", db) == 0

    out = capsys.readouterr().out
    assert "1 created, 1 updated, 0 unchanged; catalog version 2" in out


def test_hubs_dead_letters_and_balances_report_what_ingest_stored(db, sessions, capsys):
    ingest(sessions, status_topic(), status(last_seq=5))
    ingest(sessions, events_topic(), batch([moved(1, "TEA-250", 10)]))
    ingest(sessions, events_topic(), b"garbage")

    assert run("hubs", "--database-url", db) == 0
    assert run("dead-letters", "--database-url", db) == 0
    assert run("check-balances", "--database-url", db) == 0

    out = capsys.readouterr().out
    header, row = out.splitlines()[:2]
    assert header.split()[:3] == ["HUB", "LOCATION", "ONLINE"]
    assert row.split()[:7] == ["till-1", "store-a", "yes", "1", "1", "5", "4"]
    assert "hub till-1 on sf/v1/hub/till-1/events" in out and "not JSON" in out
    assert "stock balances match the events ledger" in out


def test_check_balances_fails_when_a_balance_drifted(db, sessions, capsys):
    ingest(sessions, events_topic(), batch([moved(1, "TEA-250", 10)]))
    with sessions() as session:
        session.get(StockBalance, ("TEA-250", "store-a")).qty = 3
        session.commit()

    assert run("check-balances", "--database-url", db) == 1

    out = capsys.readouterr().out
    assert out.splitlines()[1].split() == ["TEA-250", "store-a", "3", "10"]


def test_publish_catalog_sends_a_hub_its_catalog(db, sessions, broker, monkeypatch, capsys):
    monkeypatch.setenv("SHOPFLOOR_CLOUD_MQTT_PORT", str(broker.port))
    run("product", "add", "TEA-250", "Tea", "--price", "100", "--database-url", db)
    hub = FakeHub(broker.port, "till-7")
    try:
        assert run("publish-catalog", "--hub", "till-7", "--database-url", db) == 0

        [update] = wait_until(lambda: hub.commands, what="catalog update")
    finally:
        hub.close()
    assert (update["version"], update["full"], len(update["products"])) == (1, True, 1)
    assert "sent till-7 1 product(s)" in capsys.readouterr().out


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "shopfloor_cli.py"), "cloud", *argv],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_the_ingest_command_runs_until_sigterm(pg_url, pg_engine, broker):
    worker = _start(
        ["ingest", "--database-url", pg_url], {"SHOPFLOOR_CLOUD_MQTT_PORT": str(broker.port)}
    )
    hub = FakeHub(broker.port)
    payload = sales_batch(1, 2)
    try:
        # The worker may still be subscribing: resend until it answers, as a hub does.
        def acked() -> bool:
            hub.send(payload)
            return bool(hub.acks)

        wait_until(acked, timeout_s=30, what="ack from the ingest command")
    finally:
        hub.close()
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, out
    assert "ingest worker stopped" in out


def _get_json(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return json.load(reply)
    except OSError:
        return None  # Not listening yet.


def test_the_api_command_serves_until_sigterm(pg_url, pg_engine):
    port = free_port()
    api = _start(["api", "--port", str(port), "--workers", "1", "--database-url", pg_url], {})
    try:
        health = wait_until(lambda: _get_json(f"http://127.0.0.1:{port}/api/health"), 30, "API")
        assert health["status"] == "ok"
    finally:
        api.send_signal(signal.SIGTERM)
        out, _ = api.communicate(timeout=30)
    assert api.returncode == 0, out

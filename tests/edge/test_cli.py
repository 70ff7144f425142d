"""`shopfloor hub ...` commands: init, status and receive, each with a helpful --help."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge import cli
from tests.edge.helpers import CATALOG


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(f'[hub]\nid = "till-1"\n[store]\ndb_path = "{tmp_path / "hub.db"}"\n')
    return path


@pytest.mark.parametrize("command", [[], ["run"], ["init"], ["status"], ["receive"]])
def test_every_command_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["hub", *command, "--help"])
    assert done.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_init_creates_the_database_and_status_reads_it(config_file, tmp_path, capsys):
    assert cli.main(["hub", "init", "--config", str(config_file)]) == 0
    assert (tmp_path / "hub.db").exists()
    assert "schema version" in capsys.readouterr().out
    assert cli.main(["hub", "status", "--config", str(config_file), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "hub": "till-1",
        "last_seq": 0,
        "acked_seq": 0,
        "outbox_depth": 0,
        "connected": False,
        "refused": None,
        "catalog_version": 0,
    }


def test_receive_records_opening_stock(config_file, tmp_path, capsys):
    from contextlib import closing

    from edge.store import apply_update, on_hand, open_db

    with closing(open_db(tmp_path / "hub.db")) as db:
        apply_update(db, CATALOG)
    args = ["hub", "receive", "--config", str(config_file), "SOAP", "48", "--lot", "B-1"]
    assert cli.main(args) == 0
    assert "received 48 of SOAP at till-1 (seq 1)" in capsys.readouterr().out
    with closing(open_db(tmp_path / "hub.db")) as db:
        assert on_hand(db, "SOAP", "till-1").lots == {"B-1": 48}
    assert cli.main(["hub", "status", "--config", str(config_file)]) == 0
    assert "outbox_depth     1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["SOAP", "0"], "QTY must be a positive whole number"),
        (["NOPE", "5"], "no product has SKU 'NOPE'"),
    ],
)
def test_receive_refuses_what_it_cannot_record(config_file, capsys, args, message):
    cli.main(["hub", "init", "--config", str(config_file)])
    assert cli.main(["hub", "receive", "--config", str(config_file), *args]) == 2
    assert message in capsys.readouterr().err


def test_status_without_a_database_says_how_to_create_one(config_file, capsys):
    assert cli.main(["hub", "status", "--config", str(config_file)]) == 2
    assert "shopfloor hub init" in capsys.readouterr().err


def test_a_bad_config_is_reported_not_raised(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[hub]\nid = "Till 1"\n')
    assert cli.main(["hub", "init", "--config", str(bad)]) == 2
    assert "hub.id = 'Till 1' is invalid" in capsys.readouterr().err


def test_the_db_flag_overrides_the_config(config_file, tmp_path):
    other = tmp_path / "elsewhere" / "other.db"
    assert cli.main(["hub", "init", "--config", str(config_file), "--db", str(other)]) == 0
    assert other.exists()


def test_the_shopfloor_command_has_a_hub_side():
    pytest.importorskip("cloud.cli", reason="the cloud's commands are not written yet")
    import shopfloor_cli

    args = shopfloor_cli.build_parser().parse_args(["hub", "status", "--config", "x.toml"])
    assert args.func.__module__ == "edge.cli"

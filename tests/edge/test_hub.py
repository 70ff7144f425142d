"""The whole hub: web API, database and sync together, started and stopped as a service."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from edge.hub import run
from edge.store import apply_update, open_db, sync_state
from tests.edge.helpers import CATALOG, retained_status
from tests.support import free_port, wait_until

REPO = Path(__file__).resolve().parents[2]
HUB = "till-1"


def post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, json.load(answer)


def test_a_sale_at_the_till_reaches_the_cloud_and_the_hub_stops_cleanly(sync_config, broker, cloud):
    config = sync_config(http={"port": free_port()})
    with closing(open_db(config.store.db_path)) as db:
        apply_update(db, CATALOG)
    stop, ready = threading.Event(), threading.Event()
    hub = threading.Thread(target=run, args=(config, stop), kwargs={"ready": ready})
    hub.start()
    try:
        assert ready.wait(15)
        base = f"http://127.0.0.1:{config.http.port}/api"
        status, receipt = post(
            f"{base}/checkout",
            {
                "lines": [{"code": "SOAP", "qty": 2}],
                "payments": [{"method": "cash", "amount_minor": 10000}],
            },
        )
        assert status == 201 and receipt["total_minor"] == 9000
        # Seq 1 is the hub's start, on record as a hub.status event; seq 2 is the sale.
        wait_until(lambda: cloud.seqs(HUB) >= {1, 2}, what="the start and the sale at the cloud")
        kinds = {e.seq: type(e).__name__ for e in cloud.events(HUB)}
        assert kinds[1] == "HubStatusEvent" and kinds[2] == "SaleCompletedEvent"
        cloud.ack(HUB, 2)
        with urllib.request.urlopen(f"{base}/sync", timeout=10) as answer:
            assert json.load(answer)["connected"] is True
        wait_until(
            lambda: json.load(urllib.request.urlopen(f"{base}/sync", timeout=10))["acked_seq"] == 2,
            what="the ack to show in /api/sync",
        )
    finally:
        stop.set()
        hub.join(20)
    assert not hub.is_alive()
    assert retained_status(broker.port, HUB).state == "offline"


def write_config(tmp_path: Path, broker_port: int) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(
        f'[hub]\nid = "{HUB}"\nlocation = "store-1"\n'
        f'[store]\ndb_path = "{tmp_path / "hub.db"}"\n'
        f"[http]\nport = {free_port()}\n"
        f'[mqtt]\nhost = "127.0.0.1"\nport = {broker_port}\nreconnect_max_s = 2\n'
    )
    return path


def start_hub_process(config_path: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", "edge", "hub", "run", "--config", str(config_path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def hub_process(tmp_path, broker):
    procs: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        procs.append(start_hub_process(write_config(tmp_path, broker.port)))
        return procs[-1]

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        proc.stderr.close()


def test_the_last_will_marks_the_hub_offline_when_it_dies(hub_process, cloud):
    proc = hub_process()
    wait_until(lambda: (s := cloud.last_status(HUB)) and s.state == "online", 30, "the hub online")
    proc.kill()  # No goodbye: the broker notices the dead connection and sends the will.
    proc.wait(10)
    wait_until(lambda: cloud.last_status(HUB).state == "offline", 30, "the will's offline status")


def test_sigterm_stops_the_hub_cleanly(hub_process, broker, cloud, tmp_path):
    proc = hub_process()
    wait_until(lambda: (s := cloud.last_status(HUB)) and s.state == "online", 30, "the hub online")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0, proc.stderr.read().decode()
    assert retained_status(broker.port, HUB).state == "offline"
    with closing(open_db(tmp_path / "hub.db")) as db:
        assert not sync_state(db).connected
        assert sync_state(db).last_seq == 1  # Its start, recorded as a hub.status event.


def test_a_taken_http_port_is_reported_not_raised_raw(sync_config):
    import socket

    from edge.errors import HubError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = sync_config(http={"port": taken.getsockname()[1]})
        with pytest.raises(HubError, match="cannot listen on http://127.0.0.1"):
            run(config, threading.Event())


def test_a_missing_tls_ca_file_is_a_config_error(make_config):
    from edge.errors import ConfigError
    from edge.sync import Sync

    config = make_config(mqtt={"tls": True, "ca_file": "/nowhere/ca.pem"})
    with pytest.raises(ConfigError, match="mqtt.ca_file = '/nowhere/ca.pem' cannot be used"):
        Sync(config)

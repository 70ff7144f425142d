"""The hub's entry point: database, sync thread and web server, until told to stop."""

from __future__ import annotations

import logging
import threading
from contextlib import closing
from typing import Any

from .config import HubConfig
from .errors import HubError
from .store import open_db, record_hub_status, set_connected

log = logging.getLogger(__name__)

HTTP_STOP_TIMEOUT_S = 5.0


def run(config: HubConfig, stop: threading.Event, *, ready: threading.Event | None = None) -> int:
    """Run the hub until `stop` is set, then stop cleanly; return an exit code.

    It migrates the database, records a hub.status event so every start is on record,
    starts the MQTT sync thread and serves the web app with waitress on http.host:port.
    `ready` is set once the web server listens (tests and supervisors wait on it).
    """
    import waitress

    from .sync import Sync
    from .web import create_app

    sync = Sync(config)  # Checks the MQTT settings (TLS files) before anything is recorded.
    with closing(open_db(config.store.db_path, busy_timeout_s=config.store.busy_timeout_s)) as db:
        seq = record_hub_status(db, config.hub, "online")
        set_connected(db, False)
    log.info(
        "Hub %s (software %s) starting at location %s; start recorded as seq %d",
        config.hub.id,
        config.hub.software,
        config.hub.location,
        seq,
    )
    app = create_app(config)
    devices = None
    if config.devices:
        from .devices.manager import DeviceManager

        devices = DeviceManager(config)
        app.config["DEVICE_MANAGER"] = devices  # GET /api/devices reads the states from it.
    try:
        server = waitress.create_server(
            app, host=config.http.host, port=config.http.port, threads=config.http.threads
        )
    except OSError as err:
        raise HubError(
            f"cannot listen on http://{config.http.host}:{config.http.port}: {err.strerror}; "
            "is another hub running, or is http.port taken?"
        ) from err
    http = threading.Thread(target=server.run, name="http", daemon=True)
    sync.start()
    if devices is not None:
        devices.start()
    http.start()
    log.info("Hub %s serving http://%s:%s", config.hub.id, config.http.host, server.effective_port)
    if ready is not None:
        ready.set()
    try:
        stop.wait()
    finally:
        log.info("Hub %s stopping", config.hub.id)
        _stop_server(server)
        http.join(HTTP_STOP_TIMEOUT_S)
        if devices is not None:
            devices.stop()
        sync.stop()
        log.info("Hub %s stopped", config.hub.id)
    return 0


def _stop_server(server: Any) -> None:
    """Close waitress's sockets from its own loop thread, then let its workers finish."""
    from waitress import wasyncore

    # waitress has no public way to stop a server it did not start; webtest does the same.
    socket_map = server._map
    server.trigger.pull_trigger(lambda: wasyncore.close_all(socket_map))
    server.task_dispatcher.shutdown(timeout=HTTP_STOP_TIMEOUT_S)

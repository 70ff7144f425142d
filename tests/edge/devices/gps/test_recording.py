"""A van hub with a GPS in its config: fixes reach the outbox as location.fix events."""

from __future__ import annotations

import json
import sqlite3

from edge.config import load_config
from edge.devices.gps import GpsConfig
from edge.devices.gps.protocol import with_checksum
from edge.devices.manager import DeviceManager
from tests.support import wait_until


def outbox(db_path: str, type: str) -> list[dict]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT event FROM outbox WHERE type = ? ORDER BY seq", (type,))
        return [json.loads(event)["body"] for (event,) in rows.fetchall()]


def test_a_configured_receiver_records_throttled_fixes_and_its_state(tmp_path, gps_sim):
    db_path = str(tmp_path / "hub.db")
    gps = {"name": "van-gps", "family": "gps", "port": str(gps_sim.path),
           "min_interval_s": 0, "min_distance_m": 0, "reconnect_first_s": 0.05}  # fmt: skip
    config = load_config(
        env={},
        overrides={"hub": {"id": "van-7"}, "store": {"db_path": db_path}, "devices": [gps]},
    )
    assert isinstance(config.devices[0], GpsConfig)
    manager = DeviceManager(config)
    manager.start()
    try:
        # The manager opens the port in its own time; a receiver repeats itself every second.
        def fixes() -> list[dict]:
            gps_sim.send(
                with_checksum("GNRMC,083005.00,A,1258.2960,N,07735.6760,E,0.0,,150326,,,A"),
                with_checksum("GNGGA,083005.00,1258.2960,N,07735.6760,E,1,08,1.1,920.0,M,,M,,"),
            )
            return outbox(db_path, "location.fix")

        [fix, *_] = wait_until(fixes, 10, "a location.fix in the outbox")
        assert fix == {"lat_e7": 129_716_000, "lon_e7": 775_946_000,
                       "fixed_at": "2026-03-15T08:30:05Z", "quality": "gps", "speed_mm_s": 0,
                       "satellites": 8, "hdop_centi": 110, "altitude_mm": 920_000}  # fmt: skip
        statuses = outbox(db_path, "device.status")
        assert {"device": "van-gps", "family": "gps", "state": "connected"} in statuses
    finally:
        manager.stop()

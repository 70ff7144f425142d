"""GET /api/devices: every configured device and its latest state."""

from __future__ import annotations

from flask import Blueprint, current_app

from ..devices.base import DeviceState, State
from ..devices.manager import family_of
from .db import hub_config

bp = Blueprint("devices", __name__, url_prefix="/api/devices")


@bp.get("")
def devices() -> dict[str, object]:
    """The device manager's view when the hub runs one, else the config with no state yet.

    `edge.hub.run` puts its DeviceManager in app.config["DEVICE_MANAGER"]; `create_app`
    starts no device, so a test app or a hub without devices answers from the config alone.
    """
    config = hub_config()
    manager = current_app.config.get("DEVICE_MANAGER")
    if manager is not None:
        states = manager.states()
    else:
        states = [
            DeviceState(d.name, family_of(d), State.DISCONNECTED, "device manager not running")
            for d in config.devices
        ]
    paths = {d.name: getattr(d, "path", None) or getattr(d, "port", None) for d in config.devices}
    return {
        "devices": [
            {
                "name": s.device,
                "family": s.family,
                "state": str(s.state),
                "reason": s.reason,
                "path": paths.get(s.device),
            }
            for s in states
        ]
    }

"""The hubs list: online, watermark, backlog, gaps, clock and refusals at a glance."""

from __future__ import annotations

import dataclasses

from flask import Blueprint

from .. import hubs
from .db import get_session

bp = Blueprint("hubs", __name__, url_prefix="/api/hubs")


@bp.get("")
def list_hubs():
    return {"hubs": [dataclasses.asdict(h) for h in hubs.list_hubs(get_session())]}

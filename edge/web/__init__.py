"""The hub's local web API (and later the till UI), as a Flask app factory."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from ..config import HubConfig
from . import db, errors


def create_app(config: HubConfig, test_config: Mapping[str, object] | None = None) -> Flask:
    """Build the hub's web app. Opens no device and starts no thread.

    It migrates the database once, so the schema is there before the first request, and
    keeps one SQLite connection per request, closed at teardown.
    """
    app = Flask(__name__)
    app.config.update(HUB_CONFIG=config)
    app.json.sort_keys = False  # Keep receipts in the order they are built.
    if test_config is not None:
        app.config.update(test_config)
    db.init_app(app)
    errors.init_app(app)
    from . import devices, health, printing, products, sales, stock, sync

    for module in (health, products, sales, stock, sync, printing, devices):
        app.register_blueprint(module.bp)
    return app


__all__ = ["create_app"]

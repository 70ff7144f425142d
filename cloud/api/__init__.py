"""The cloud's HTTP API: one factory, thin blueprints, JSON in and out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from ..config import CloudConfig, load_config
from . import db, errors


class JSONProvider(DefaultJSONProvider):
    """Keep keys in the order views give them, and write times as RFC 3339 in UTC."""

    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat().replace("+00:00", "Z")
        return DefaultJSONProvider.default(o)


def create_app(
    config: CloudConfig | None = None, test_config: Mapping[str, Any] | None = None
) -> Flask:
    """Build the API. Opens no connection until a request needs one and starts no thread.

    `config` is the cloud's settings (loaded from file and environment when None);
    `test_config` updates Flask's own config, for tests.
    """
    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.config.update(SHOPFLOOR=config or load_config())
    if test_config is not None:
        app.config.update(test_config)
    db.init_app(app)  # A session per request, rolled back and closed at teardown.
    errors.init_app(app)  # InvalidPayload becomes 400, Conflict 409, NotFound 404.
    register_routes(app)
    return app


def register_routes(app: Flask) -> None:
    """Every route of the API is in one of these blueprints; roles will be declared here."""
    from . import deadletters, health, hubs, products, stock

    for module in (health, stock, hubs, deadletters, products):
        app.register_blueprint(module.bp)

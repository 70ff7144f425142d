"""Errors as JSON: {"error", "field", "reason"} with the status code that fits.

Bad input (malformed JSON, a float for an integer, an unknown field) is 400, an unknown
receipt or product 404, a reused sale id 409 and a business refusal (a payment short of
the total, an archived product) 422.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from protocols import InvalidPayload

from ..errors import Conflict, NotFound, Refused, StoreError

log = logging.getLogger(__name__)


def _answer(status: int, error: str, field: str, reason: str) -> tuple[Response, int]:
    return jsonify({"error": error, "field": field, "reason": reason}), status


def init_app(app: Flask) -> None:
    @app.errorhandler(InvalidPayload)
    def invalid_payload(err: InvalidPayload) -> tuple[Response, int]:
        return jsonify(err.as_dict()), 400

    @app.errorhandler(NotFound)
    def not_found(err: NotFound) -> tuple[Response, int]:
        return jsonify(err.as_dict()), 404

    @app.errorhandler(Conflict)
    def conflict(err: Conflict) -> tuple[Response, int]:
        return jsonify(err.as_dict()), 409

    @app.errorhandler(Refused)
    def refused(err: Refused) -> tuple[Response, int]:
        return jsonify(err.as_dict()), 422

    @app.errorhandler(StoreError)
    @app.errorhandler(sqlite3.OperationalError)
    def store_unavailable(err: Exception) -> tuple[Response, int]:
        # A locked or full database is "retry later", not a bug in the request.
        log.warning("Request failed on the database: %s", err)
        return _answer(503, "store_unavailable", "", f"the hub's database is unavailable: {err}")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> tuple[Response, int]:
        error = (err.name or "error").lower().replace(" ", "_")
        return _answer(err.code or 500, error, "", err.description or err.name)

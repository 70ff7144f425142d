"""Errors as JSON: bad input 400, a taken SKU or barcode 409, nothing there 404."""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import HTTPException

from protocols import InvalidPayload

from ..errors import Conflict, NotFound


def init_app(app: Flask) -> None:
    @app.errorhandler(InvalidPayload)
    def invalid_payload(err: InvalidPayload):
        return err.as_dict(), 400

    @app.errorhandler(Conflict)
    def conflict(err: Conflict):
        return err.as_dict(), 409

    @app.errorhandler(NotFound)
    def not_found(err: NotFound):
        return {"error": "not_found", "reason": str(err)}, 404

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        name = (err.name or "error").lower().replace(" ", "_")
        return {"error": name, "reason": err.description}, err.code or 500

"""One database session per request, from the sessionmaker the app factory builds."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from ..db import make_engine, make_sessionmaker


def init_app(app: Flask) -> None:
    config = app.config["SHOPFLOOR"]
    engine = make_engine(
        config.database.url, pool_size=config.database.pool_size, echo=config.database.echo
    )
    app.extensions["shopfloor.engine"] = engine
    app.extensions["shopfloor.sessions"] = make_sessionmaker(engine)
    app.teardown_appcontext(close_session)


def get_session() -> Session:
    """This request's session; a view that writes commits it once, before it answers."""
    if "db" not in g:
        g.db = current_app.extensions["shopfloor.sessions"]()
    return g.db


def close_session(_error: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()  # Rolls back anything the view did not commit.

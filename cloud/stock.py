"""Stock as a ledger: each event's effect on on-hand, the materialised balances, and their check.

A sale takes `qty` of each line's SKU at the sale's location (there is no separate movement
event for it); a `stock.moved` adds its `delta`. `stock_balances` is the running sum of those
effects and can always be recomputed from the events table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import msgspec
from sqlalchemy import Text, cast, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from protocols import SaleCompleted, StockMoved

from .db import Event, StockBalance
from .db.upsert import dialect_of

Key = tuple[str, str]  # (sku, location)


def stock_effects(body: object) -> Iterator[tuple[str, str, int]]:
    """Yield (sku, location, delta) for each stock change an event body causes."""
    if isinstance(body, SaleCompleted):
        for line in body.lines:
            yield line.sku, body.location, -line.qty
    elif isinstance(body, StockMoved):
        yield body.sku, body.location, body.delta


def sum_effects(bodies: Iterable[object]) -> Counter[Key]:
    """Add up the stock effects of many event bodies per (sku, location)."""
    totals: Counter[Key] = Counter()
    for body in bodies:
        for sku, location, delta in stock_effects(body):
            totals[sku, location] += delta
    return totals


def add_to_balances(session: Session, deltas: Counter[Key]) -> None:
    """Add `deltas` to the stored balances in one upsert.

    Rows go in key order so that two transactions touching the same balances lock them in
    the same order and cannot deadlock. Ingest calls this for every batch, so on PostgreSQL
    it skips SQLAlchemy's statement building, which costs more than the upsert itself.
    """
    rows = [(sku, location, qty) for (sku, location), qty in sorted(deltas.items()) if qty]
    if not rows:
        return
    if dialect_of(session) == "postgresql":
        from psycopg2.extras import execute_values

        cursor = session.connection().connection.cursor()
        execute_values(
            cursor,
            "INSERT INTO stock_balances (sku, location, qty) VALUES %s "
            "ON CONFLICT (sku, location) DO UPDATE SET qty = stock_balances.qty + excluded.qty",
            rows,
            page_size=len(rows),
        )
        return
    balances = StockBalance.__table__
    stmt = sqlite.insert(balances).values(
        [{"sku": sku, "location": location, "qty": qty} for sku, location, qty in rows]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[balances.c.sku, balances.c.location],
        set_={"qty": balances.c.qty + stmt.excluded.qty},
    )
    session.connection().execute(stmt)


@dataclass(frozen=True)
class LocationStock:
    location: str
    on_hand: int


def stock_of(session: Session, sku: str) -> list[LocationStock]:
    """On-hand of one SKU at every location that has a balance, by location."""
    rows = session.execute(
        select(StockBalance.location, StockBalance.qty)
        .where(StockBalance.sku == sku)
        .order_by(StockBalance.location)
    )
    return [LocationStock(location, qty) for location, qty in rows]


_BODY_TYPES = {"sale.completed": SaleCompleted, "stock.moved": StockMoved}
_decoders = {name: msgspec.json.Decoder(kind) for name, kind in _BODY_TYPES.items()}


def ledger_totals(session: Session, *, chunk: int = 5_000) -> Counter[Key]:
    """Recompute every balance from the events ledger, reading bodies in chunks."""
    totals: Counter[Key] = Counter()
    rows = session.execute(
        select(Event.type, cast(Event.body, Text))
        .where(Event.type.in_(_BODY_TYPES))
        .execution_options(yield_per=chunk)
    )
    for type_, body in rows:
        for sku, location, delta in stock_effects(_decoders[type_].decode(body)):
            totals[sku, location] += delta
    return totals


@dataclass(frozen=True)
class BalanceDifference:
    sku: str
    location: str
    stored: int
    ledger: int


def check_balances(session: Session) -> list[BalanceDifference]:
    """Compare stored balances with the ledger; return every (sku, location) that differs."""
    ledger = ledger_totals(session)
    stored: Counter[Key] = Counter(
        {(sku, loc): qty for sku, loc, qty in session.execute(select(StockBalance.__table__))}
    )
    keys = sorted({k for k, v in ledger.items() if v} | {k for k, v in stored.items() if v})
    return [
        BalanceDifference(sku, location, stored[sku, location], ledger[sku, location])
        for sku, location in keys
        if stored[sku, location] != ledger[sku, location]
    ]

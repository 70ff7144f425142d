"""The stock ledger: movements appended, never changed, and the on-hand projection beside them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from protocols import InvalidPayload, utc_now

from ..config import HubConfig
from ..errors import NotFound
from .db import transaction
from .outbox import append_event

_INSERT_MOVEMENT = (
    "INSERT INTO stock_movements (sku, location, lot, delta, reason, reference, at, seq) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_ADD_TO_BALANCE = (
    "INSERT INTO stock_balances (sku, location, lot, qty) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (sku, location, lot) DO UPDATE SET qty = qty + excluded.qty"
)


@dataclass(frozen=True)
class Movement:
    """One recorded stock movement and the seq of the event that reports it."""

    seq: int
    sku: str
    location: str
    delta: int
    reason: str
    lot: str | None
    reference: str | None
    at: datetime

    def as_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "sku": self.sku,
            "location": self.location,
            "delta": self.delta,
            "reason": self.reason,
            "lot": self.lot,
            "reference": self.reference,
            "at": self.at.isoformat(),
        }


def write_movements(
    db: sqlite3.Connection,
    rows: Iterable[tuple[str, str, str, int, str, str | None, str, int]],
) -> None:
    """Append movements (sku, location, lot, delta, reason, reference, at, seq) and update
    on-hand in the caller's transaction. An empty lot means no lot.
    """
    rows = list(rows)
    db.executemany(_INSERT_MOVEMENT, rows)
    db.executemany(_ADD_TO_BALANCE, [(r[0], r[1], r[2], r[3]) for r in rows])


def record_movement(
    db: sqlite3.Connection,
    config: HubConfig,
    *,
    sku: str,
    delta: int,
    reason: str,
    lot: str | None = None,
    reference: str | None = None,
) -> Movement:
    """Record a movement not caused by a sale (receipt, count, write-off...) at this hub.

    Writes the movement, its balance and one stock.moved outbox event in one transaction.
    Raises NotFound for an unknown SKU and InvalidPayload for a value the contract refuses
    (a zero delta, an unknown reason).
    """
    if delta == 0:
        raise InvalidPayload("delta", "must be a non-zero count of base units, got 0")
    location = config.hub.location
    at = utc_now()
    with transaction(db):
        if db.execute("SELECT 1 FROM products WHERE sku = ?", (sku,)).fetchone() is None:
            raise NotFound("sku", f"no product has SKU {sku!r}")
        body = {
            "location": location,
            "sku": sku,
            "delta": delta,
            "reason": reason,
            "lot": lot,
            "reference": reference,
        }
        try:
            seq = append_event(db, config.hub.id, "stock.moved", body, at=at)
        except InvalidPayload as err:
            raise InvalidPayload(err.field.removeprefix("body."), err.reason) from None
        write_movements(
            db, [(sku, location, lot or "", delta, reason, reference, at.isoformat(), seq)]
        )
    return Movement(seq, sku, location, delta, reason, lot, reference, at)


@dataclass(frozen=True)
class OnHand:
    """Stock of one SKU at one location, in base units, in total and per lot."""

    sku: str
    location: str
    qty: int
    lots: dict[str | None, int]

    def as_dict(self) -> dict[str, object]:
        return {
            "sku": self.sku,
            "location": self.location,
            "on_hand": self.qty,
            "lots": [{"lot": lot, "qty": qty} for lot, qty in self.lots.items()],
        }


def on_hand(db: sqlite3.Connection, sku: str, location: str) -> OnHand:
    """What the ledger says is on hand; negative when more was sold than received."""
    rows = db.execute(
        "SELECT lot, qty FROM stock_balances WHERE sku = ? AND location = ? ORDER BY lot",
        (sku, location),
    ).fetchall()
    lots = {(row["lot"] or None): row["qty"] for row in rows}
    return OnHand(sku, location, sum(lots.values()), lots)


def unbalanced(db: sqlite3.Connection) -> list[tuple[str, str, str, int, int]]:
    """(sku, location, lot, balance, ledger sum) wherever the projection and ledger disagree.

    Empty on a healthy database; a check for tests and for a repair tool.
    """
    rows = db.execute(
        "WITH ledger AS (SELECT sku, location, lot, sum(delta) AS qty FROM stock_movements "
        "GROUP BY sku, location, lot) "
        "SELECT l.sku, l.location, l.lot, coalesce(b.qty, 0), l.qty FROM ledger l "
        "LEFT JOIN stock_balances b USING (sku, location, lot) WHERE coalesce(b.qty, 0) <> l.qty "
        "UNION ALL "
        "SELECT b.sku, b.location, b.lot, b.qty, 0 FROM stock_balances b "
        "WHERE b.qty <> 0 AND NOT EXISTS (SELECT 1 FROM stock_movements m WHERE "
        "m.sku = b.sku AND m.location = b.location AND m.lot = b.lot)"
    ).fetchall()
    return [tuple(row) for row in rows]

"""Sales: the checkout that records a sale, its stock movements and its event, and receipts."""

from __future__ import annotations

import sqlite3
import uuid

import msgspec

from protocols import utc_now

from ..cart import Cart, Payment
from ..config import HubConfig
from ..errors import Conflict, Refused
from ..pricing import PricedLine, TaxTotal, price_line, settle, tax_totals
from . import counters
from .catalog import find_product
from .db import transaction
from .ledger import write_movements
from .outbox import append_event

# The contract's bound on a money amount (protocols.events.Minor).
MAX_AMOUNT_MINOR = 10**15


class Receipt(msgspec.Struct, frozen=True):
    """A recorded sale as the till prints it; `replayed` marks a retried checkout's answer."""

    receipt_no: int
    sale_id: str
    seq: int
    at: str
    location: str
    cashier: str
    currency: str
    tax_inclusive: bool
    net_minor: int
    tax_minor: int
    total_minor: int
    change_minor: int
    lines: list[PricedLine]
    taxes: list[TaxTotal]
    payments: list[Payment]
    replayed: bool = False

    def as_dict(self) -> dict[str, object]:
        return msgspec.to_builtins(self)


_INSERT_SALE = (
    "INSERT INTO sales (receipt_no, sale_id, seq, at, location, cashier, currency, "
    "tax_inclusive, net_minor, tax_minor, total_minor, change_minor) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_LINE = (
    "INSERT INTO sale_lines (receipt_no, line_no, sku, name, sold_by, qty, unit_price_minor, "
    "tax_rate_bp, net_minor, tax_minor, total_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_PAYMENT = (
    "INSERT INTO sale_payments (receipt_no, payment_no, method, amount_minor, reference) "
    "VALUES (?, ?, ?, ?, ?)"
)


def _price_cart(db: sqlite3.Connection, cart: Cart, tax_inclusive: bool) -> list[PricedLine]:
    lines = []
    for i, item in enumerate(cart.lines):
        product = find_product(db, item.code)
        if product is None:
            raise Refused(f"lines.{i}.code", f"no product has SKU or barcode {item.code!r}")
        if not product.active:
            raise Refused(
                f"lines.{i}.code", f"product {product.sku} ({product.name}) is no longer sold"
            )
        line = price_line(
            i + 1,
            sku=product.sku,
            name=product.name,
            sold_by=product.sold_by,
            qty=item.qty,
            unit_price_minor=product.unit_price_minor,
            tax_rate_bp=product.tax_rate_bp,
            tax_inclusive=tax_inclusive,
        )
        if line.total_minor > MAX_AMOUNT_MINOR:
            raise Refused(f"lines.{i}.qty", f"line total {line.total_minor} is too large")
        lines.append(line)
    return lines


def checkout(db: sqlite3.Connection, config: HubConfig, cart: Cart) -> Receipt:
    """Record a sale and return its receipt: all or nothing, in one transaction.

    Writes the sale header, lines and payments, one stock movement (delta -qty, reason
    "sale", reference the receipt number) per line with its balance, and one sale.completed
    outbox event, taking the receipt number and seq from the gap-free counters. Raises
    Refused for an unknown or archived product or payments that do not settle the total,
    and Conflict when `cart.sale_id` is already recorded with other lines or payments;
    a retry with the same sale id and cart returns the first receipt, marked replayed.
    """
    hub = config.hub
    with transaction(db):
        if cart.sale_id is not None:
            replay = _replay(db, cart)
            if replay is not None:
                return replay
        lines = _price_cart(db, cart, hub.tax_inclusive)
        taxes = tax_totals(lines)
        net = sum(line.net_minor for line in lines)
        tax = sum(line.tax_minor for line in lines)
        total = net + tax
        change = settle(total, cart.payments)
        receipt_no = counters.take_next(db, counters.RECEIPT_NO)
        sale_id = str(cart.sale_id or uuid.uuid4())
        cashier = cart.cashier or config.till.cashier
        moment = utc_now()
        body = {
            "sale_id": sale_id,
            "receipt_no": receipt_no,
            "location": hub.location,
            "cashier": cashier,
            "currency": hub.currency,
            "tax_inclusive": hub.tax_inclusive,
            "lines": lines,
            "taxes": taxes,
            "net_minor": net,
            "tax_minor": tax,
            "total_minor": total,
            "payments": cart.payments,
            "change_minor": change,
        }
        seq = append_event(db, hub.id, "sale.completed", body, at=moment)
        at = moment.isoformat()
        db.execute(
            _INSERT_SALE,
            (
                receipt_no,
                sale_id,
                seq,
                at,
                hub.location,
                cashier,
                hub.currency,
                int(hub.tax_inclusive),
                net,
                tax,
                total,
                change,
            ),
        )
        db.executemany(
            _INSERT_LINE,
            [
                (
                    receipt_no,
                    ln.line_no,
                    ln.sku,
                    ln.name,
                    ln.sold_by,
                    ln.qty,
                    ln.unit_price_minor,
                    ln.tax_rate_bp,
                    ln.net_minor,
                    ln.tax_minor,
                    ln.total_minor,
                )
                for ln in lines
            ],
        )
        db.executemany(
            _INSERT_PAYMENT,
            [
                (receipt_no, i + 1, p.method, p.amount_minor, p.reference)
                for i, p in enumerate(cart.payments)
            ],
        )
        reference = str(receipt_no)
        write_movements(
            db,
            [(ln.sku, hub.location, "", -ln.qty, "sale", reference, at, seq) for ln in lines],
        )
    return Receipt(
        receipt_no=receipt_no,
        sale_id=sale_id,
        seq=seq,
        at=at,
        location=hub.location,
        cashier=cashier,
        currency=hub.currency,
        tax_inclusive=hub.tax_inclusive,
        net_minor=net,
        tax_minor=tax,
        total_minor=total,
        change_minor=change,
        lines=lines,
        taxes=taxes,
        payments=list(cart.payments),
    )


def _replay(db: sqlite3.Connection, cart: Cart) -> Receipt | None:
    """The receipt already recorded under `cart.sale_id`, if the cart is the same one."""
    row = db.execute(
        "SELECT receipt_no FROM sales WHERE sale_id = ?", (str(cart.sale_id),)
    ).fetchone()
    if row is None:
        return None
    receipt = get_sale(db, row["receipt_no"])
    assert receipt is not None
    asked = []
    for item in cart.lines:
        product = find_product(db, item.code)
        asked.append((product.sku if product else item.code, item.qty))
    same_lines = asked == [(ln.sku, ln.qty) for ln in receipt.lines]
    if not same_lines or list(cart.payments) != receipt.payments:
        raise Conflict(
            "sale_id",
            f"sale {cart.sale_id} is already recorded as receipt {receipt.receipt_no} "
            "with other lines or payments",
        )
    return msgspec.structs.replace(receipt, replayed=True)


def get_sale(db: sqlite3.Connection, receipt_no: int) -> Receipt | None:
    """The sale with receipt number `receipt_no`, or None."""
    with transaction(db, write=False):
        sale = db.execute("SELECT * FROM sales WHERE receipt_no = ?", (receipt_no,)).fetchone()
        if sale is None:
            return None
        lines = [
            _from_row(PricedLine, r)
            for r in db.execute(
                "SELECT * FROM sale_lines WHERE receipt_no = ? ORDER BY line_no", (receipt_no,)
            )
        ]
        payments = [
            _from_row(Payment, r)
            for r in db.execute(
                "SELECT * FROM sale_payments WHERE receipt_no = ? ORDER BY payment_no",
                (receipt_no,),
            )
        ]
    # The header's columns share the receipt's field names; SQLite keeps the flag as 0/1.
    columns = dict(sale)
    header = {k: columns[k] for k in Receipt.__struct_fields__ if k in columns}
    header["tax_inclusive"] = bool(header["tax_inclusive"])
    return Receipt(**header, lines=lines, taxes=tax_totals(lines), payments=payments)


def _from_row(cls: type, row: sqlite3.Row):  # noqa: ANN202
    """A struct from the row columns that share its field names."""
    return cls(**{k: row[k] for k in cls.__struct_fields__})

"""Checkout arithmetic: line amounts, tax, totals and change, in exact integer minor units.

The one rounding rule, applied per line and never to a float:

1. A line's amount is `unit_price_minor x qty` for products sold by unit, and
   `price_per_kg_minor x grams / 1000` rounded half up to the minor unit for products sold
   by weight.
2. With tax-inclusive prices the amount is the line total and
   `net = round_half_up(total x 10000 / (10000 + rate_bp))`, `tax = total - net`.
   With tax-exclusive prices the amount is the net and
   `tax = round_half_up(net x rate_bp / 10000)`, `total = net + tax`.
3. Sale totals, and the net and tax of each rate, are sums of the line values, so a receipt
   always adds up line by line.

This module does no I/O; `edge.store.sales` looks products up and stores the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from .cart import Payment
from .errors import Refused

BP = 10_000  # Basis points in one whole.
GRAMS_PER_KG = 1_000


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, got {denominator}")
    if numerator < 0:
        return -round_half_up(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


class PricedLine(msgspec.Struct, frozen=True):
    """One priced line; its fields are those of a sale.completed line."""

    line_no: int
    sku: str
    name: str
    sold_by: str
    qty: int
    unit_price_minor: int
    tax_rate_bp: int
    net_minor: int
    tax_minor: int
    total_minor: int


class TaxTotal(msgspec.Struct, frozen=True):
    """Net and tax of all lines at one rate."""

    rate_bp: int
    net_minor: int
    tax_minor: int


def line_amount_minor(unit_price_minor: int, qty: int, sold_by: str) -> int:
    """The amount of `qty` base units: pieces at the unit price, or grams at the price per kg."""
    if sold_by == "weight":
        return round_half_up(unit_price_minor * qty, GRAMS_PER_KG)
    return unit_price_minor * qty


def split_tax(amount_minor: int, rate_bp: int, tax_inclusive: bool) -> tuple[int, int, int]:
    """Return (net, tax, total) of one line's amount under the rule in this module's docstring."""
    if tax_inclusive:
        net = round_half_up(amount_minor * BP, BP + rate_bp)
        return net, amount_minor - net, amount_minor
    tax = round_half_up(amount_minor * rate_bp, BP)
    return amount_minor, tax, amount_minor + tax


def price_line(
    line_no: int,
    *,
    sku: str,
    name: str,
    sold_by: str,
    qty: int,
    unit_price_minor: int,
    tax_rate_bp: int,
    tax_inclusive: bool,
) -> PricedLine:
    """Price `qty` base units of one product."""
    net, tax, total = split_tax(
        line_amount_minor(unit_price_minor, qty, sold_by), tax_rate_bp, tax_inclusive
    )
    return PricedLine(
        line_no=line_no,
        sku=sku,
        name=name,
        sold_by=sold_by,
        qty=qty,
        unit_price_minor=unit_price_minor,
        tax_rate_bp=tax_rate_bp,
        net_minor=net,
        tax_minor=tax,
        total_minor=total,
    )


def tax_totals(lines: Iterable[PricedLine]) -> list[TaxTotal]:
    """Net and tax per rate, by ascending rate; each is a sum of line values."""
    by_rate: dict[int, list[int]] = {}
    for line in lines:
        sums = by_rate.setdefault(line.tax_rate_bp, [0, 0])
        sums[0] += line.net_minor
        sums[1] += line.tax_minor
    return [TaxTotal(rate, net, tax) for rate, (net, tax) in sorted(by_rate.items())]


def settle(total_minor: int, payments: Sequence[Payment]) -> int:
    """Return the change owed for `payments` against `total_minor`; raise Refused if it can't.

    Payments must cover the total, and change is handed back only from cash: a card or UPI
    payment above what is due is refused rather than turned into cash.
    """
    paid = sum(t.amount_minor for t in payments)
    if paid < total_minor:
        raise Refused(
            "payments",
            f"payments of {paid} fall short of the total {total_minor} by {total_minor - paid}",
        )
    change = paid - total_minor
    cash = sum(t.amount_minor for t in payments if t.method == "cash")
    if change > cash:
        raise Refused(
            "payments",
            f"payments exceed the total {total_minor} by {change}, but change can only be "
            f"given from cash and {cash} was paid in cash",
        )
    return change

"""Checkout arithmetic: one rounding rule, exact integers, change only from cash."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.cart import Payment
from edge.errors import Refused
from edge.pricing import price_line, round_half_up, settle, tax_totals


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(0, 7, 0), (5, 10, 1), (4, 10, 0), (15, 10, 2), (25, 10, 3), (-5, 10, -1), (7, 7, 1)],
)
def test_halves_round_up_not_to_even(numerator, denominator, expected):
    assert round_half_up(numerator, denominator) == expected


# (sold_by, unit price, qty, rate bp, tax inclusive) -> (net, tax, total), worked by hand.
PRICING_TABLE = [
    # Tax-inclusive shelf prices: net = round_half_up(total x 10000 / (10000 + rate)).
    ("unit", 11800, 1, 1800, True, (10000, 1800, 11800)),
    ("unit", 100, 1, 1800, True, (85, 15, 100)),  # 84.75 rounds to 85.
    ("unit", 105, 1, 500, True, (100, 5, 105)),
    ("unit", 101, 1, 10000, True, (51, 50, 101)),  # 50.5: a half goes up, not to even.
    ("unit", 5, 1, 10000, True, (3, 2, 5)),  # 2.5 -> 3 (banker's rounding would say 2).
    ("unit", 14000, 3, 500, True, (40000, 2000, 42000)),
    ("unit", 6800, 2, 0, True, (13600, 0, 13600)),
    # Tax-exclusive prices: tax = round_half_up(net x rate / 10000).
    ("unit", 100, 1, 1800, False, (100, 18, 118)),
    ("unit", 250, 1, 500, False, (250, 13, 263)),  # 12.5 -> 13.
    ("unit", 10, 1, 1250, False, (10, 1, 11)),  # 1.25 -> 1.
    ("unit", 30, 1, 500, False, (30, 2, 32)),  # 1.5 -> 2.
    ("unit", 4500, 4, 2800, False, (18000, 5040, 23040)),
    # Weighed goods: price per kg x grams / 1000, rounded half up before tax.
    ("weight", 6550, 1234, 500, True, (7698, 385, 8083)),  # 8082.7 -> 8083.
    ("weight", 999, 500, 0, True, (500, 0, 500)),  # 499.5 -> 500.
    ("weight", 1, 499, 0, True, (0, 0, 0)),  # 0.499 -> 0.
    ("weight", 1, 500, 0, False, (1, 0, 1)),  # 0.5 -> 1.
    ("weight", 12000, 250, 1800, False, (3000, 540, 3540)),
    ("weight", 6550, 1, 500, True, (7, 0, 7)),  # One gram: 6.55 -> 7; net 6.67 -> 7, no tax.
]


@pytest.mark.parametrize(
    ("sold_by", "price", "qty", "rate_bp", "inclusive", "expected"),
    PRICING_TABLE,
)
def test_line_prices_follow_the_rounding_table(sold_by, price, qty, rate_bp, inclusive, expected):
    line = price_line(
        1,
        sku="X",
        name="X",
        sold_by=sold_by,
        qty=qty,
        unit_price_minor=price,
        tax_rate_bp=rate_bp,
        tax_inclusive=inclusive,
    )
    assert (line.net_minor, line.tax_minor, line.total_minor) == expected


def test_a_cart_with_several_rates_sums_its_lines_per_rate():
    lines = [
        price_line(
            i + 1,
            sku=f"S{i}",
            name="x",
            sold_by="unit",
            qty=qty,
            unit_price_minor=price,
            tax_rate_bp=rate,
            tax_inclusive=True,
        )
        for i, (price, qty, rate) in enumerate(
            [(14000, 1, 500), (4500, 2, 1800), (105, 1, 500), (6800, 1, 0)]
        )
    ]
    taxes = tax_totals(lines)
    assert [(t.rate_bp, t.net_minor, t.tax_minor) for t in taxes] == [
        (0, 6800, 0),
        (500, 13333 + 100, 667 + 5),
        (1800, 7627, 1373),
    ]
    assert sum(t.net_minor + t.tax_minor for t in taxes) == sum(ln.total_minor for ln in lines)


@given(
    price=st.integers(0, 10**7),
    qty=st.integers(1, 100_000),
    rate=st.integers(0, 10_000),
    inclusive=st.booleans(),
    sold_by=st.sampled_from(["unit", "weight"]),
)
def test_every_line_adds_up_and_tax_is_the_nearest_minor_unit(price, qty, rate, inclusive, sold_by):
    line = price_line(
        1,
        sku="X",
        name="X",
        sold_by=sold_by,
        qty=qty,
        unit_price_minor=price,
        tax_rate_bp=rate,
        tax_inclusive=inclusive,
    )
    assert line.net_minor + line.tax_minor == line.total_minor
    assert 0 <= line.tax_minor <= line.total_minor
    exact_amount = Fraction(price * qty, 1000 if sold_by == "weight" else 1)
    amount = line.total_minor if inclusive else line.net_minor
    assert abs(amount - exact_amount) <= Fraction(1, 2)
    if inclusive:
        assert abs(line.net_minor - Fraction(amount * 10000, 10000 + rate)) <= Fraction(1, 2)
    else:
        assert abs(line.tax_minor - Fraction(amount * rate, 10000)) <= Fraction(1, 2)


def cash(amount: int) -> Payment:
    return Payment("cash", amount)


@pytest.mark.parametrize(
    ("total", "payments", "change"),
    [
        (1000, [cash(1000)], 0),
        (1000, [cash(2000)], 1000),
        (1000, [Payment("card", 600, "slip-1"), cash(500)], 100),
        (1000, [Payment("upi", 1000, "upi-9")], 0),
        (1000, [Payment("card", 400), Payment("upi", 600)], 0),
    ],
)
def test_payments_settle_the_total_with_change_from_cash(total, payments, change):
    assert settle(total, payments) == change


@pytest.mark.parametrize(
    ("total", "payments", "reason"),
    [
        (1000, [cash(999)], "fall short of the total 1000 by 1"),
        (1000, [Payment("card", 1200)], "change can only be given from cash"),
        (1000, [cash(100), Payment("card", 1100)], "100 was paid in cash"),
    ],
)
def test_payments_that_cannot_settle_are_refused(total, payments, reason):
    with pytest.raises(Refused, match=reason) as err:
        settle(total, payments)
    assert err.value.field == "payments"

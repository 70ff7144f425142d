"""Reading scanned codes: GTINs, variable-measure EAN-13 rules and GS1 element strings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import InvalidPayload
from protocols.codes import (
    DEFAULT_RULES,
    GS,
    ScannedCode,
    VariableMeasureRule,
    interpret,
    price_check_digit,
    rules_from,
)

GTIN_13 = "09876543210982"  # A GTIN-13 (9876543210982) in its 14-digit GS1 form.


@pytest.mark.parametrize(
    ("text", "gtin"),
    [
        ("4006381333931", "4006381333931"),  # EAN-13
        ("96385074", "96385074"),  # EAN-8
        ("036000291452", "036000291452"),  # UPC-A
        ("10012345678902", "10012345678902"),  # GTIN-14 (ITF-14 case)
        ("]E04006381333931", "4006381333931"),  # With an EAN symbology identifier.
    ],
)
def test_a_plain_gtin_is_read_with_its_check_digit(text, gtin):
    code = interpret(text)
    assert (code.kind, code.gtin) == ("gtin", gtin)


def test_a_gtin_with_a_wrong_check_digit_names_the_digit_expected():
    with pytest.raises(InvalidPayload) as err:
        interpret("4006381333932")
    assert err.value.field == "gtin"
    assert "expected 1" in err.value.reason


@pytest.mark.parametrize(
    ("text", "item", "weight_g", "price_minor"),
    [
        ("2100005080002", "00005", 8000, None),  # 21 IIIII WWWWW C: 8.000 kg
        ("2112345001500", "12345", 150, None),  # 0.150 kg
        ("2305000123451", "05000", None, 12345),  # 23 IIIII PPPPP C: 123.45
    ],
)
def test_variable_measure_codes_follow_the_default_rules(text, item, weight_g, price_minor):
    code = interpret(text)
    assert code.kind == "variable_measure"
    assert (code.item_code, code.net_weight_g, code.price_minor) == (item, weight_g, price_minor)
    assert code.gtin is None  # The item code, not a GTIN, finds the product.


def test_a_prefix_2_code_without_a_rule_is_an_ordinary_store_code():
    assert interpret("2000001000007", rules=()).kind == "gtin"


@pytest.mark.parametrize(("value", "check"), [("2875", 9), ("14685", 6)])
def test_price_check_digits_match_the_gs1_examples(value, check):
    assert price_check_digit(value) == check


def test_a_store_rule_with_a_price_check_digit_is_checked():
    # 28 IIII C PPPPP K: item 1234, price check 6 over 146.85, then the EAN-13 check digit.
    rule = VariableMeasureRule(
        "28", "price_minor", item_digits=4, value_decimals=2, price_check=True
    )
    assert interpret("2812346146858", rules=(rule,)).price_minor == 14685
    with pytest.raises(InvalidPayload) as err:
        interpret("2812345146859", rules=(rule,))
    assert err.value.field == "price_check"


def test_rules_come_from_config_tables_and_name_the_bad_key():
    rules = rules_from([{"prefix": "25", "kind": "weight_g", "value_decimals": 3}])
    assert interpret("2500005080000", rules=rules).net_weight_g == 8000
    with pytest.raises(InvalidPayload) as err:
        rules_from([{"prefix": "25", "kind": "weight_g"}, {"prefix": "26", "kind": "volume"}])
    assert err.value.field == "rules.1.kind"
    with pytest.raises(InvalidPayload) as err:
        rules_from([{"prefix": "25", "kind": "weight_g", "item_digits": 6}])
    assert err.value.field == "rules.0.value_digits"
    with pytest.raises(InvalidPayload) as err:
        rules_from([{"prefix": "25", "kind": "weight_g", "colour": "red"}])
    assert err.value.field == "rules.0.colour"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # GS1-128 with its symbology identifier; the lot ends at GS, the serial at the end.
        (
            f"]C101{GTIN_13}1710063010ABC123{GS}21XYZ",
            {"gtin": "9876543210982", "expiry": "2010-06-30", "lot": "ABC123", "serial": "XYZ"},
        ),
        # GS1 DataMatrix on a medicine pack: GTIN, expiry, lot, serial.
        (
            f"]d201{GTIN_13}17291231101234{GS}21SN-77",
            {"gtin": "9876543210982", "expiry": "2029-12-31", "lot": "1234", "serial": "SN-77"},
        ),
        # Day 00 means the last day of the month (here a leap February).
        (f"01{GTIN_13}17280200", {"expiry": "2028-02-29"}),
        # Net weight in kg with 3 decimals and a price with 2 decimals.
        (f"01{GTIN_13}3103001234{GS}392212345", {"net_weight_g": 1234, "price_minor": 12345}),
        # 3102: two decimals, so 1.25 kg.
        (f"01{GTIN_13}3102000125", {"net_weight_g": 1250}),
        # The human-readable form printed under the bars.
        ("(01)09876543210982(3103)000500(10)L1", {"net_weight_g": 500, "lot": "L1"}),
        # DataBar Expanded and a substitute separator already turned into GS.
        (f"]e001{GTIN_13}10LOT9{GS}3922999", {"lot": "LOT9", "price_minor": 999}),
        # An element string without its symbology identifier.
        (f"01{GTIN_13}", {"gtin": "9876543210982"}),
        # A GTIN-14 that is not GTIN-13 padding keeps all 14 digits.
        ("]C10110012345678902", {"gtin": "10012345678902"}),
    ],
)
def test_gs1_element_strings_are_read_into_fields(text, expected):
    code = interpret(text)
    assert code.kind == "gs1"
    assert {key: getattr(code, key) for key in expected} == expected


def test_a_configured_substitute_separator_ends_a_variable_field():
    code = interpret(f"01{GTIN_13}10ABC123|21XYZ", separators=("|",))
    assert (code.lot, code.serial) == ("ABC123", "XYZ")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        # Without the separator after the lot, the serial may be inside the lot.
        (f"]C101{GTIN_13}10ABC12321XYZ", "lot"),
        (f"01{GTIN_13}1713130010AB", "expiry"),  # Month 13.
        (f"]C10109876543210983{GS}10AB", "gtin"),  # Bad GTIN check digit.
        (f"]C101{GTIN_13}10AB{GS}10CD", "lot"),  # Two different lots.
        (f"]C101{GTIN_13}99", "gs1.99"),  # An AI with no data.
        ("]C1ABC", "gs1"),
        ("", "code"),
        ("abc\x07", "code"),
    ],
)
def test_malformed_or_ambiguous_codes_are_refused_naming_the_part(text, field):
    with pytest.raises(InvalidPayload) as err:
        interpret(text)
    assert err.value.field == field, err.value.reason


def test_the_ambiguous_lot_reads_once_the_separator_is_there():
    code = interpret(f"]C101{GTIN_13}10ABC123{GS}21XYZ")
    assert (code.lot, code.serial) == ("ABC123", "XYZ")


def test_text_that_is_no_gtin_or_gs1_is_kept_as_text():
    assert interpret("SHELF-A12") == ScannedCode(text="SHELF-A12", kind="text")


def test_as_dict_has_the_parse_code_fields_first():
    keys = list(interpret("4006381333931").as_dict())
    assert keys[:6] == ["gtin", "lot", "expiry", "serial", "net_weight_g", "price_minor"]


def test_the_default_rules_are_data():
    assert all(isinstance(rule, VariableMeasureRule) for rule in DEFAULT_RULES)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.text(alphabet="0123456789()]Cd2e" + GS, max_size=60),
        st.builds(lambda tail: f"]C101{GTIN_13}{tail}", st.text("0123456789AB" + GS, max_size=40)),
    )
)
def test_any_text_is_read_or_refused_clearly(text):
    try:
        code = interpret(text)
    except InvalidPayload as err:
        assert err.field is not None and err.reason
    else:
        assert code.text == text

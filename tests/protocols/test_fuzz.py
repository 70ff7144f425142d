"""Whatever arrives on the wire, a parser returns a value or raises InvalidPayload: nothing else."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols import (
    InvalidPayload,
    parse_ack,
    parse_batch,
    parse_command,
    parse_event,
    parse_status,
    split_batch,
)
from tests.protocols.samples import ack, batch, catalog_update, envelope, status_body

PARSERS = {
    "parse_batch": parse_batch,
    "split_batch": split_batch,
    "parse_event": parse_event,
    "parse_status": parse_status,
    "parse_command": parse_command,
    "parse_ack": parse_ack,
}

VALID = {
    "parse_batch": lambda: batch(
        envelope("sale.completed", 1), envelope("stock.moved", 2), envelope("hub.status", 3)
    ),
    "split_batch": lambda: batch(envelope("stock.moved", 1), envelope("sale.completed", 2)),
    "parse_event": lambda: envelope("sale.completed"),
    "parse_status": status_body,
    "parse_command": catalog_update,
    "parse_ack": ack,
}

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values that sit on the contract's edges: the wrong JSON type, huge and negative numbers,
# floats for ints, odd strings.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2**63 - 1, 2**63, 10**15 + 1, 2.0, 0.5, -0.0, 1e308]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["", "till-1", "2026-11-25T07:25:00", "2026-11-25T07:25:00Z", "sale.completed",
                     "00000000-0000-0000-0000-000000000000", "\x00", "é", "INR", "weight"]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a node in a JSON value, the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += paths(child, (*prefix, i))
    return found


@st.composite
def mutated(draw, make_valid) -> bytes:
    """A valid payload with one to three nodes replaced, removed or given a stranger."""
    data = make_valid()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(data)))
        if not path:
            data = draw(json_values)
            continue
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(json_values)
        else:
            parent.append(draw(json_values))
        if not isinstance(data, dict | list):
            break
    return json.dumps(copy.deepcopy(data)).encode()


@st.composite
def corrupted(draw, make_valid) -> bytes:
    """A valid payload's bytes with a few bytes flipped, cut out or inserted."""
    raw = bytearray(json.dumps(make_valid()).encode())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip" and at < len(raw):
            raw[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del raw[at : at + draw(st.integers(1, 8))]
        else:
            raw[at:at] = draw(st.binary(min_size=1, max_size=4))
    return bytes(raw)


def only_invalid_payload_escapes(parse, raw: bytes | str) -> None:
    try:
        parse(raw)
    except InvalidPayload as err:
        assert isinstance(err.field, str)
        assert isinstance(err.reason, str) and err.reason
        assert err.as_dict()["error"] == "invalid_payload"


# Inputs that once escaped as UnicodeDecodeError or TypeError instead of InvalidPayload.
KNOWN_ESCAPES = [(name, b'{"\x80": 1}') for name in sorted(PARSERS)] + [
    ("parse_event", b'{"v": 1, "hub": "till-\xff"}'),
    ("parse_batch", b'{"v": 1, "hub": "till-\xff"}'),
    ("parse_ack", b'{"seq": 1, "refused": "\xff"}'),
    ("parse_event", b'{"v": [], "type": "stock.moved"}'),
    ("parse_event", b'{"v": 1, "type": {}}'),
    ("split_batch", b'{"v": {}, "hub": "till-1"}'),
]


@pytest.mark.parametrize(("name", "raw"), KNOWN_ESCAPES)
def test_known_escapes_become_invalid_payload(name, raw):
    with pytest.raises(InvalidPayload):
        PARSERS[name](raw)


def test_a_batch_keeps_an_event_with_a_list_for_its_type_as_a_bad_event():
    raw = (
        b'{"v": 1, "hub": "till-1", "sent_at": "2026-11-25T07:25:01Z", '
        b'"events": [{"v": 1, "type": []}]}'
    )
    _header, good, bad = PARSERS["split_batch"](raw)
    assert good == []
    assert [(err.field, raw_event) for err, raw_event in bad] == [
        ("events.0.type", b'{"v": 1, "type": []}')
    ]


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes(name, raw):
    only_invalid_payload_escapes(PARSERS[name], raw)


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ
@given(value=json_values)
def test_arbitrary_json(name, value):
    only_invalid_payload_escapes(PARSERS[name], json.dumps(value).encode())


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ
@given(data=st.data())
def test_mutated_valid_payloads(name, data):
    raw = data.draw(mutated(VALID[name]))
    only_invalid_payload_escapes(PARSERS[name], raw)


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ
@given(data=st.data())
def test_corrupted_valid_payloads(name, data):
    raw = data.draw(corrupted(VALID[name]))
    only_invalid_payload_escapes(PARSERS[name], raw)


@pytest.mark.parametrize("name", ["parse_event", "parse_status", "parse_command", "parse_ack"])
@FUZZ
@given(text=st.text(max_size=200))
def test_str_input_is_accepted_like_bytes(name, text):
    only_invalid_payload_escapes(PARSERS[name], text)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_the_valid_payloads_the_fuzzers_start_from_are_valid(name):
    PARSERS[name](json.dumps(VALID[name]()).encode())

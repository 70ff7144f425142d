"""Whatever bytes arrive, ingest stores them or dead-letters them, and never raises."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cloud.db import DeadLetter, Event, make_engine, make_sessionmaker, migrate
from tests.cloud.factories import batch, events_topic, sale, status_topic
from tests.cloud.helpers import ingest


@pytest.fixture(scope="module")
def fuzz_sessions(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'cloud.db'}")
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def totals(sessions) -> tuple[int, int]:
    with sessions() as session:
        events = session.execute(select(func.count()).select_from(Event)).scalar_one()
        dead = session.execute(select(func.sum(DeadLetter.attempts))).scalar() or 0
    return events, dead


FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(payload=st.binary(max_size=2000), topic=st.sampled_from([events_topic(), status_topic()]))
def test_arbitrary_bytes_become_a_dead_letter(fuzz_sessions, payload, topic):
    before = totals(fuzz_sessions)

    result = ingest(fuzz_sessions, topic, payload)

    assert result.dead_lettered == 1
    assert totals(fuzz_sessions) == (before[0], before[1] + 1)


VALID = batch([sale(1), sale(2)])


@FUZZ
@given(
    at=st.integers(min_value=0, max_value=len(VALID) - 1),
    byte=st.integers(min_value=0, max_value=255),
)
def test_a_batch_with_one_byte_changed_is_stored_or_dead_lettered(fuzz_sessions, at, byte):
    payload = VALID[:at] + bytes([byte]) + VALID[at + 1 :]

    result = ingest(fuzz_sessions, events_topic(), payload)

    # Every event is accounted for: stored now, stored before, or kept as a dead letter.
    assert result.stored + result.duplicates + result.dead_lettered >= 1
    assert result.ack is not None and result.ack.seq <= 2

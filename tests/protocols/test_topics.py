"""Topic names as protocols/README.md lists them, and the helpers that read them back."""

from __future__ import annotations

import pytest

from protocols import Topics
from protocols.topics import INGEST_SUBSCRIPTIONS, QOS


def test_a_hub_has_four_topics_under_its_own_subtree():
    topics = Topics("till-1")
    assert (topics.events, topics.status, topics.ack, topics.cmd) == (
        "sf/v1/hub/till-1/events",
        "sf/v1/hub/till-1/status",
        "sf/v1/hub/till-1/ack",
        "sf/v1/hub/till-1/cmd",
    )
    assert QOS == 1


@pytest.mark.parametrize("kind", ["events", "status", "ack", "cmd"])
def test_the_hub_and_kind_are_read_back_from_a_topic(kind):
    topic = getattr(Topics("van-07"), kind)
    assert Topics.hub_of(topic) == "van-07"
    assert Topics.kind_of(topic) == kind


@pytest.mark.parametrize(
    "topic",
    [
        "sf/v1/hub//events",
        "sf/v2/hub/till-1/events",
        "sf/v1/hubs/till-1/events",
        "sf/v1/hub/till-1",
        "sf/v1/hub/till-1/events/extra",
        "/sf/v1/hub/till-1/events",
        "",
    ],
)
def test_a_topic_outside_the_hub_tree_is_refused(topic):
    with pytest.raises(ValueError, match="is not under sf/v1/hub/"):
        Topics.hub_of(topic)


def test_ingest_workers_share_the_events_and_status_of_every_hub():
    assert INGEST_SUBSCRIPTIONS == (
        "$share/ingest/sf/v1/hub/+/events",
        "$share/ingest/sf/v1/hub/+/status",
    )


def test_topics_are_values():
    assert Topics("till-1") == Topics("till-1")
    with pytest.raises(AttributeError):
        Topics("till-1").hub = "till-2"  # type: ignore[misc]

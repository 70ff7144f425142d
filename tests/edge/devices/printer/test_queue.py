"""The print queue's data functions: jobs in order per printer, retries counted, failures kept."""

from __future__ import annotations

import pytest

from edge.cart import cart
from edge.errors import NotFound, Refused
from edge.store import checkout
from edge.store import printing as queue


def test_jobs_come_out_oldest_first_and_only_for_their_printer(db):
    first = queue.enqueue(db, "receipt", "kick", {"pin": 2, "on_ms": 100, "off_ms": 100})
    queue.enqueue(db, "kitchen", "kick", {"pin": 2, "on_ms": 100, "off_ms": 100})
    second = queue.enqueue_kick(db, "receipt", pin=5)
    assert queue.next_job(db, "receipt").id == first
    queue.mark_printed(db, first)
    assert queue.next_job(db, "receipt").id == second
    assert queue.next_job(db, "nobody") is None


def test_a_retry_is_counted_and_a_failure_kept_with_its_reason(db):
    job = queue.enqueue_kick(db, "receipt")
    queue.mark_retry(db, job, "paper out")
    queue.mark_retry(db, job, "paper out")
    assert (queue.get_job(db, job).attempts, queue.get_job(db, job).state) == (2, "pending")
    queue.mark_failed(db, job, "no such receipt")
    failed = queue.get_job(db, job)
    assert (failed.state, failed.last_error, failed.attempts) == ("failed", "no such receipt", 3)
    assert queue.next_job(db, "receipt") is None
    assert [j.id for j in queue.list_jobs(db, state="failed")] == [job]


def test_a_receipt_job_needs_a_recorded_sale(db, config):
    with pytest.raises(NotFound, match="receipt number 7"):
        queue.enqueue_receipt(db, "receipt", 7)
    receipt = checkout(db, config, cart([("SOAP", 1)], [("cash", 4500)]))
    job = queue.get_job(db, queue.enqueue_receipt(db, "receipt", receipt.receipt_no, "till-1"))
    assert job.payload == {"receipt_no": 1, "hub": "till-1"} and job.kind == "receipt"


def test_a_label_job_takes_the_product_from_the_catalog(db):
    job = queue.get_job(db, queue.enqueue_label(db, "receipt", "RICE-LOOSE", currency="INR"))
    assert job.payload == {"name": "Rice, loose", "price_minor": 6550, "currency": "INR",
                           "code": "RICE-LOOSE", "symbology": "CODE128", "unit": "kg",
                           "copies": 1}  # fmt: skip
    with pytest.raises(Refused, match="copies"):
        queue.enqueue_label(db, "receipt", "SOAP", currency="INR", copies=101)


def test_a_job_of_an_unknown_kind_is_refused(db):
    with pytest.raises(ValueError, match="kind"):
        queue.enqueue(db, "receipt", "fax", {})

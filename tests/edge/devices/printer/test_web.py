"""Printing from the hub's API: a sale never waits for a printer, and receipts can be reprinted."""

from __future__ import annotations

import json

import pytest

from edge.devices.base import State
from edge.devices.printer.protocol import Kick, PrintedBarcode, text_lines
from edge.store import get_sale
from edge.store import printing as queue
from tests.edge.devices.printer.conftest import fast_config
from tests.edge.helpers import SOAP_BARCODE, TEA_BARCODE
from tests.support import free_port, wait_until


def check_out(client):
    body = {"lines": [{"code": SOAP_BARCODE, "qty": 1}],
            "payments": [{"method": "cash", "amount_minor": 5000}]}  # fmt: skip
    answer = client.post("/api/checkout", data=json.dumps(body))
    assert answer.status_code == 201, answer.json
    return answer.json["receipt_no"]


def test_a_sale_is_recorded_and_its_receipt_queued_when_no_printer_is_reachable(
    client, db, start_driver, watch
):
    start_driver(fast_config(f"127.0.0.1:{free_port()}"))  # Nothing listens there.
    receipt_no = check_out(client)
    answer = client.post(f"/api/sales/{receipt_no}/print")
    assert answer.status_code == 202
    assert answer.json["state"] == "pending" and answer.json["printer"] == "receipt"
    assert "cannot be opened" in watch.reason_of(State.DISCONNECTED)
    wait_until(lambda: queue.get_job(db, answer.json["id"]).attempts >= 1, what="an attempt")
    assert get_sale(db, receipt_no) is not None
    assert client.get(f"/api/sales/{receipt_no}").status_code == 200
    assert queue.get_job(db, answer.json["id"]).state == "pending"


def test_a_receipt_is_reprinted_by_its_number(client, db, printer_sim, start_driver):
    receipt_no = check_out(client)
    first = client.post(f"/api/sales/{receipt_no}/print").json["id"]
    again = client.post(f"/api/sales/{receipt_no}/print").json["id"]
    assert first != again
    start_driver(fast_config(printer_sim.address))
    wait_until(lambda: len(printer_sim.documents()) == 2, what="the receipt twice")
    one, two = printer_sim.documents()
    assert one == two
    assert PrintedBarcode("CODE128", f"R{receipt_no:08d}") in one
    jobs = client.get("/api/print/jobs?state=printed").json["jobs"]
    assert [job["id"] for job in jobs] == [first, again]


def test_printing_an_unknown_receipt_is_404(client):
    answer = client.post("/api/sales/999/print")
    assert answer.status_code == 404
    assert answer.json["field"] == "receipt_no"


def test_the_queue_can_be_listed_by_printer_and_state(client, db):
    receipt_no = check_out(client)
    client.post(f"/api/sales/{receipt_no}/print?printer=counter-2")
    assert len(client.get("/api/print/jobs?printer=counter-2").json["jobs"]) == 1
    assert client.get("/api/print/jobs?printer=receipt").json["jobs"] == []
    assert client.get("/api/print/jobs?state=lost").status_code == 400


def test_a_queued_job_survives_a_restart_of_the_hub(config, db, client, printer_sim, start_driver):
    receipt_no = check_out(client)
    client.post(f"/api/sales/{receipt_no}/print")
    db.close()  # The power goes; only what was committed is left.
    from edge.store import open_db

    reopened = open_db(config.store.db_path)
    try:
        [job] = queue.list_jobs(reopened, state="pending")
        start_driver(fast_config(printer_sim.address))
        wait_until(lambda: queue.get_job(reopened, job.id).state == "printed", what="the job")
    finally:
        reopened.close()


def test_shelf_labels_print_with_the_product_barcode_or_its_sku(client, printer_sim, start_driver):
    assert client.post(f"/api/products/{TEA_BARCODE}/label?copies=2").status_code == 202
    assert client.post("/api/products/RICE-LOOSE/label").status_code == 202  # No barcode.
    start_driver(fast_config(printer_sim.address))
    wait_until(lambda: len(printer_sim.documents()) == 2, what="two label jobs")
    tea, rice = printer_sim.documents()
    assert tea.count(PrintedBarcode("EAN13", TEA_BARCODE)) == 2
    assert PrintedBarcode("CODE128", "RICE-LOOSE") in rice
    assert "Rs.65.50/kg" in text_lines(rice)


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/api/products/NOPE/label", 404, "code"),
        ("/api/products/SOAP/label?copies=0", 422, "copies"),
        ("/api/products/SOAP/label?copies=x", 400, "copies"),
        ("/api/drawer/open?pin=3", 400, "pin"),
    ],
)
def test_bad_print_requests_name_their_field(client, url, status, field):
    answer = client.post(url)
    assert answer.status_code == status and answer.json["field"] == field


def test_the_drawer_opens_through_the_queue(client, printer_sim, start_driver):
    assert client.post("/api/drawer/open?pin=5").status_code == 202
    start_driver(fast_config(printer_sim.address))
    [printed] = wait_until(printer_sim.documents, what="the kick")
    assert printed == [Kick(pin=5, on_ms=100, off_ms=100)]

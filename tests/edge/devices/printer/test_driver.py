"""The printer driver against its simulator over TCP: receipts, paper out, unplug, garbage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from edge.cart import cart
from edge.devices.base import State
from edge.devices.printer.protocol import (
    Cut,
    Line,
    Paper,
    PrintedBarcode,
    PrintedQR,
    text_lines,
)
from edge.devices.printer.simulator import SerialPrinterSimulator
from edge.store import checkout
from edge.store import printing as queue
from tests.edge.devices.printer.conftest import fast_config
from tests.support import free_port, wait_until


def sell(db, config):
    """Two teas and a soap, paid 500.00 in cash: total 325.00, change 175.00."""
    return checkout(db, config, cart([("TEA-250", 2), ("SOAP", 1)], [("cash", 50000)]))


def printed_state(db, job_id):
    job = queue.get_job(db, job_id)
    return job.state if job else None


def test_a_receipt_prints_with_lines_taxes_payments_and_a_scannable_number(
    db, config, printer_sim, start_driver, watch
):
    receipt = sell(db, config)
    job = queue.enqueue_receipt(db, "receipt", receipt.receipt_no, hub="till-1")
    start_driver(fast_config(printer_sim.address))
    [printed] = wait_until(printer_sim.documents, what="the receipt")
    lines = text_lines(printed)
    assert lines[:2] == ["Corner Store", "GSTIN 29ABCDE1234F1Z5"]
    assert lines[2].startswith("Receipt 1 ")
    assert lines[3].startswith("store-1 / till-1") and lines[3].endswith("Cashier till")
    assert lines[5].startswith("Tea 250 g") and lines[5].endswith("Rs.280.00")
    assert lines[6] == "  2 x Rs.140.00"
    assert lines[7].startswith("Bath soap") and lines[7].endswith("Rs.45.00")
    # GST-style breakdown: the net and tax of each rate, then the total.
    assert [x.split() for x in lines if x.startswith("Tax ")] == [
        ["Tax", "5.00%", "on", "Rs.266.67", "Rs.13.33"],
        ["Tax", "18.00%", "on", "Rs.38.14", "Rs.6.86"],
    ]
    assert Line(f"TOTAL{' ' * 28}Rs.325.00", bold=True) in printed
    assert all(len(line) <= 42 for line in lines)  # Columns line up after the fallback.
    assert lines[-2].startswith("Paid cash") and lines[-2].endswith("Rs.500.00")
    assert lines[-1].startswith("Change") and lines[-1].endswith("Rs.175.00")
    assert printed[-3:] == [
        PrintedBarcode("CODE128", "R00000001"),
        PrintedQR("R00000001"),
        Cut(),
    ]
    wait_until(lambda: printed_state(db, job) == "printed", what="the job marked printed")
    watch.wait_for(State.CONNECTED)


def test_paper_out_holds_the_job_until_the_roll_is_refilled(
    db, config, printer_sim, start_driver, watch
):
    printer_sim.set_paper(Paper.OUT)
    job = queue.enqueue_receipt(db, "receipt", sell(db, config).receipt_no)
    start_driver(fast_config(printer_sim.address))
    watch.wait_for(State.ERROR, "paper out")  # The till shows it; the sale is long done.
    wait_until(lambda: queue.get_job(db, job).attempts >= 2, what="retries")
    assert printed_state(db, job) == "pending" and printer_sim.documents() == []
    printer_sim.set_paper(Paper.OK)  # The cashier puts a new roll in.
    watch.wait_for(State.CONNECTED)
    wait_until(printer_sim.documents, what="the receipt after the refill")
    wait_until(lambda: printed_state(db, job) == "printed", what="the job marked printed")


def test_an_unplugged_printer_is_retried_and_prints_after_replug(
    db, config, printer_sim, start_driver, watch
):
    start_driver(fast_config(printer_sim.address))
    watch.wait_for(State.CONNECTED)
    printer_sim.unplug()  # The network cable is pulled.
    assert printer_sim.address in watch.reason_of(State.DISCONNECTED)
    job = queue.enqueue_receipt(db, "receipt", sell(db, config).receipt_no)
    wait_until(lambda: queue.get_job(db, job).attempts >= 1, what="a failed attempt")
    assert printed_state(db, job) == "pending"
    printer_sim.replug()  # It recovers without a hub restart.
    watch.wait_for(State.CONNECTED)
    wait_until(lambda: printed_state(db, job) == "printed", what="the job after replug")
    wait_until(printer_sim.documents, what="the receipt after replug")
    assert [s for s, _ in watch.states()] == [State.CONNECTED, State.DISCONNECTED, State.CONNECTED]


def test_garbage_status_answers_are_counted_and_printing_goes_on(
    db, config, printer_sim, start_driver
):
    printer_sim.garble(answers=3)  # One whole status round of noise.
    job = queue.enqueue_receipt(db, "receipt", sell(db, config).receipt_no)
    driver = start_driver(fast_config(printer_sim.address))
    wait_until(lambda: printed_state(db, job) == "printed", what="the job despite noise")
    assert driver.garbage >= 1


def test_a_job_that_can_never_print_fails_and_the_next_one_prints(
    db, config, printer_sim, start_driver
):
    lost = queue.enqueue(db, "receipt", "receipt", {"receipt_no": 999, "hub": ""})
    good = queue.enqueue_receipt(db, "receipt", sell(db, config).receipt_no)
    start_driver(fast_config(printer_sim.address))
    wait_until(lambda: printed_state(db, good) == "printed", what="the good job")
    assert queue.get_job(db, lost).state == "failed"
    assert "999" in queue.get_job(db, lost).last_error


def test_jobs_for_another_printer_are_left_to_it(db, config, printer_sim, start_driver):
    other = queue.enqueue_receipt(db, "kitchen", sell(db, config).receipt_no)
    mine = queue.enqueue_receipt(db, "receipt", 1)
    start_driver(fast_config(printer_sim.address))
    wait_until(lambda: printed_state(db, mine) == "printed", what="this printer's job")
    assert printed_state(db, other) == "pending"


def test_a_product_label_prints_through_the_queue(db, printer_sim, start_driver):
    payload = {"name": "Tea 250 g", "price_minor": 14000, "currency": "INR",
               "code": "8901234567890", "symbology": "EAN13", "copies": 1}  # fmt: skip
    queue.enqueue(db, "receipt", "label", payload)
    queue.enqueue(db, "receipt", "label", {"name": "Aisle 4", "qr": "https://shop.example/a4"})
    start_driver(fast_config(printer_sim.address))
    wait_until(lambda: len(printer_sim.documents()) == 2, what="two labels")
    product, shelf = printer_sim.documents()
    assert PrintedBarcode("EAN13", "8901234567890") in product
    assert "Rs.140.00" in text_lines(product)
    assert PrintedQR("https://shop.example/a4") in shelf


def test_a_printer_nobody_listens_for_is_disconnected_not_crashed(start_driver, watch):
    start_driver(fast_config(f"127.0.0.1:{free_port()}"))
    assert "cannot be opened" in watch.reason_of(State.DISCONNECTED)


def test_a_usb_printer_that_is_not_plugged_in_is_disconnected(start_driver, watch):
    # An Epson TM-T20 by vendor:product id; no such device is on this machine's USB bus.
    start_driver(fast_config("04b8:0e28", connection="usb"))
    assert "cannot be opened" in watch.reason_of(State.DISCONNECTED)


def test_a_connection_dropped_mid_receipt_is_retried_and_the_receipt_prints_whole(
    db, config, printer_sim, start_driver
):
    printer_sim.drop_after(40)  # The printer reboots while the header is being sent.
    job = queue.enqueue_receipt(db, "receipt", sell(db, config).receipt_no)
    start_driver(fast_config(printer_sim.address))
    wait_until(lambda: printed_state(db, job) == "printed", what="the job after the drop")
    assert queue.get_job(db, job).attempts >= 2
    whole = wait_until(lambda: [d for d in printer_sim.documents() if Cut() in d], what="whole")
    assert PrintedBarcode("CODE128", "R00000001") in whole[-1]


def test_a_serial_printer_on_a_pty_prints_and_comes_back_after_replug(
    db, config, tmp_path, start_driver, watch
):
    link = str(tmp_path / "usb-EPSON_TM-T20-if00")  # Stands in for /dev/serial/by-id/...
    with SerialPrinterSimulator(link) as sim:
        driver = start_driver(fast_config(link, connection="serial", baud=38400))
        first = queue.enqueue_receipt(db, "receipt", sell(db, config).receipt_no)
        wait_until(lambda: printed_state(db, first) == "printed", what="the serial receipt")
        assert PrintedBarcode("CODE128", "R00000001") in sim.document()
        sim.unplug()
        assert link in watch.reason_of(State.DISCONNECTED)
        second = queue.enqueue_receipt(db, "receipt", sell(db, config).receipt_no)
        sim.replug()
        wait_until(lambda: printed_state(db, second) == "printed", what="the receipt after replug")
        assert PrintedBarcode("CODE128", "R00000002") in sim.document()
        assert driver.garbage == 0


@pytest.mark.parametrize(
    ("trouble", "reason"),
    [
        (lambda sim: sim.set_cover_open(True), "cover open"),
        (lambda sim: sim.set_online(False), "offline"),
        (lambda sim: sim.set_paper(Paper.OUT), "paper out"),
    ],
)
def test_an_idle_printer_reports_what_stops_it_before_the_next_sale(
    printer_sim, start_driver, watch, trouble, reason
):
    start_driver(fast_config(printer_sim.address))
    watch.wait_for(State.CONNECTED)
    trouble(printer_sim)
    watch.wait_for(State.ERROR, reason)


def test_paper_near_end_still_prints_and_says_so(db, config, printer_sim, start_driver, watch):
    printer_sim.set_paper(Paper.NEAR_END)
    job = queue.enqueue_receipt(db, "receipt", sell(db, config).receipt_no)
    start_driver(fast_config(printer_sim.address))
    watch.wait_for(State.CONNECTED, "paper near end")
    wait_until(lambda: printed_state(db, job) == "printed", what="the receipt")


def test_a_printer_that_never_answers_status_is_disconnected(printer_sim, start_driver, watch):
    printer_sim.set_silent(True)  # Accepts the connection, then says nothing.
    start_driver(fast_config(printer_sim.address, timeout_s=0.2))
    assert "status" in watch.reason_of(State.DISCONNECTED)


def test_the_receipt_shows_the_sale_time_in_the_store_time_zone(
    db, config, printer_sim, start_driver
):
    receipt = sell(db, config)
    queue.enqueue_receipt(db, "receipt", receipt.receipt_no)
    start_driver(fast_config(printer_sim.address, timezone="Asia/Kolkata"))
    [printed] = wait_until(printer_sim.documents, what="the receipt")
    ist = datetime.fromisoformat(receipt.at).astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert text_lines(printed)[2].endswith(ist.strftime("%Y-%m-%d %H:%M"))

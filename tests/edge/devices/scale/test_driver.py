"""ScaleDriver against its simulator over a real pty: weights, states, unplug, noise."""

from __future__ import annotations

import time

import pytest

from edge.devices.base import DeviceError, DeviceState, DeviceUnavailable, State
from edge.devices.scale import ScaleReading, ScaleStatus, Weight
from tests.support import wait_until


def states(sub) -> list[State]:
    return [m.state for m in sub.drain() if isinstance(m, DeviceState)]


def test_a_placed_weight_is_read_in_grams(scale_sim, scale):
    scale_sim.place(grams=1234)
    assert wait_until(lambda: scale.read_weight() == Weight(grams=1234, stable=True))
    scale_sim.remove()
    assert wait_until(lambda: scale.read_weight() == Weight(grams=0, stable=True))


def test_a_moving_pan_is_not_a_stable_weight(scale_sim, scale):
    scale_sim.place(grams=800)
    scale_sim.motion()
    reading = wait_until(lambda: (r := scale.read_weight()) != Weight(0) and r, what="motion")
    # 8217 answers a status; SCP-01 and continuous scales send the weight marked unstable.
    assert reading in (ScaleStatus(motion=True), Weight(grams=800, stable=False))
    scale_sim.motion(False)
    assert wait_until(lambda: scale.read_weight() == Weight(grams=800, stable=True))


def test_over_capacity_is_a_status_not_a_weight(scale_sim, scale):
    scale_sim.place(grams=16000)
    scale_sim.over_capacity()
    reading = wait_until(lambda: isinstance(r := scale.read_weight(), ScaleStatus) and r)
    assert reading.over_capacity and reading.reason == "over capacity"


def test_readings_are_published_on_the_bus_when_they_change(scale_sim, scale, bus):
    with bus.subscribe(lambda m: isinstance(m, ScaleReading)) as sub:
        scale_sim.place(grams=250)
        # Nobody asks: the driver polls (or listens) by itself.
        message = wait_until(lambda: sub.get(0.1) == ScaleReading("scale-1", Weight(250)))
        assert message


@pytest.mark.parametrize("protocol", ["toledo8217"])
def test_zero_tare_and_clear_reach_the_scale(scale_sim, scale):
    scale_sim.place(grams=40)  # Crumbs on the pan.
    scale.zero()
    wait_until(lambda: b"Z" in scale_sim.received, what="Z at the scale")
    assert wait_until(lambda: scale.read_weight() == Weight(0))
    scale_sim.place(grams=300)  # A bowl.
    scale.tare()
    wait_until(lambda: b"T" in scale_sim.received, what="T at the scale")
    scale_sim.place(grams=1000)
    assert wait_until(lambda: scale.read_weight() == Weight(1000))
    scale.clear()
    assert wait_until(lambda: scale.read_weight() == Weight(1300))


@pytest.mark.parametrize("protocol", ["nci"])
def test_a_command_the_protocol_lacks_is_refused_plainly(scale):
    with pytest.raises(DeviceError, match="no tare command"):
        scale.tare()
    scale.zero()  # SCP-01 does zero.


def test_the_scale_comes_back_after_unplug(scale_sim, scale, bus):
    sub = bus.subscribe(lambda m: isinstance(m, DeviceState))
    scale_sim.place(grams=1234)
    assert wait_until(lambda: scale.read_weight() == Weight(1234))
    scale_sim.unplug()  # A pulled cable means unavailable, not zero.
    wait_until(lambda: scale.state == State.DISCONNECTED, 10, "disconnected")
    with pytest.raises(DeviceUnavailable):
        scale.read_weight()
    scale_sim.replug()  # It recovers without a hub restart.
    wait_until(lambda: scale.state == State.CONNECTED, 10, "connected again")
    assert wait_until(lambda: scale.read_weight() == Weight(1234))
    assert states(sub) == [State.DISCONNECTED, State.CONNECTED]


def test_noise_on_the_line_is_counted_and_the_connection_kept(scale_sim, scale, bus):
    sub = bus.subscribe(lambda m: isinstance(m, DeviceState))
    scale_sim.place(grams=500)
    scale_sim.inject(b"\xff\xfe\x00noise\r\n\x03\x02garbled\r")
    wait_until(lambda: scale.garbage_bytes + scale.bad_frames > 0, 10, "the noise to be counted")
    assert wait_until(lambda: scale.read_weight() == Weight(500))
    assert states(sub) == []  # Still connected: noise is not an unplug.


@pytest.mark.parametrize("protocol", ["toledo8217", "continuous"])
def test_a_scale_that_goes_silent_is_reported_disconnected(scale_sim, scale):
    scale_sim.silent = True  # Switched off behind a USB adapter that stays plugged in.
    wait_until(lambda: scale.state == State.DISCONNECTED, 10, "disconnected")
    scale_sim.silent = False
    wait_until(lambda: scale.state == State.CONNECTED, 10, "connected again")


@pytest.mark.parametrize("protocol", ["toledo8217"])
def test_a_weight_read_costs_no_port_timeout(scale_sim, scale):
    # Framed on CR: the read ends with the reply, so many reads fit in one reply timeout.
    scale_sim.place(grams=10)
    replies = [scale.read_weight() for _ in range(20)]
    assert replies == [Weight(10)] * 20
    assert len([c for c in scale_sim.received if c == b"W"]) >= 20


def test_the_till_waits_for_a_stable_weight(scale_sim, scale):
    scale_sim.place(grams=730)
    scale_sim.motion()
    with pytest.raises(DeviceError, match="no stable weight"):
        scale.read_stable_weight(timeout_s=0.3)
    scale_sim.motion(False)
    assert scale.read_stable_weight() == Weight(grams=730, stable=True)


@pytest.mark.parametrize("protocol", ["toledo8217"])
def test_a_tare_the_till_gave_up_on_is_never_carried_out_later(scale_sim, scale):
    from edge.devices.scale.driver import _Request

    scale_sim.place(grams=300)
    # As if the till had asked for a tare and timed out before the driver's thread got to it.
    given_up = _Request("tare", expires=time.monotonic() - 1)
    scale._requests.put(given_up)
    polls = len(scale_sim.received)
    wait_until(lambda: len(scale_sim.received) > polls + 2, 10, "more polls")
    assert b"T" not in scale_sim.received
    assert scale.read_weight() == Weight(300)


@pytest.mark.parametrize("protocol", ["toledo8217"])
def test_noise_without_a_terminator_is_counted_before_the_next_request(scale_sim, scale):
    scale_sim.place(grams=90)
    scale_sim.inject(b"\xff\xfe\xfd")  # No CR: it would otherwise sit before the next reply.
    wait_until(lambda: scale.garbage_bytes >= 3, 10, "the noise to be counted")
    assert scale.read_weight() == Weight(90)

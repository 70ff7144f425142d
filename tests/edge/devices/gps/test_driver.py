"""GpsDriver against its simulator over a real pty: fixes, no-fix, noise, unplug, throttle."""

from __future__ import annotations

from edge.devices.base import DeviceState, State
from edge.devices.gps import GpsFix
from edge.devices.gps.protocol import with_checksum
from edge.devices.gps.simulator import load_track
from tests.support import wait_until


def rmc(second: int, lat: str = "1258.2960", status: str = "A", talker: str = "GN") -> str:
    if status != "A":
        return with_checksum(f"{talker}RMC,0830{second:02d}.00,V,,,,,,,150326,,,N")
    return with_checksum(
        f"{talker}RMC,0830{second:02d}.00,A,{lat},N,07735.6760,E,0.50,90.0,150326,,,A"
    )


def gga(second: int, lat: str = "1258.2960", quality: int = 1) -> str:
    if quality == 0:
        return with_checksum(f"GNGGA,0830{second:02d}.00,,,,,0,00,99.99,,,,,,")
    return with_checksum(
        f"GNGGA,0830{second:02d}.00,{lat},N,07735.6760,E,{quality},08,1.1,920.0,M,-86.0,M,,"
    )


def fixes(sub) -> list[GpsFix]:
    return [m for m in sub.drain() if isinstance(m, GpsFix)]


def states(sub) -> list[State]:
    return [m.state for m in sub.drain() if isinstance(m, DeviceState)]


def test_a_fix_is_published_as_a_location_fix_event(gps_sim, gps, bus):
    sub = bus.subscribe(lambda m: isinstance(m, GpsFix))
    gps_sim.send(rmc(5), gga(5))
    message = wait_until(lambda: sub.get(0.1), what="a fix on the bus")
    event_type, body = message.as_event()
    assert event_type == "location.fix"
    assert body == {
        "lat_e7": 129_716_000,
        "lon_e7": 775_946_000,
        "fixed_at": "2026-03-15T08:30:05Z",
        "quality": "gps",
        "speed_mm_s": 257,
        "course_cdeg": 9_000,
        "satellites": 8,
        "hdop_centi": 110,
        "altitude_mm": 920_000,
    }


def test_no_fix_periods_are_an_error_state_not_positions(gps_sim, gps, bus):
    sub = bus.subscribe()
    gps_sim.send(rmc(1, status="V"), gga(1, quality=0))  # Start-up: no satellites yet.
    wait_until(lambda: gps.state == State.ERROR, 10, "the no-fix state")
    gps_sim.send(rmc(2), gga(2))
    wait_until(lambda: gps.state == State.CONNECTED, 10, "a fix")
    gps_sim.send(rmc(3, status="V"), gga(3, quality=0))  # A tunnel.
    wait_until(lambda: gps.no_fix_epochs == 2, 10, "the tunnel")
    messages = list(sub.drain())
    assert [m.position.fixed_at.second for m in messages if isinstance(m, GpsFix)] == [2]
    assert [m.state for m in messages if isinstance(m, DeviceState)] == [
        State.CONNECTED, State.ERROR, State.CONNECTED, State.ERROR]  # fmt: skip
    assert messages[1].reason.startswith("no fix")


def test_garbage_and_partial_lines_are_counted_and_reading_goes_on(gps_sim, gps, bus):
    sub = bus.subscribe()
    gps_sim.inject(b"6,1.2,M,-86.0,M,,*4B\r\n")  # Powered up mid-sentence.
    gps_sim.inject(b"\xb5\x62\x01\x07\x5c\x00\xff\x13\r\n")  # A binary UBX packet.
    gps_sim.inject(rmc(4)[:-2].encode() + b"00\r\n")  # A wrong checksum.
    gps_sim.inject(b"\xff" * 300 + b"\r\n")  # A wrong baud rate: one over-long run.
    gps_sim.send(rmc(5), gga(5))
    wait_until(lambda: gps.last_position is not None, 10, "the fix after the noise")
    assert gps.bad_lines == 4
    assert states(sub) == [State.CONNECTED]  # Noise is not an unplug.


def test_the_receiver_comes_back_after_unplug(gps_sim, gps, bus):
    sub = bus.subscribe()
    gps_sim.send(rmc(1), gga(1))
    wait_until(lambda: gps.state == State.CONNECTED, 10, "connected")
    gps_sim.unplug()
    wait_until(lambda: gps.state == State.DISCONNECTED, 10, "disconnected")
    gps_sim.replug()
    assert gps.port_open.wait(10), "the driver never reopened the port"
    gps_sim.inject(b"8.29,N,07735.6760,E,1,08*1F\r\n")  # The first line may be partial.
    gps_sim.send(rmc(2), gga(2))
    wait_until(lambda: gps.last_position.fixed_at.second == 2, 10, "a fix after the replug")
    assert gps.state == State.CONNECTED and gps.bad_lines == 1
    assert states(sub) == [State.CONNECTED, State.DISCONNECTED, State.CONNECTED]


def test_a_receiver_that_goes_silent_is_reported_disconnected(gps_sim, start_gps):
    gps = start_gps(silent_after_s=0.3)
    gps_sim.send(rmc(1), gga(1))
    wait_until(lambda: gps.state == State.CONNECTED, 10, "connected")
    wait_until(lambda: gps.state == State.DISCONNECTED, 10, "silence noticed")
    assert gps.port_open.wait(10), "the driver never reopened the port"
    gps_sim.send(rmc(2), gga(2))
    wait_until(lambda: gps.state == State.CONNECTED, 10, "talking again")


def test_fixes_are_throttled_by_time_and_distance(gps_sim, start_gps, bus):
    gps = start_gps(min_interval_s=5, min_distance_m=25, max_interval_s=20)
    sub = bus.subscribe(lambda m: isinstance(m, GpsFix))
    for second in range(0, 30):  # Parked for 30 s, one fix a second.
        gps_sim.send(rmc(second), gga(second))
    gps_sim.send(rmc(31, lat="1258.3960"), gga(31, lat="1258.3960"))  # 185 m north.
    gps_sim.send(rmc(32, lat="1258.4960"), gga(32, lat="1258.4960"))  # Only 1 s later.
    gps_sim.send(rmc(33))  # Ends the RMC-only epoch 32 (it waits for a GGA or the next time).
    wait_until(lambda: gps.last_position and gps.last_position.fixed_at.second == 32)
    # The first fix, one at max_interval_s while parked, and the move after 5 s.
    assert [f.position.fixed_at.second for f in fixes(sub)] == [0, 20, 31]


def test_the_sample_track_replays_through_the_driver(gps_sim, gps, bus):
    sub = bus.subscribe(lambda m: isinstance(m, GpsFix))
    gps_sim.replay(load_track(), interval_s=0)
    wait_until(lambda: gps.no_fix_epochs == 9 and gps.last_position.fixed_at.minute == 31)
    assert gps.bad_lines == 4
    assert len(fixes(sub)) >= 100


def test_a_wrong_baud_rate_is_an_error_that_names_the_fix(gps_sim, start_gps):
    gps = start_gps(silent_after_s=0.3)
    gps_sim.send(rmc(1), gga(1))
    wait_until(lambda: gps.state == State.CONNECTED, 10, "connected")

    def garble() -> bool:
        gps_sim.inject(b"\xf0\x0f\x7e\x81\xc3" * 8 + b"\n")  # What 9600 baud looks like at 4800.
        return gps.state == State.ERROR

    wait_until(garble, 10, "the error state")
    gps_sim.send(rmc(2), gga(2))  # Baud rate fixed.
    wait_until(lambda: gps.state == State.CONNECTED, 10, "connected again")

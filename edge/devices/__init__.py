"""Store hardware on the hub: one folder per device family, each with the same five parts.

`protocol.py` turns bytes into values and does no I/O; `driver.py` opens the device, frames
reads, reconnects with backoff and reports its state; `simulator.py` is the far end of the
wire for tests and the demo; `config.py` checks the family's config; `__init__.py` holds
the only names the rest of the hub imports. Everything a device says reaches the rest of
the hub through one `Bus` (bus.py).
"""

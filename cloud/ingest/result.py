"""What ingesting one message did, and what to publish once it is committed."""

from __future__ import annotations

from dataclasses import dataclass

from protocols import Ack, CatalogUpdate


@dataclass(frozen=True)
class IngestResult:
    """The outcome of one MQTT message; `ack` and `catalog_update` go out after the commit.

    `hub` is None when the topic named no valid hub; then there is nobody to answer.
    """

    hub: str | None
    acked_seq: int | None = None
    stored: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    ack: Ack | None = None
    catalog_update: CatalogUpdate | None = None
    clock_offset_s: float | None = None
    clock_off: bool = False

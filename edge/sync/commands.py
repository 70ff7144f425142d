"""Commands flowing down from the cloud on the cmd topic, applied to the hub's store."""

from __future__ import annotations

import logging
import sqlite3

from protocols import CatalogUpdate, InvalidPayload, parse_command

from ..store.catalog import apply_update

log = logging.getLogger(__name__)


def apply_command(db: sqlite3.Connection, payload: bytes) -> bool:
    """Parse and apply one cmd message; return whether the hub's state changed.

    A payload that breaks the contract is logged with the reason and skipped: a bad command
    must never stop the hub from selling or syncing.
    """
    try:
        command = parse_command(payload)
    except (InvalidPayload, ValueError, TypeError) as err:
        # protocols lets a few malformed inputs out as UnicodeDecodeError or TypeError.
        log.warning("Command refused: %s (payload starts %r)", err, payload[:80])
        return False
    if isinstance(command, CatalogUpdate):
        return apply_update(db, command)
    log.warning("Command of type %s has no handler at this hub", type(command).__name__)
    return False

"""The hub's SQLite store: catalog copy, stock ledger, sales, counters and the outbox.

Data functions take an open connection and never open, commit or close it; each runs its
writes in `transaction(db)`, which nests as a savepoint inside a caller's transaction.
"""

from .catalog import (
    Product,
    apply_update,
    catalog_version,
    find_product,
    get_product,
    search_products,
)
from .db import connect, migrate, open_db, schema_version, transaction
from .ledger import Movement, OnHand, on_hand, record_movement, unbalanced
from .outbox import SyncState, append_event, read_batch, record_ack, set_connected, sync_state
from .sales import Receipt, checkout, get_sale
from .status import hub_status, record_hub_status

__all__ = [
    "Movement",
    "OnHand",
    "Product",
    "Receipt",
    "SyncState",
    "append_event",
    "apply_update",
    "catalog_version",
    "checkout",
    "connect",
    "find_product",
    "get_product",
    "get_sale",
    "hub_status",
    "migrate",
    "on_hand",
    "open_db",
    "read_batch",
    "record_ack",
    "record_hub_status",
    "record_movement",
    "schema_version",
    "search_products",
    "set_connected",
    "sync_state",
    "transaction",
    "unbalanced",
]

"""The wire contract shared by hub and cloud: envelope, topics, event schemas, commands."""

from .barcodes import gtin_check_digit, is_valid_gtin
from .codes import ScannedCode, VariableMeasureRule, interpret
from .commands import Ack, CatalogProduct, CatalogUpdate, encode, parse_ack, parse_command
from .envelope import (
    MAX_BATCH_BYTES,
    MAX_EVENTS_PER_BATCH,
    PROTOCOL_VERSION,
    SUPPORTED_VERSIONS,
    Batch,
    Event,
    encode_batch,
    encode_body,
    encode_event,
    parse_batch,
    parse_event,
    split_batch,
    utc_now,
)
from .errors import InvalidPayload
from .events import (
    EVENT_TYPES,
    DeviceStatus,
    HubStatus,
    LocationFix,
    SaleCompleted,
    StockMoved,
    parse_status,
)
from .topics import Topics

__all__ = [
    "Ack",
    "Batch",
    "CatalogProduct",
    "CatalogUpdate",
    "DeviceStatus",
    "EVENT_TYPES",
    "Event",
    "HubStatus",
    "InvalidPayload",
    "LocationFix",
    "MAX_BATCH_BYTES",
    "MAX_EVENTS_PER_BATCH",
    "PROTOCOL_VERSION",
    "SUPPORTED_VERSIONS",
    "SaleCompleted",
    "ScannedCode",
    "StockMoved",
    "Topics",
    "VariableMeasureRule",
    "encode",
    "encode_batch",
    "encode_body",
    "encode_event",
    "gtin_check_digit",
    "interpret",
    "is_valid_gtin",
    "parse_ack",
    "parse_batch",
    "parse_command",
    "parse_event",
    "parse_status",
    "split_batch",
    "utc_now",
]

"""The catalog: list, add and change products; each change goes out to the hubs."""

from __future__ import annotations

import logging

import msgspec
from flask import Blueprint, current_app, request

from protocols import InvalidPayload
from protocols.errors import decode

from .. import catalog
from ..db import Product
from ..errors import BrokerUnavailable
from ..publish import MqttPublisher, push_catalog
from .db import get_session

log = logging.getLogger(__name__)

bp = Blueprint("products", __name__, url_prefix="/api/products")

_any = msgspec.json.Decoder()


@bp.get("")
def list_products():
    session = get_session()
    return {
        "catalog_version": catalog.current_version(session),
        "products": [catalog.product_dict(p) for p in catalog.list_products(session)],
    }


@bp.get("/<sku>")
def get_product(sku: str):
    return catalog.product_dict(catalog.get_product(get_session(), sku))


@bp.post("")
def create_product():
    session = get_session()
    product = catalog.create_product(session, catalog.parse_product(request.get_data()))
    session.commit()
    return _changed(product), 201


@bp.put("/<sku>")
def update_product(sku: str):
    changes = decode(_any, request.get_data())
    if not isinstance(changes, dict):
        raise InvalidPayload("", f"expected a JSON object of fields, got {type(changes).__name__}")
    session = get_session()
    product = catalog.update_product(session, sku, changes)
    session.commit()
    return _changed(product)


def _changed(product: Product) -> dict[str, object]:
    """The product as saved, plus which hubs were sent the change.

    The change is committed before anything is published. If the broker is down, hubs are
    not lost: each one reports its catalog version when it connects, and ingest sends it
    what it lacks.
    """
    session = get_session()
    config = current_app.config["SHOPFLOOR"]
    pushed: dict[str, int] = {}
    try:
        with MqttPublisher(config.mqtt, "api") as publisher:
            pushed = push_catalog(session, publisher.publish)
    except BrokerUnavailable as err:
        log.warning("catalog version %d saved but not pushed: %s", product.version, err)
    return {
        "product": catalog.product_dict(product),
        "catalog_version": catalog.current_version(session),
        "pushed_to": sorted(pushed),
    }

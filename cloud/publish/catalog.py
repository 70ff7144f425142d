"""Catalog updates for hubs: the products each hub lacks, given the version it reports."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocols import CatalogUpdate, Topics, encode

from ..catalog import as_catalog_product, current_version, list_products
from ..db import Hub

log = logging.getLogger(__name__)

PublishFn = Callable[..., None]  # publish(topic, payload, retain=False), QoS 1.


def build_catalog_update(session: Session, since: int) -> CatalogUpdate | None:
    """The update that brings a hub at catalog version `since` to the current one.

    A hub at 0 has no catalog yet and gets everything, with `full` set so it archives what is
    not listed. None when the hub is already current.
    """
    version = current_version(session)
    if since >= version:
        if since > version:
            log.warning(
                "a hub reports catalog version %d, newer than the cloud's %d; "
                "was the cloud's database replaced?",
                since,
                version,
            )
        return None
    full = since == 0
    products = list_products(session, since=0 if full else since)
    return CatalogUpdate(
        version=version,
        since=since,
        full=full,
        products=[as_catalog_product(p) for p in products],
    )


def push_catalog(
    session: Session, publish: PublishFn, hubs: Iterable[str] | None = None
) -> dict[str, int]:
    """Publish to each hub (all known hubs by default) the catalog changes it lacks.

    Returns {hub: products sent} for the hubs that were sent an update. A hub never heard
    from counts as being at version 0 and gets the full catalog; refused hubs get nothing.
    """
    query = select(Hub.id, Hub.catalog_version, Hub.refused).order_by(Hub.id)
    wanted = None if hubs is None else list(hubs)
    if wanted is not None:
        query = query.where(Hub.id.in_(wanted))
    known = {hub: (version, refused) for hub, version, refused in session.execute(query)}
    targets = known if wanted is None else {h: known.get(h, (0, None)) for h in wanted}
    updates: dict[int, tuple[CatalogUpdate, bytes] | None] = {}
    sent = {}
    for hub, (since, refused) in targets.items():
        if refused:
            log.info("not sending the catalog to hub %s: it is refused (%s)", hub, refused)
            continue
        if since not in updates:
            update = build_catalog_update(session, since)
            updates[since] = None if update is None else (update, encode(update))
        if updates[since] is None:
            continue
        update, payload = updates[since]
        publish(Topics(hub).cmd, payload)
        sent[hub] = len(update.products)
        log.info(
            "sent hub %s catalog %d -> %d (%d products)",
            hub,
            since,
            update.version,
            len(update.products),
        )
    return sent

"""What the benchmarks share: a hub with a small catalog, a 5-line cart, percentiles."""

from __future__ import annotations

import math
from pathlib import Path

from protocols import CatalogProduct, CatalogUpdate

SKUS = [f"BENCH-{i}" for i in range(5)]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1)]


def hub_with_catalog(db_path: Path, hub_id: str = "bench-hub", **sections):
    """Open a hub store at `db_path` with five products; return (config, skus)."""
    from edge.config import load_config
    from edge.store import apply_update, open_db

    overrides = {"hub": {"id": hub_id, "location": "store-1"}, "store": {"db_path": str(db_path)}}
    for name, values in sections.items():
        overrides.setdefault(name, {}).update(values)
    config = load_config(env={}, overrides=overrides)
    db = open_db(db_path)
    apply_update(
        db,
        CatalogUpdate(
            version=1,
            since=0,
            full=True,
            products=[
                CatalogProduct(
                    sku=sku,
                    name=f"Bench product {i}",
                    unit_price_minor=4500 + i * 100,
                    tax_rate_bp=(0, 500, 1200, 1800, 500)[i],
                    sold_by="unit",
                )
                for i, sku in enumerate(SKUS)
            ],
        ),
    )
    db.close()
    return config, SKUS


def sample_cart(skus: list[str]):
    """A 5-line cart paid exactly in cash (the total is looked up by paying generously)."""
    from edge.cart import cart

    return cart([(sku, 2) for sku in skus], [("cash", 10**7)])

"""The cloud control plane: ingest of hub events, the catalog, stock balances and the API."""

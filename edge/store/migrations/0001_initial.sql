-- The hub's first schema: catalog copy, stock ledger, sales, counters, outbox and sync state.
-- Money is in integer minor units, rates in basis points, quantities in base units
-- (pieces, or grams for products sold by weight). Times are RFC 3339 UTC text.

-- The catalog is the cloud's; a hub only applies catalog.update commands to its copy.
CREATE TABLE products (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    tax_rate_bp INTEGER NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    sold_by TEXT NOT NULL CHECK (sold_by IN ('unit', 'weight')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    catalog_version INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX products_name ON products (name COLLATE NOCASE);

-- A product has any number of barcodes; a code belongs to one product at a time.
CREATE TABLE barcodes (
    code TEXT PRIMARY KEY,
    sku TEXT NOT NULL REFERENCES products (sku)
) WITHOUT ROWID;

CREATE INDEX barcodes_sku ON barcodes (sku);

-- Small named values: the catalog version this hub runs.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO meta (key, value) VALUES ('catalog_version', 0);

-- Gap-free numbers, taken inside the transaction that uses them, so a rollback returns them.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO counters (name, value) VALUES ('receipt_no', 0), ('event_seq', 0);

-- The stock ledger: quantities change only by appending movements. No running balance is
-- kept on a movement row, so a late or backdated movement never forces a repost.
-- An empty lot means the stock carries no lot.
CREATE TABLE stock_movements (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL REFERENCES products (sku),
    location TEXT NOT NULL,
    lot TEXT NOT NULL DEFAULT '',
    delta INTEGER NOT NULL CHECK (delta <> 0),
    reason TEXT NOT NULL CHECK (reason IN (
        'sale', 'receipt', 'transfer_out', 'transfer_in', 'adjustment', 'count', 'write_off'
    )),
    reference TEXT,
    at TEXT NOT NULL,
    seq INTEGER NOT NULL
);

CREATE INDEX stock_movements_key ON stock_movements (sku, location, lot);

-- On hand per (sku, location, lot): a projection of stock_movements, updated in the same
-- transaction as each movement.
CREATE TABLE stock_balances (
    sku TEXT NOT NULL REFERENCES products (sku),
    location TEXT NOT NULL,
    lot TEXT NOT NULL DEFAULT '',
    qty INTEGER NOT NULL,
    PRIMARY KEY (sku, location, lot)
) WITHOUT ROWID;

CREATE TABLE sales (
    receipt_no INTEGER PRIMARY KEY,
    sale_id TEXT NOT NULL UNIQUE,
    seq INTEGER NOT NULL UNIQUE,
    at TEXT NOT NULL,
    location TEXT NOT NULL,
    cashier TEXT NOT NULL,
    currency TEXT NOT NULL,
    tax_inclusive INTEGER NOT NULL,
    net_minor INTEGER NOT NULL,
    tax_minor INTEGER NOT NULL,
    total_minor INTEGER NOT NULL CHECK (total_minor = net_minor + tax_minor),
    change_minor INTEGER NOT NULL CHECK (change_minor >= 0)
);

CREATE TABLE sale_lines (
    receipt_no INTEGER NOT NULL REFERENCES sales (receipt_no),
    line_no INTEGER NOT NULL,
    sku TEXT NOT NULL REFERENCES products (sku),
    name TEXT NOT NULL,
    sold_by TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    unit_price_minor INTEGER NOT NULL,
    tax_rate_bp INTEGER NOT NULL,
    net_minor INTEGER NOT NULL,
    tax_minor INTEGER NOT NULL,
    total_minor INTEGER NOT NULL CHECK (total_minor = net_minor + tax_minor),
    PRIMARY KEY (receipt_no, line_no)
) WITHOUT ROWID;

CREATE TABLE sale_payments (
    receipt_no INTEGER NOT NULL REFERENCES sales (receipt_no),
    payment_no INTEGER NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('cash', 'card', 'upi', 'other')),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    reference TEXT,
    PRIMARY KEY (receipt_no, payment_no)
) WITHOUT ROWID;

-- Events waiting for the cloud's ack, exactly as protocols.encode_event produced them.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    event TEXT NOT NULL
);

-- What the sync thread knows: the cloud's watermark, a refusal, and whether the link is up.
CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    acked_seq INTEGER NOT NULL DEFAULT 0,
    refused TEXT,
    connected INTEGER NOT NULL DEFAULT 0,
    changed_at TEXT
);

INSERT INTO sync_state (id) VALUES (1);

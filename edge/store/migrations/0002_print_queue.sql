-- The durable print queue: receipts, labels and drawer kicks waiting for their printer.
-- A job is committed before anything is sent, so it survives a power cut; a checkout only
-- adds a row (after its sale is committed), and a printer's worker thread prints and retries.

CREATE TABLE print_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    printer TEXT NOT NULL,  -- The printer's device name in the hub config.
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'label', 'kick')),
    payload TEXT NOT NULL,  -- JSON: {"receipt_no": 12, "hub": "till-1"}, a label, a kick.
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'printed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    printed_at TEXT
);

CREATE INDEX print_jobs_waiting ON print_jobs (printer, id) WHERE state = 'pending';

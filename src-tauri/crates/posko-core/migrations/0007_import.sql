-- 0007: bulk import of complaints (CSV / Excel). Each import run is a batch;
-- each imported row keeps a fingerprint so that importing the same file (or
-- the same rows in another file) again records nothing twice.

CREATE TABLE import_batches (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,            -- RFC 3339 UTC
    actor_id    INTEGER REFERENCES users (id),
    actor_name  TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    format      TEXT NOT NULL CHECK (format IN ('csv', 'xlsx')),
    rows        INTEGER NOT NULL,
    created     INTEGER NOT NULL,
    skipped     INTEGER NOT NULL
) STRICT;

-- fingerprint: SHA-256 (hex) of the row's reference number when the file
-- has one, else of every normalised field of the row (posko_domain::import).
CREATE TABLE import_rows (
    fingerprint  TEXT PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES import_batches (id),
    row_no       INTEGER NOT NULL,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    -- The file's own number for the row (nomor referensi), when it had one:
    -- the register export writes it back, so an export imports as "already".
    reference    TEXT
) STRICT;
CREATE INDEX import_rows_complaint ON import_rows (complaint_id);

-- Posko store, schema 4: monitoring and evaluation (monev).
-- Field-visit checklists (instruments) as versioned data, visits with their
-- answers, photo evidence, findings, follow-up plan and team; the corrections
-- made after a visit was finished; each unit's complaint-team decree (SK tim)
-- and action plan (rencana aksi); editable report section texts; per-day user
-- activity (for "staff active last month"); the register of issued reports.

-- Instruments imported by a user (the shipped ones live in the program).
-- A version never changes once stored: a new text needs a new version.
CREATE TABLE monev_instruments (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,              -- the TOML source
    imported_at TEXT NOT NULL,
    imported_by_name TEXT NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

CREATE TABLE monev_visits (
    id                 INTEGER PRIMARY KEY,
    uid                TEXT NOT NULL UNIQUE,
    unit_id            INTEGER NOT NULL REFERENCES units (id),
    instrument_id      TEXT NOT NULL,
    instrument_version INTEGER NOT NULL,
    instrument_body    TEXT NOT NULL,       -- the exact instrument the visit was filled with
    visit_date         TEXT NOT NULL,       -- office-local date
    place              TEXT NOT NULL DEFAULT '',
    state              TEXT NOT NULL CHECK (state IN ('draft', 'final')),
    head_name          TEXT NOT NULL DEFAULT '',
    head_nip           TEXT NOT NULL DEFAULT '',
    head_title         TEXT NOT NULL DEFAULT '',
    score_total        REAL,                -- set when finished (and after a correction)
    zone_code          TEXT,
    created_by         INTEGER REFERENCES users (id),
    created_by_name    TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    finished_at        TEXT,
    finished_by_name   TEXT,
    version            INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX monev_visits_by_date ON monev_visits (visit_date, id);
CREATE INDEX monev_visits_by_unit ON monev_visits (unit_id, visit_date);

-- One answer per item; `answer` is posko_domain::instrument::Answer as JSON.
CREATE TABLE monev_answers (
    visit_id   INTEGER NOT NULL REFERENCES monev_visits (id) ON DELETE CASCADE,
    item_id    TEXT NOT NULL,
    answer     TEXT,
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (visit_id, item_id)
) STRICT;

-- Photo evidence, inside the encrypted store like complaint attachments.
CREATE TABLE monev_photos (
    id            INTEGER PRIMARY KEY,
    visit_id      INTEGER NOT NULL REFERENCES monev_visits (id) ON DELETE CASCADE,
    item_id       TEXT,                     -- NULL: evidence for the whole visit
    file_name     TEXT NOT NULL,
    caption       TEXT NOT NULL DEFAULT '',
    mime          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    data          BLOB NOT NULL,
    added_by_name TEXT NOT NULL,
    added_at      TEXT NOT NULL
) STRICT;
CREATE INDEX monev_photos_by_visit ON monev_photos (visit_id, id);

-- Findings (temuan) and recommendations (rekomendasi), in order.
CREATE TABLE monev_findings (
    visit_id INTEGER NOT NULL REFERENCES monev_visits (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('finding', 'recommendation')),
    seq      INTEGER NOT NULL,
    text     TEXT NOT NULL,
    PRIMARY KEY (visit_id, kind, seq)
) STRICT;

-- The follow-up plan agreed at the visit: action, owner, due date.
CREATE TABLE monev_plan_items (
    visit_id INTEGER NOT NULL REFERENCES monev_visits (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    action   TEXT NOT NULL,
    owner    TEXT NOT NULL DEFAULT '',
    due_date TEXT,
    PRIMARY KEY (visit_id, seq)
) STRICT;

-- The visiting team, in signing order.
CREATE TABLE monev_team (
    visit_id INTEGER NOT NULL REFERENCES monev_visits (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    name     TEXT NOT NULL,
    nip      TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (visit_id, seq)
) STRICT;

-- Changes to a finished visit: append-only, like the complaint timeline.
CREATE TABLE monev_corrections (
    id         INTEGER PRIMARY KEY,
    visit_id   INTEGER NOT NULL REFERENCES monev_visits (id),
    at         TEXT NOT NULL,
    actor_id   INTEGER REFERENCES users (id),
    actor_name TEXT NOT NULL,
    field      TEXT NOT NULL,
    old_value  TEXT NOT NULL,
    new_value  TEXT NOT NULL,
    reason     TEXT NOT NULL
) STRICT;
CREATE INDEX monev_corrections_by_visit ON monev_corrections (visit_id, id);
CREATE TRIGGER monev_corrections_no_update BEFORE UPDATE ON monev_corrections
BEGIN SELECT RAISE(ABORT, 'monev_corrections is append-only'); END;
CREATE TRIGGER monev_corrections_no_delete BEFORE DELETE ON monev_corrections
BEGIN SELECT RAISE(ABORT, 'monev_corrections is append-only'); END;

-- The decree (SK) forming each unit's complaint team: the one in force.
CREATE TABLE unit_team_decrees (
    unit_id         INTEGER PRIMARY KEY REFERENCES units (id),
    number          TEXT NOT NULL,
    decree_date     TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL,
    updated_by_name TEXT NOT NULL
) STRICT;

-- The action plan (rencana aksi) of a unit, item by item, with progress.
CREATE TABLE action_plan_items (
    id              INTEGER PRIMARY KEY,
    unit_id         INTEGER NOT NULL REFERENCES units (id),
    year            INTEGER NOT NULL,
    action          TEXT NOT NULL,
    owner           TEXT NOT NULL DEFAULT '',
    due_date        TEXT,
    progress        INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    note            TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL,
    updated_by_name TEXT NOT NULL
) STRICT;
CREATE INDEX action_plan_items_by_unit ON action_plan_items (unit_id, year, id);

-- Edited texts of report sections (foreword, background...); absent = default.
CREATE TABLE report_templates (
    key             TEXT PRIMARY KEY,
    body            TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    updated_by_name TEXT NOT NULL
) STRICT;

-- Days on which a user signed in (office-local), for "staff active last month".
CREATE TABLE user_activity (
    user_id INTEGER NOT NULL REFERENCES users (id),
    day     TEXT NOT NULL,
    PRIMARY KEY (user_id, day)
) STRICT;

-- Reports issued (PDF): number, what they were made from and its hash.
CREATE TABLE issued_reports (
    doc_no          TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('monev', 'visit')),
    params          TEXT NOT NULL,          -- JSON of the report input
    data_sha256     TEXT NOT NULL,
    first_issued_at TEXT NOT NULL,
    issued_by_name  TEXT NOT NULL,
    times_issued    INTEGER NOT NULL DEFAULT 1
) STRICT;

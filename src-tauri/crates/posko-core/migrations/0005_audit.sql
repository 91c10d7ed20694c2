-- 0005: the audit log (issue 6). Who signed in (and who failed), who saw an
-- unmasked identity, what was exported or printed, which settings changed,
-- what was deleted, what happened to the store (restore, key rotation,
-- recovery). Never a secret value.
--
-- Append-only (triggers refuse UPDATE and DELETE, like the timeline) and
-- tamper-evident: each row stores hash = sha256(prev_hash || canonical row),
-- where the canonical row is the JSON array
-- [id, at, actor_id, actor_name, actor_role, action, entity, entity_id, detail]
-- (audit.rs, `canonical`); the first row's prev_hash is 64 zeros. Ids are
-- contiguous (the core writes id = last + 1), so a removed row shows too.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,             -- RFC 3339 UTC
    actor_id   INTEGER,                   -- users.id; NULL for the CLI / system
    actor_name TEXT NOT NULL,             -- username at the time ('?' for an unknown name)
    actor_role TEXT,
    action     TEXT NOT NULL,             -- AuditAction code
    entity     TEXT,
    entity_id  TEXT,
    detail     TEXT NOT NULL DEFAULT '{}', -- JSON object, no secrets
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_by_at ON audit_log (at, id);
CREATE INDEX audit_log_by_action ON audit_log (action, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

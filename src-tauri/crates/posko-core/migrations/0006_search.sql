-- Search that understands Indonesian (issue 9).
--
-- The word index gains two stemmed shadow columns (the roots of the title, and
-- of the description and place), so "antri" finds "mengantre" and "layanan"
-- finds "pelayanan"; the original columns stay for exact phrases and
-- prefixes. Trigram indexes hold what people search by fragments: register
-- number and the reporter's identity (name, NIK, phone in the local 08…
-- form; identity in its own column so that viewers without the permission
-- cannot search it), and the LAPOR! Tracking ID (its own table, kept by a
-- trigger because the ID arrives later, from sync or by hand). `search_terms` is the vocabulary that
-- typo suggestions are picked from (words of title, description and place).
--
-- The indexes' rowid is 2^42 - the complaint's id (search.rs FTS_KEY): FTS5
-- reads a doclist forward lazily but loads it whole to go backwards, so the
-- newest matches come first and a search stops after its window.
--
-- posko_register_words(), posko_identity(), posko_stems() are Rust functions
-- registered on the connection before migrating (search.rs), the same code
-- that indexes a new complaint. Everything lives inside the encrypted store.

DROP TABLE complaints_fts;

CREATE VIRTUAL TABLE complaints_fts USING fts5 (
    register_no, title, description, place, reporter, title_stem, body_stem,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE VIRTUAL TABLE complaints_ids USING fts5 (
    register_no, reporter,
    content = '', contentless_delete = 1,
    tokenize = 'trigram remove_diacritics 1'
);

CREATE VIRTUAL TABLE complaints_tracking USING fts5 (
    tracking_id,
    content = '', contentless_delete = 1,
    tokenize = 'trigram'
);

CREATE TRIGGER complaints_tracking_set AFTER UPDATE OF lapor_tracking_id ON complaints
WHEN NEW.lapor_tracking_id IS NOT OLD.lapor_tracking_id
BEGIN
    DELETE FROM complaints_tracking WHERE rowid = 4398046511104 - NEW.id;
    INSERT INTO complaints_tracking (rowid, tracking_id)
    SELECT 4398046511104 - NEW.id, NEW.lapor_tracking_id WHERE NEW.lapor_tracking_id IS NOT NULL;
END;

-- What a search window reads of each match (filters, order, recency), in a
-- narrow index: far fewer pages than the complaint rows with their texts.
CREATE INDEX complaints_search_meta ON complaints (
    id, is_secret, is_open, received_date, received_at, next_due, status, kind, channel, topic_id
);

CREATE TABLE search_terms (
    term TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

INSERT INTO complaints_fts (rowid, register_no, title, description, place, reporter, title_stem, body_stem)
SELECT 4398046511104 - id,
       posko_register_words(register_no),
       title,
       description,
       coalesce(incident_place, ''),
       posko_identity(reporter_name, reporter_nik, reporter_phone),
       posko_stems(title),
       posko_stems(description || ' ' || coalesce(incident_place, ''))
FROM complaints;

INSERT INTO complaints_ids (rowid, register_no, reporter)
SELECT 4398046511104 - id, register_no, posko_identity(reporter_name, reporter_nik, reporter_phone)
FROM complaints;

INSERT INTO complaints_tracking (rowid, tracking_id)
SELECT 4398046511104 - id, lapor_tracking_id FROM complaints WHERE lapor_tracking_id IS NOT NULL;

-- The vocabulary, read from the word index just built (fts5vocab): words of
-- three letters or more, a–z only (numbers are not typo-corrected).
CREATE VIRTUAL TABLE temp.posko_vocab_0006 USING fts5vocab (main, complaints_fts, 'col');
INSERT OR IGNORE INTO search_terms (term)
SELECT DISTINCT term FROM temp.posko_vocab_0006
WHERE col IN ('title', 'description', 'place')
  AND length(term) >= 3 AND term NOT GLOB '*[^a-z]*';
DROP TABLE temp.posko_vocab_0006;

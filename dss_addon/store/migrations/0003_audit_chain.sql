-- Tamper evidence and retention of the audit trail (docs/audit.md).
--
-- Each share's rows form a hash chain: `prev` is the hash of the share's previous row (32 zero
-- bytes for its first), `hash` = SHA-256(prev || canonical row). Plain SHA-256, so anyone can
-- check an export; what a chain cannot show by itself (rows cut off at the end, a whole chain
-- removed, a forged gap) is sealed with the device's audit key in the tables below.
ALTER TABLE audit ADD COLUMN prev BLOB;
ALTER TABLE audit ADD COLUMN hash BLOB;

-- Rows written before this migration carry no hash: they are reported as not chained.
CREATE TABLE audit_legacy (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    through INTEGER NOT NULL
) STRICT;
INSERT INTO audit_legacy (id, through) SELECT 1, coalesce(max(id), 0) FROM audit;

-- The end of each chain: its last row, hash and the number of rows ever written (MAC'd).
CREATE TABLE audit_heads (
    share_id TEXT PRIMARY KEY,
    last_id  INTEGER NOT NULL,
    hash     BLOB NOT NULL,
    written  INTEGER NOT NULL,
    mac      BLOB NOT NULL
) STRICT;

-- The number of chains and of rows ever written: removing a whole chain shows (MAC'd).
CREATE TABLE audit_seal (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    chains  INTEGER NOT NULL,
    written INTEGER NOT NULL,
    mac     BLOB
) STRICT;
INSERT INTO audit_seal (id, chains, written, mac) VALUES (1, 0, 0, NULL);

-- A run of consecutive rows of one chain removed by retention: the hash before the run and
-- the hash of its last row, so the kept rows on both sides still link up (MAC'd).
CREATE TABLE audit_checkpoints (
    id       INTEGER PRIMARY KEY,
    share_id TEXT NOT NULL,
    at       INTEGER NOT NULL,
    first_id INTEGER NOT NULL,
    last_id  INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    before   BLOB NOT NULL,
    after    BLOB NOT NULL,
    mac      BLOB NOT NULL
) STRICT;
CREATE INDEX audit_checkpoints_by_share ON audit_checkpoints (share_id, first_id);

-- Retention looks rows up by age; the owner's filters by kind.
CREATE INDEX audit_by_time ON audit (at);
CREATE INDEX audit_by_share_event ON audit (share_id, event, id);

-- Deleting audit rows needs the permit row, which only retention writes (and removes again)
-- inside its own transaction: other code paths still cannot delete a row.
CREATE TABLE audit_prune_permit (id INTEGER PRIMARY KEY CHECK (id = 1)) STRICT;
DROP TRIGGER audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN NOT EXISTS (SELECT 1 FROM audit_prune_permit)
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;

-- Times are integer UTC seconds taken from the add-on's clock, never SQL defaults.
CREATE TABLE shares (
    id              TEXT PRIMARY KEY,
    label           TEXT NOT NULL,
    level           TEXT NOT NULL CHECK (level IN ('view', 'operate', 'configure')),
    created_at      INTEGER NOT NULL,
    starts_at       INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    zones           TEXT NOT NULL,                 -- JSON list of zone ids; [] = every zone
    secret_digest   BLOB NOT NULL UNIQUE,          -- SHA-256 of the share secret
    pin_hash        TEXT,                          -- scrypt$n$r$p$salt$hash, NULL = no PIN
    pin_failures    INTEGER NOT NULL DEFAULT 0,
    max_redemptions INTEGER,
    redemptions     INTEGER NOT NULL DEFAULT 0,
    revoked_at      INTEGER,
    ended_at        INTEGER,
    last_used_at    INTEGER,
    created_by      TEXT NOT NULL,
    app_token       BLOB                           -- dSS application token, vault-encrypted
) STRICT;

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    share_id     TEXT NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    token_digest BLOB NOT NULL UNIQUE,             -- SHA-256 of the cookie value
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    client       TEXT NOT NULL,
    ended_at     INTEGER
) STRICT;

CREATE INDEX sessions_by_share ON sessions (share_id);

-- No foreign key: refused redemptions of unknown secrets are audited too, and audit rows
-- outlive anything they talk about.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    share_id   TEXT NOT NULL,
    at         INTEGER NOT NULL,
    event      TEXT NOT NULL,
    call       TEXT NOT NULL,
    allowed    INTEGER,
    reason     TEXT NOT NULL,
    client     TEXT NOT NULL,
    session_id TEXT NOT NULL
) STRICT;

CREATE INDEX audit_by_share ON audit (share_id, id);

-- The audit trail is append-only, also against code paths we did not write.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;

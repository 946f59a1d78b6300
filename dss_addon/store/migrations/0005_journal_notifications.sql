-- The change journal (issue 11): every configuration call a share made, with the value it
-- replaced, and the owner's undos (rows with undo_of set). Times are clock seconds.
CREATE TABLE changes (
    id         INTEGER PRIMARY KEY,
    share_id   TEXT NOT NULL,
    session_id TEXT NOT NULL,                    -- '' for the owner's undos
    actor      TEXT NOT NULL,                    -- 'share' or the owner's dSS user name
    at         INTEGER NOT NULL,
    call       TEXT NOT NULL,                    -- '<class>/<method>' as forwarded
    target     TEXT NOT NULL,                    -- JSON: the parameters naming what changed
    names      TEXT NOT NULL,                    -- JSON: room/device names at the time
    params     TEXT NOT NULL,                    -- JSON: the canonical parameters forwarded
    before     TEXT,                             -- JSON value; NULL when not restorable
    after      TEXT,                             -- JSON value; NULL when not restorable
    restorable INTEGER NOT NULL,
    applied    INTEGER NOT NULL DEFAULT 1,       -- 0: the dSS refused the call
    undone_at  INTEGER,
    undo_of    INTEGER                           -- the change this row undid
) STRICT;

CREATE INDEX changes_by_share ON changes (share_id, id);

CREATE TABLE notifications (
    id       INTEGER PRIMARY KEY,
    share_id TEXT NOT NULL,
    at       INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    label    TEXT NOT NULL,                      -- the share's label when it happened
    detail   TEXT NOT NULL,
    read_at  INTEGER
) STRICT;

-- One-off kinds are told once per share, whoever notices first.
CREATE UNIQUE INDEX notifications_once ON notifications (share_id, kind)
    WHERE kind IN ('first_use', 'locked', 'done', 'ending_soon');

-- Per share, the kinds the owner wants to hear about; no row = all of them.
CREATE TABLE notification_prefs (
    share_id TEXT PRIMARY KEY,
    kinds    TEXT NOT NULL                       -- JSON list of kinds
) STRICT;

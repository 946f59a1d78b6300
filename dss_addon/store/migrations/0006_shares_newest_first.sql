-- The owner's list reads shares newest first, one page at a time (keyset on created_at, id).
-- An index per list in that order lets a page seek to its place and read only its rows
-- however many shares were ever made: the shares not archived, and the archive. The current
-- view (not revoked, not ended, not expired) reads the few live shares by their end instead
-- of searching for them among the many that are over.
CREATE INDEX shares_listed ON shares (created_at DESC, id) WHERE archived_at IS NULL;
CREATE INDEX shares_archived_listed ON shares (created_at DESC, id)
    WHERE archived_at IS NOT NULL;
CREATE INDEX shares_current ON shares (expires_at)
    WHERE archived_at IS NULL AND revoked_at IS NULL AND ended_at IS NULL;
-- It served the archive view; SQLite preferred it for every list, then sorted all the rows.
DROP INDEX shares_by_archived;

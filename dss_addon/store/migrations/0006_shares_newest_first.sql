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

-- The tab's counts and its notice of open requests for more time, on every load: the shares
-- not archived are counted as they come and go (shares_listed_total), so only the few live
-- shares are counted by SQL; the open requests have an index of their own.
CREATE TABLE shares_listed_total (
    one   INTEGER PRIMARY KEY CHECK (one = 1),
    count INTEGER NOT NULL
) STRICT;
INSERT INTO shares_listed_total (one, count)
    SELECT 1, count(*) FROM shares WHERE archived_at IS NULL;
CREATE TRIGGER shares_listed_insert AFTER INSERT ON shares WHEN NEW.archived_at IS NULL
BEGIN
    UPDATE shares_listed_total SET count = count + 1;
END;
CREATE TRIGGER shares_listed_delete AFTER DELETE ON shares WHEN OLD.archived_at IS NULL
BEGIN
    UPDATE shares_listed_total SET count = count - 1;
END;
CREATE TRIGGER shares_listed_archive AFTER UPDATE OF archived_at ON shares
    WHEN (OLD.archived_at IS NULL) != (NEW.archived_at IS NULL)
BEGIN
    UPDATE shares_listed_total
        SET count = count + CASE WHEN NEW.archived_at IS NULL THEN 1 ELSE -1 END;
END;
CREATE INDEX shares_open_requests ON shares (id)
    WHERE archived_at IS NULL AND extension_minutes IS NOT NULL AND extension_answer IS NULL;
-- The shares holding a dSS app token (the live ones, and the ended ones until their token is
-- released), read on every load of the tab to notice tokens revoked in the dSS's own list.
CREATE INDEX shares_holding_app_tokens ON shares (id) WHERE app_token IS NOT NULL;

-- Share lifecycle (issue 10): archived shares, the electrician's request for more time, and
-- the share a re-issued one replaces. Times are integer UTC seconds from the add-on's clock.
ALTER TABLE shares ADD COLUMN archived_at INTEGER;
ALTER TABLE shares ADD COLUMN extension_minutes INTEGER;   -- NULL: no request ever made
ALTER TABLE shares ADD COLUMN extension_message TEXT;
ALTER TABLE shares ADD COLUMN extension_at INTEGER;
ALTER TABLE shares ADD COLUMN extension_answer TEXT
    CHECK (extension_answer IS NULL OR extension_answer IN ('granted', 'declined'));
ALTER TABLE shares ADD COLUMN predecessor_id TEXT;         -- the share this one re-issued

CREATE INDEX shares_by_archived ON shares (archived_at);

-- The owner's list reads shares newest first, one page at a time (keyset on created_at, id):
-- an index in that order keeps a page's cost the same however many shares were ever made.
CREATE INDEX shares_newest_first ON shares (created_at DESC, id);

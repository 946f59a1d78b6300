-- The high-water mark of the wall clock (integer UTC seconds): time never runs backwards for a
-- share, not even across a restart with a clock that was set back.
CREATE TABLE clock (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    high_water INTEGER NOT NULL
) STRICT;

INSERT INTO clock (id, high_water) VALUES (1, 0);

-- Marks the file as ours ("dssS"): start-up refuses a SQLite file of another program.
PRAGMA application_id = 1685287763;

-- Placeholder so that this branch's 0004 applies (versions run without gaps). Migration 0003
-- belongs to the audit-chain work on another branch: at the merge its file replaces this one.
SELECT 1;

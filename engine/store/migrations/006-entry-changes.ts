/**
 * Schema v6: which entries changed at which revision, so a reader holding the live state of an
 * earlier revision can catch up with the changes since (`readLiveStateChanges`) instead of reading
 * every entry again. `changed_revision` is the revision of an entry's last create or update; a
 * delete leaves a tombstone with its revision. Existing rows count as changed at the revision of the
 * migration, and `entry_changes_from` records that no change before it can be told.
 */
export const MIGRATION_006_ENTRY_CHANGES = `
ALTER TABLE entries ADD COLUMN changed_revision INTEGER NOT NULL DEFAULT 0;
UPDATE entries SET changed_revision = CAST((SELECT value FROM meta WHERE key = 'revision') AS INTEGER);
CREATE INDEX entries_by_changed_revision ON entries (changed_revision);

-- One row per deleted entry ID, with the revision of its last delete; a re-created ID keeps its
-- tombstone (readers skip tombstones of IDs that exist).
CREATE TABLE entry_tombstones (
  id       TEXT PRIMARY KEY,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX entry_tombstones_by_revision ON entry_tombstones (revision);

INSERT INTO meta (key, value) SELECT 'entry_changes_from', value FROM meta WHERE key = 'revision';
`

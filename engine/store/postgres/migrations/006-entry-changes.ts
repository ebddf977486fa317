/** Schema v6 on PostgreSQL: entry change tracking, as the SQLite v6 (../../migrations/006-entry-changes.ts). */
export const PG_MIGRATION_006_ENTRY_CHANGES = `
ALTER TABLE entries ADD COLUMN changed_revision BIGINT NOT NULL DEFAULT 0;
UPDATE entries SET changed_revision = COALESCE((SELECT value::bigint FROM meta WHERE key = 'revision'), 0);
CREATE INDEX entries_by_changed_revision ON entries (changed_revision);

CREATE TABLE entry_tombstones (
  id       TEXT COLLATE "C" PRIMARY KEY,
  revision BIGINT NOT NULL
);
CREATE INDEX entry_tombstones_by_revision ON entry_tombstones (revision);

INSERT INTO meta (key, value) SELECT 'entry_changes_from', value FROM meta WHERE key = 'revision';
`

/**
 * Schema v4 on PostgreSQL: the reconcile status replicas share (docs/ha.md). `reconcile_status` is
 * what the leader last recorded, written only under its current epoch (a deposed leader cannot
 * overwrite its successor's row); `reconcile_control` is operator intent any replica may write:
 * the suspend flag and "reconcile now" requests forwarded to the leader. A single SQLite server
 * keeps the same records as files in `<dataDir>/reconcile/` (../../migrations/004-reconcile-status.ts).
 */
export const PG_MIGRATION_004_RECONCILE_STATUS = `
CREATE TABLE reconcile_status (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  leader_epoch  BIGINT NOT NULL,
  written_at_ms BIGINT NOT NULL,
  status        TEXT NOT NULL
);

CREATE TABLE reconcile_control (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  suspend         TEXT,
  cycle_requested BIGINT NOT NULL,
  cycle_answered  BIGINT NOT NULL,
  cycle_answer    TEXT
);
INSERT INTO reconcile_control (id, cycle_requested, cycle_answered) VALUES (1, 0, 0);
`

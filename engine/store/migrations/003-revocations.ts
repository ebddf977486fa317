/**
 * Schema v3: emergency revocations (`sigil revoke`). A revocation is not a registration entry: Git
 * does not manage it and reconcile never touches it, so a block survives every apply until it is
 * lifted or expires. Rows are never deleted; a lift sets `lifted_at_ms`.
 */
export const MIGRATION_003_REVOCATIONS = `
CREATE TABLE revocations (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  spiffe_id     TEXT NOT NULL,
  reason        TEXT NOT NULL,
  actor         TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER,
  lifted_at_ms  INTEGER,
  lifted_by     TEXT
);
CREATE INDEX revocations_by_spiffe_id ON revocations (spiffe_id);
`

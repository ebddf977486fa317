/** Schema v3 on PostgreSQL: emergency revocations, as the SQLite v3 (../../migrations/003-revocations.ts). */
export const PG_MIGRATION_003_REVOCATIONS = `
CREATE TABLE revocations (
  id            BIGSERIAL PRIMARY KEY,
  spiffe_id     TEXT COLLATE "C" NOT NULL,
  reason        TEXT NOT NULL,
  actor         TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT,
  lifted_at_ms  BIGINT,
  lifted_by     TEXT
);
CREATE INDEX revocations_by_spiffe_id ON revocations (spiffe_id);
`

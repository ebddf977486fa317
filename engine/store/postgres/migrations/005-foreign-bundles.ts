/** Schema v5 on PostgreSQL: fetched foreign bundles, as the SQLite v5 (../../migrations/005-foreign-bundles.ts). */
export const PG_MIGRATION_005_FOREIGN_BUNDLES = `
CREATE TABLE foreign_bundles (
  trust_domain         TEXT COLLATE "C" PRIMARY KEY,
  endpoint_url         TEXT NOT NULL,
  bundle_json          TEXT NOT NULL,
  sequence             BIGINT NOT NULL,
  digest               TEXT NOT NULL,
  changed_at_ms        BIGINT NOT NULL,
  last_attempt_at_ms   BIGINT NOT NULL,
  last_success_at_ms   BIGINT NOT NULL,
  last_error           TEXT NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  next_attempt_at_ms   BIGINT NOT NULL
);

CREATE TABLE foreign_bundle_history (
  id            BIGSERIAL PRIMARY KEY,
  trust_domain  TEXT COLLATE "C" NOT NULL,
  sequence      BIGINT NOT NULL,
  digest        TEXT NOT NULL,
  bundle_json   TEXT NOT NULL,
  fetched_at_ms BIGINT NOT NULL,
  endpoint_url  TEXT NOT NULL
);
CREATE INDEX foreign_bundle_history_by_td ON foreign_bundle_history (trust_domain, id);
`

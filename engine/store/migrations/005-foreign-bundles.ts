/**
 * Schema v5: foreign bundles fetched from federation partners (engine/federation). Git declares the
 * relationship in `federation_bundles`; these tables hold what the endpoints served. History rows are
 * append-only and pruned to the newest versions per trust domain.
 */
export const MIGRATION_005_FOREIGN_BUNDLES = `
CREATE TABLE foreign_bundles (
  trust_domain         TEXT PRIMARY KEY,
  endpoint_url         TEXT NOT NULL,
  bundle_json          TEXT NOT NULL,
  sequence             INTEGER NOT NULL,
  digest               TEXT NOT NULL,
  changed_at_ms        INTEGER NOT NULL,
  last_attempt_at_ms   INTEGER NOT NULL,
  last_success_at_ms   INTEGER NOT NULL,
  last_error           TEXT NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  next_attempt_at_ms   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE foreign_bundle_history (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  trust_domain  TEXT NOT NULL,
  sequence      INTEGER NOT NULL,
  digest        TEXT NOT NULL,
  bundle_json   TEXT NOT NULL,
  fetched_at_ms INTEGER NOT NULL,
  endpoint_url  TEXT NOT NULL
);
CREATE INDEX foreign_bundle_history_by_td ON foreign_bundle_history (trust_domain, id);
`

/** Schema v2 on PostgreSQL: join tokens and attested nodes, as the SQLite v2 (../../migrations/002-nodes.ts). */
export const PG_MIGRATION_002_NODES = `
CREATE TABLE join_tokens (
  token_hash    TEXT PRIMARY KEY,
  expires_at_ms BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  agent_name    TEXT NOT NULL,
  alias_id      TEXT NOT NULL
);
CREATE INDEX join_tokens_by_expiry ON join_tokens (expires_at_ms);

CREATE TABLE attested_nodes (
  agent_id         TEXT COLLATE "C" PRIMARY KEY,
  attestation_type TEXT NOT NULL,
  selectors        TEXT NOT NULL,
  alias_ids        TEXT NOT NULL,
  svid_serial      TEXT NOT NULL,
  svid_expires_ms  BIGINT NOT NULL,
  banned           INTEGER NOT NULL DEFAULT 0,
  created_at_ms    BIGINT NOT NULL,
  updated_at_ms    BIGINT NOT NULL
);
`

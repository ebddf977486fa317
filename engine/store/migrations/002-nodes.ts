/** Schema v2: join tokens (hashed, single use) and attested nodes, for the agent API (issue 5). */
export const MIGRATION_002_NODES = `
-- Only the SHA-256 of a token is kept; the token itself is shown once, by 'sigil token create'.
CREATE TABLE join_tokens (
  token_hash    TEXT PRIMARY KEY,
  expires_at_ms INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  agent_name    TEXT NOT NULL,
  alias_id      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX join_tokens_by_expiry ON join_tokens (expires_at_ms);

-- One row per agent ID; re-attestation updates it. selectors and alias_ids are sorted JSON arrays.
CREATE TABLE attested_nodes (
  agent_id         TEXT PRIMARY KEY,
  attestation_type TEXT NOT NULL,
  selectors        TEXT NOT NULL,
  alias_ids        TEXT NOT NULL,
  svid_serial      TEXT NOT NULL,
  svid_expires_ms  INTEGER NOT NULL,
  banned           INTEGER NOT NULL DEFAULT 0,
  created_at_ms    INTEGER NOT NULL,
  updated_at_ms    INTEGER NOT NULL
) WITHOUT ROWID;
`

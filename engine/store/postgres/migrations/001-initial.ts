/**
 * Schema v1 on PostgreSQL: the same tables, columns and meaning as the SQLite v1 (../../migrations/001-initial.ts).
 * Integers are BIGINT (read back as numbers), booleans stay 0/1 so rows map through the same code.
 * Keys and names sort with COLLATE "C": byte order, as SQLite compares text.
 */
export const PG_MIGRATION_001_INITIAL = `
CREATE TABLE meta (
  key   TEXT COLLATE "C" PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE entries (
  id              TEXT COLLATE "C" PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('Entry', 'Node')),
  name            TEXT NOT NULL,
  entry_key       TEXT NOT NULL,
  spiffe_id       TEXT NOT NULL,
  parent_id       TEXT NOT NULL,
  selectors       TEXT NOT NULL,
  x509_svid_ttl   BIGINT NOT NULL,
  jwt_svid_ttl    BIGINT NOT NULL,
  dns_names       TEXT NOT NULL,
  federates_with  TEXT NOT NULL,
  hint            TEXT NOT NULL,
  admin           INTEGER NOT NULL,
  downstream      INTEGER NOT NULL,
  protect         INTEGER NOT NULL,
  roles           TEXT NOT NULL,
  expires_at      BIGINT NOT NULL,
  revision_number BIGINT NOT NULL,
  created_at      BIGINT NOT NULL,
  source_file     TEXT NOT NULL,
  source_commit   TEXT NOT NULL
);
CREATE INDEX entries_by_key ON entries (entry_key);
CREATE INDEX entries_by_parent ON entries (parent_id);
CREATE INDEX entries_by_spiffe_id ON entries (spiffe_id);

CREATE TABLE roles (
  name        TEXT COLLATE "C" PRIMARY KEY,
  description TEXT NOT NULL,
  scopes      TEXT NOT NULL
);

CREATE TABLE scopes (
  name        TEXT COLLATE "C" PRIMARY KEY,
  description TEXT NOT NULL
);

CREATE TABLE federation_bundles (
  name               TEXT COLLATE "C" PRIMARY KEY,
  trust_domain       TEXT NOT NULL UNIQUE,
  endpoint_url       TEXT NOT NULL,
  endpoint_profile   TEXT NOT NULL,
  endpoint_spiffe_id TEXT NOT NULL,
  bundle             TEXT NOT NULL
);

CREATE TABLE policies (
  name      TEXT COLLATE "C" PRIMARY KEY,
  severity  TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
  spec_json TEXT NOT NULL
);

-- Append-only, hash-chained (see the SQLite schema); the trigger stops accidental edits,
-- verifyAuditLog catches deliberate ones.
CREATE TABLE audit_log (
  seq       BIGINT PRIMARY KEY,
  at_ms     BIGINT NOT NULL,
  actor     TEXT NOT NULL,
  event     TEXT NOT NULL,
  revision  BIGINT NOT NULL,
  data      TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at_ms);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
`

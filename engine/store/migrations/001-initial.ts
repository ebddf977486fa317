/** Schema v1: the registration store of issue 3 (entries, node aliases, roles, scopes, bundles, policies, audit). */
export const MIGRATION_001_INITIAL = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Entries and node aliases (kind = 'Node'): SPIRE's model plus Sigil's ownership fields.
-- List-valued fields are sorted JSON arrays: one row per entry keeps apply close to raw insert speed.
CREATE TABLE entries (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('Entry', 'Node')),
  name            TEXT NOT NULL,
  entry_key       TEXT NOT NULL,
  spiffe_id       TEXT NOT NULL,
  parent_id       TEXT NOT NULL,
  selectors       TEXT NOT NULL,
  x509_svid_ttl   INTEGER NOT NULL,
  jwt_svid_ttl    INTEGER NOT NULL,
  dns_names       TEXT NOT NULL,
  federates_with  TEXT NOT NULL,
  hint            TEXT NOT NULL,
  admin           INTEGER NOT NULL,
  downstream      INTEGER NOT NULL,
  protect         INTEGER NOT NULL,
  roles           TEXT NOT NULL,
  expires_at      INTEGER NOT NULL,
  revision_number INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  source_file     TEXT NOT NULL,
  source_commit   TEXT NOT NULL
);
CREATE INDEX entries_by_key ON entries (entry_key);
CREATE INDEX entries_by_parent ON entries (parent_id);
CREATE INDEX entries_by_spiffe_id ON entries (spiffe_id);

CREATE TABLE roles (
  name        TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  scopes      TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE scopes (
  name        TEXT PRIMARY KEY,
  description TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE federation_bundles (
  name               TEXT PRIMARY KEY,
  trust_domain       TEXT NOT NULL UNIQUE,
  endpoint_url       TEXT NOT NULL,
  endpoint_profile   TEXT NOT NULL,
  endpoint_spiffe_id TEXT NOT NULL,
  bundle             TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE policies (
  name      TEXT PRIMARY KEY,
  severity  TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
  spec_json TEXT NOT NULL
) WITHOUT ROWID;

-- Append-only, hash-chained: hash = sha256(prev_hash || row). Triggers stop accidental edits;
-- 'sigil audit verify' catches deliberate ones (the head is also kept in meta.audit_head).
CREATE TABLE audit_log (
  seq       INTEGER PRIMARY KEY,
  at_ms     INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  event     TEXT NOT NULL,
  revision  INTEGER NOT NULL,
  data      TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at_ms);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`

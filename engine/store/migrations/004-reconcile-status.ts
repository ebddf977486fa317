/**
 * Schema v4 on SQLite: no change. Version 4 on PostgreSQL adds the reconcile status replicas share;
 * a single SQLite server keeps it in `<dataDir>/reconcile/` files (engine/reconcile/status.ts).
 * The step exists so a version number means the same on both backends.
 */
export const MIGRATION_004_RECONCILE_STATUS = `
-- reconcile status lives in <dataDir>/reconcile/ on SQLite
`

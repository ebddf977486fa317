import type { Migration } from '../../migrations/index.js'
import { PG_MIGRATION_001_INITIAL } from './001-initial.js'
import { PG_MIGRATION_002_NODES } from './002-nodes.js'
import { PG_MIGRATION_003_REVOCATIONS } from './003-revocations.js'
import { PG_MIGRATION_004_RECONCILE_STATUS } from './004-reconcile-status.js'
import { PG_MIGRATION_005_FOREIGN_BUNDLES } from './005-foreign-bundles.js'
import { PG_MIGRATION_006_ENTRY_CHANGES } from './006-entry-changes.js'

/**
 * Every PostgreSQL migration, in order, with the version numbers and meaning of the SQLite ones
 * (engine/store/migrations/index.ts): version N here holds what version N holds there. Never edit a
 * released one; add the next file together with its SQLite twin.
 */
export const PG_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: PG_MIGRATION_001_INITIAL },
  { version: 2, name: 'nodes', sql: PG_MIGRATION_002_NODES },
  { version: 3, name: 'revocations', sql: PG_MIGRATION_003_REVOCATIONS },
  { version: 4, name: 'reconcile-status', sql: PG_MIGRATION_004_RECONCILE_STATUS },
  { version: 5, name: 'foreign-bundles', sql: PG_MIGRATION_005_FOREIGN_BUNDLES },
  { version: 6, name: 'entry-changes', sql: PG_MIGRATION_006_ENTRY_CHANGES },
]

import { MIGRATION_001_INITIAL } from './001-initial.js'
import { MIGRATION_002_NODES } from './002-nodes.js'
import { MIGRATION_003_REVOCATIONS } from './003-revocations.js'
import { MIGRATION_004_RECONCILE_STATUS } from './004-reconcile-status.js'
import { MIGRATION_005_FOREIGN_BUNDLES } from './005-foreign-bundles.js'
import { MIGRATION_006_ENTRY_CHANGES } from './006-entry-changes.js'

/** One forward-only schema step; `version` is the `PRAGMA user_version` after it ran. */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

/**
 * Every migration, in order. Never edit a released one: add the next file (NNN-name.ts) and a
 * checked-in database of the previous version under test/fixtures/store/.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: MIGRATION_001_INITIAL },
  { version: 2, name: 'nodes', sql: MIGRATION_002_NODES },
  { version: 3, name: 'revocations', sql: MIGRATION_003_REVOCATIONS },
  { version: 4, name: 'reconcile-status', sql: MIGRATION_004_RECONCILE_STATUS },
  { version: 5, name: 'foreign-bundles', sql: MIGRATION_005_FOREIGN_BUNDLES },
  { version: 6, name: 'entry-changes', sql: MIGRATION_006_ENTRY_CHANGES },
]

/**
 * The store conformance suite on PostgreSQL (SIGIL_TEST_POSTGRES_URL, default the local server at
 * 127.0.0.1:5432). Where none is reachable the suite is skipped, and says so in its name.
 */
import { describe, it } from 'vitest'
import { POSTGRES_ADMIN_URL, isPostgresReachable, postgresBackend } from './backends.js'
import { describeForeignBundleStore } from './foreign-bundle-store.suite.js'
import { describeLiveStateChanges } from './live-state-changes.suite.js'
import { describeNodeStore } from './node-store.suite.js'
import { describeRegistrationStore } from './registration-store.suite.js'

if (await isPostgresReachable()) {
  describeRegistrationStore(postgresBackend())
  describeNodeStore(postgresBackend())
  describeForeignBundleStore(postgresBackend())
  describeLiveStateChanges(postgresBackend())
} else {
  const where = new URL(POSTGRES_ADMIN_URL).host
  describe.skip(`!!! SKIPPED: PostgreSQL store conformance — no PostgreSQL reachable at ${where} (set SIGIL_TEST_POSTGRES_URL) !!!`, () => {
    it('runs the registration and node store conformance suites on PostgreSQL', () => {})
  })
}

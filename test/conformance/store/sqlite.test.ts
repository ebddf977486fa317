/** The store conformance suite on SQLite files. */
import { sqliteBackend } from './backends.js'
import { describeForeignBundleStore } from './foreign-bundle-store.suite.js'
import { describeLiveStateChanges } from './live-state-changes.suite.js'
import { describeNodeStore } from './node-store.suite.js'
import { describeRegistrationStore } from './registration-store.suite.js'

describeRegistrationStore(sqliteBackend())
describeNodeStore(sqliteBackend())
describeForeignBundleStore(sqliteBackend())
describeLiveStateChanges(sqliteBackend())

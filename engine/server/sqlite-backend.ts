/**
 * What a single `sigil server` opens on its data directory: the SQLite store with the node and
 * foreign bundle stores on the same file, the CA in `keys/` and `ca/`, and the key manager for other
 * server keys. The PostgreSQL twin for replicas is engine/ha/postgres-server.ts.
 */
import { join } from 'node:path'
import type { CertificateAuthority } from '../ca/certificate-authority.js'
import { openDataDirCa } from '../ca/data-dir-ca.js'
import { createDiskKeyManager } from '../ca/disk-key-manager.js'
import type { KeyManager, KeySource } from '../ca/key-manager.js'
import type { Clock } from '../core/clock.js'
import type { Random } from '../core/random.js'
import { singleServerLeadership, type Leadership } from '../ha/leadership.js'
import type { ForeignBundleStore } from '../store/foreign-bundle-store.js'
import type { NodeStore } from '../store/node-store.js'
import type { RegistrationStore } from '../store/registration-store.js'
import { openSqliteForeignBundleStore } from '../store/sqlite-foreign-bundles.js'
import { openSqliteNodeStore } from '../store/sqlite-nodes.js'
import { openSqliteStore } from '../store/sqlite-store.js'

export interface SqliteServerBackend {
  readonly store: RegistrationStore
  readonly nodes: NodeStore
  readonly foreignBundles: ForeignBundleStore
  readonly ca: CertificateAuthority
  readonly keys: KeyManager
  /** Always the leader: one server, one store. */
  readonly leadership: Leadership
  readonly reconcileStore: RegistrationStore
  /** The reconcile status stays in files in the data directory. */
  readonly reconcileState?: undefined
  close(): Promise<void>
}

/** Opens (creating on first use) the store and CA in `dataDir`; on failure closes what it opened. */
export async function openSqliteServerBackend(p: {
  readonly dataDir: string
  readonly trustDomain?: string
  readonly clock: Clock
  readonly random: Random
  readonly keySource?: KeySource
  readonly caOptions: Parameters<typeof openDataDirCa>[0]['options']
}): Promise<SqliteServerBackend> {
  const dbPath = join(p.dataDir, 'sigil.db')
  const opened: { close(): Promise<void> }[] = []
  const close = async () => {
    for (const c of opened.splice(0).reverse()) await c.close().catch(() => {})
  }
  try {
    const store = openSqliteStore(dbPath, { clock: p.clock, random: p.random }, { create: true })
    opened.push(store)
    const nodes = openSqliteNodeStore(dbPath)
    opened.push(nodes)
    const foreignBundles = openSqliteForeignBundleStore(dbPath)
    opened.push(foreignBundles)
    const ca = await openDataDirCa({
      dataDir: p.dataDir,
      ...(p.trustDomain ? { trustDomain: p.trustDomain } : {}),
      clock: p.clock,
      random: p.random,
      ...(p.keySource ? { keySource: p.keySource } : {}),
      options: p.caOptions,
    })
    return {
      store,
      nodes,
      foreignBundles,
      ca,
      keys: createDiskKeyManager(join(p.dataDir, 'keys'), p.keySource),
      leadership: singleServerLeadership,
      reconcileStore: store,
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}

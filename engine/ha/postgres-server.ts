/**
 * What a `sigil server` replica on PostgreSQL opens: the shared store and node store, the leader
 * elector (running from the start) and the shared CA, plus the fenced store for the reconcile loop.
 */
import { hostname } from 'node:os'
import type { CertificateAuthority } from '../ca/certificate-authority.js'
import type { KeyManager, KeySource } from '../ca/key-manager.js'
import type { Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import type { Random } from '../core/random.js'
import type { ForeignBundleStore } from '../store/foreign-bundle-store.js'
import type { NodeStore } from '../store/node-store.js'
import { openPostgresForeignBundleStore } from '../store/postgres/foreign-bundles.js'
import { openPostgresNodeStore } from '../store/postgres/nodes.js'
import { connectPostgresStore } from '../store/postgres-store.js'
import type { RegistrationStore } from '../store/registration-store.js'
import type { ReconcileStateStore } from '../reconcile/state-store.js'
import { createLeaderElector, type LeaderElector } from './leader-elector.js'
import { hasSharedCa, openSharedCa, type SharedCaParams } from './shared-ca.js'
import { createSharedReconcileState } from './shared-reconcile-state.js'
import { createPostgresKeyManager, readKeyEncryptionKey } from './shared-ca-storage.js'

/** The store-side parts of a server replica. */
export interface ServerBackend {
  readonly store: RegistrationStore
  readonly nodes: NodeStore
  /** Fetched foreign bundles (federation), shared by the replicas. */
  readonly foreignBundles: ForeignBundleStore
  readonly ca: CertificateAuthority
  /** The shared CA's key manager (sealed keys), for other server keys such as the access-token key. */
  readonly keys: KeyManager
  readonly leadership: LeaderElector
  /** The store the reconcile loop commits through: refused once this replica stops leading. */
  readonly reconcileStore: RegistrationStore
  /** The reconcile status and suspend flag every replica reads; the leader writes the status. */
  readonly reconcileState: ReconcileStateStore
  /** Stops the elector (releasing the lock) and closes the stores. */
  close(): Promise<void>
}

export interface PostgresServerParams {
  readonly url: string
  /** File with the key-encryption key shared by all replicas (ha.caKeyFile). */
  readonly caKeyFile: string
  readonly trustDomain?: string
  /** `host:port` of the agent API, recorded while leading. */
  readonly address: string
  /** How often a follower tries to take the lock; default 1 s. */
  readonly electionRetryMs?: number
  readonly clock: Clock
  readonly random: Random
  readonly keySource?: KeySource
  readonly caOptions?: SharedCaParams['options']
  readonly logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void }
  /** How long a follower waits for the leader to create the CA on a fresh database; default 5 min. */
  readonly caWaitMs?: number
}

const CA_POLL_MS = 500

/** Opens the replica's backend; on failure, closes what was opened and rethrows. */
export async function openPostgresServerBackend(p: PostgresServerParams): Promise<ServerBackend> {
  const kek = readKeyEncryptionKey(p.caKeyFile)
  const store = await connectPostgresStore(p.url, { clock: p.clock, random: p.random }, { create: true })
  const stop = new AbortController()
  let electing: Promise<void> | undefined
  let nodes: NodeStore | undefined
  const close = async () => {
    stop.abort()
    await electing
    await nodes?.close()
    await store.close()
  }
  try {
    nodes = await openPostgresNodeStore(store.db, { clock: p.clock })
    const id = Buffer.from(p.random.bytes(8)).toString('hex')
    const elector = createLeaderElector({
      store,
      clock: p.clock,
      holder: { id, hostname: hostname(), pid: process.pid, address: p.address },
      logger: p.logger,
    })
    await elector.step()
    electing = elector.run(stop.signal)
    // a follower on a fresh database waits for the leader's first CA
    const deadline = p.clock.now() + (p.caWaitMs ?? 300_000)
    while (!elector.isLeader() && !(await hasSharedCa(store.db))) {
      if (p.clock.now() > deadline)
        throw new EngineError('ERR_CA_NOT_READY', 'no leader created the shared ca in time', {
          data: { reason: 'no-shared-ca' },
        })
      await p.clock.sleep(CA_POLL_MS)
    }
    const ca = await openSharedCa({
      db: store.db,
      leadership: elector,
      epoch: () => elector.epoch,
      kek,
      ...(p.trustDomain ? { trustDomain: p.trustDomain } : {}),
      clock: p.clock,
      random: p.random,
      ...(p.keySource ? { keySource: p.keySource } : {}),
      ...(p.caOptions ? { options: p.caOptions } : {}),
    })
    await ca.rotate()
    const reconcileState = createSharedReconcileState({
      db: store.db,
      epoch: () => elector.epoch,
      clock: p.clock,
    })
    return {
      store,
      nodes,
      foreignBundles: openPostgresForeignBundleStore(store.db),
      ca,
      keys: createPostgresKeyManager({
        db: store.db,
        epoch: () => elector.epoch,
        kek,
        random: p.random,
        ...(p.keySource ? { keySource: p.keySource } : {}),
      }),
      leadership: elector,
      reconcileStore: elector.fence(store),
      reconcileState,
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}

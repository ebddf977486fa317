/**
 * The CA of PostgreSQL replicas: one root of trust for all (journal and sealed keys in the
 * database, shared-ca-storage.ts). The leader rotates; every replica reloads the journal when it
 * changes, so all publish one bundle and mint SVIDs that verify against it.
 */
import {
  createCertificateAuthority,
  type CertificateAuthority,
  type CertificateAuthorityDeps,
} from '../ca/certificate-authority.js'
import type { KeySource } from '../ca/key-manager.js'
import type { Clock } from '../core/clock.js'
import { EngineError } from '../core/errors.js'
import type { Random } from '../core/random.js'
import { parseTrustDomain } from '../core/spiffe-id.js'
import type { PostgresDatabase } from '../store/postgres/database.js'
import type { Leadership } from './leadership.js'
import type { EpochSource } from './fenced-write.js'
import { createPostgresJournalStore, createPostgresKeyManager } from './shared-ca-storage.js'

export interface SharedCaParams {
  readonly db: PostgresDatabase
  readonly leadership: Leadership
  readonly epoch: EpochSource
  /** AES-256 key sealing the CA keys (readKeyEncryptionKey). */
  readonly kek: Buffer
  /** Needed when the database holds no CA yet; must match the stored one otherwise. */
  readonly trustDomain?: string
  readonly clock: Clock
  readonly random: Random
  readonly keySource?: KeySource
  readonly options?: Partial<
    Pick<CertificateAuthorityDeps, 'caTtlMs' | 'keyType' | 'jwtKeyType' | 'jwtIssuer'>
  >
}

/** True once some replica has written a CA journal to the database. */
export async function hasSharedCa(db: PostgresDatabase): Promise<boolean> {
  return (await createPostgresJournalStore(db, () => undefined).loadText()) !== undefined
}

/**
 * Opens the shared CA. The leader rotates it once (creating it on first start); a follower loads
 * what the leader wrote. `rotate()` reloads a changed journal first and rotates only on the leader.
 */
export async function openSharedCa(params: SharedCaParams): Promise<CertificateAuthority> {
  const journal = createPostgresJournalStore(params.db, params.epoch)
  const keys = createPostgresKeyManager({
    db: params.db,
    epoch: params.epoch,
    kek: params.kek,
    random: params.random,
    ...(params.keySource ? { keySource: params.keySource } : {}),
  })
  const remembered = (await journal.load())?.trustDomain
  const trustDomain = params.trustDomain ?? remembered
  if (trustDomain === undefined)
    throw new EngineError(
      'ERR_CA_NOT_READY',
      'no ca in this database yet: pass --trust-domain the first time',
      {
        data: { reason: 'trust-domain-required' },
      },
    )
  if (!parseTrustDomain(trustDomain).ok)
    throw new EngineError('ERR_CA_INVALID_REQUEST', `invalid trust domain "${trustDomain}"`, {
      data: { reason: 'trust-domain' },
    })
  const build = () =>
    createCertificateAuthority({
      ...params.options,
      trustDomain,
      keys,
      journal,
      clock: params.clock,
      random: params.random,
    })
  let inner = await build()
  let seen = await journal.loadText()
  const reload = async () => {
    const text = await journal.loadText()
    if (text === seen) return
    inner = await build()
    seen = text
  }
  const leaderOnly = () => {
    if (!params.leadership.isLeader())
      throw new EngineError('ERR_CA_NOT_READY', 'ca not ready: only the leader replica changes the ca', {
        data: { reason: 'not-leader' },
      })
  }
  const ca: CertificateAuthority = {
    trustDomain,
    async rotate() {
      await reload()
      if (!params.leadership.isLeader()) return []
      const records = await inner.rotate()
      seen = await journal.loadText()
      return records
    },
    async prepare(kind, actor) {
      leaderOnly()
      await reload()
      const record = await inner.prepare(kind, actor)
      seen = await journal.loadText()
      return record
    },
    async activate(kind, actor) {
      leaderOnly()
      await reload()
      const record = await inner.activate(kind, actor)
      seen = await journal.loadText()
      return record
    },
    signWorkloadX509Svid: (p) => inner.signWorkloadX509Svid(p),
    signWorkloadX509SvidForKey: (p) => inner.signWorkloadX509SvidForKey(p),
    signJwtSvid: (p) => inner.signJwtSvid(p),
    bundle: () => inner.bundle(),
    journal: () => inner.journal(),
  }
  return ca
}

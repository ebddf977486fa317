/**
 * Where replicas keep their one CA: the journal and the private keys in the PostgreSQL `meta`
 * table (`ca.journal`, `ca.key.<id>`), keys sealed with AES-256-GCM under a key-encryption key
 * every replica reads from its own file. Only the leader writes, fenced by its epoch.
 */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { CaJournal, JournalStore } from '../ca/journal.js'
import {
  assertKeyId,
  systemKeySource,
  toManagedKey,
  type KeyManager,
  type KeySource,
} from '../ca/key-manager.js'
import { EngineError } from '../core/errors.js'
import type { Random } from '../core/random.js'
import { writeMeta } from '../store/postgres/commit.js'
import type { PostgresDatabase } from '../store/postgres/database.js'
import { fencedWrite, type EpochSource } from './fenced-write.js'

const JOURNAL_KEY = 'ca.journal'
const KEY_PREFIX = 'ca.key.'

/** Reads the key-encryption key file (at least 32 bytes of secret) and derives the AES key. */
export function readKeyEncryptionKey(path: string): Buffer {
  let secret: Buffer
  try {
    secret = readFileSync(path)
  } catch (err) {
    throw new EngineError('ERR_CA_KEY', `cannot read the ca key-encryption key file ${path}`, {
      cause: err,
      data: { op: 'load', key: 'kek', path },
    })
  }
  const trimmed = secret.toString('utf8').trim()
  if (Buffer.byteLength(trimmed) < 32)
    throw new EngineError('ERR_CA_KEY', 'the ca key-encryption key file holds fewer than 32 bytes', {
      data: { op: 'load', key: 'kek', path },
    })
  return createHash('sha256').update(`sigil-ca-kek\n${trimmed}`).digest()
}

/** The CA journal as one `meta` row. */
export function createPostgresJournalStore(
  db: PostgresDatabase,
  epoch: EpochSource,
): JournalStore & {
  loadText(): Promise<string | undefined>
} {
  const loadText = async () =>
    (await db.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [JOURNAL_KEY])).rows[0]?.value
  return {
    loadText,
    async load() {
      const text = await loadText()
      if (text === undefined) return undefined
      const j = JSON.parse(text) as Partial<CaJournal>
      if (j?.version !== 1 || typeof j.trustDomain !== 'string')
        throw new EngineError('ERR_CA_NOT_READY', 'ca journal is corrupt', {
          data: { reason: 'journal-corrupt' },
        })
      return j as CaJournal
    },
    save: (journal) => fencedWrite(db, epoch, (c) => writeMeta(c, JOURNAL_KEY, JSON.stringify(journal))),
  }
}

/** Private keys as sealed PKCS#8 in `meta`; additional data binds each to its schema and ID. */
export function createPostgresKeyManager(params: {
  db: PostgresDatabase
  epoch: EpochSource
  kek: Buffer
  random: Random
  keySource?: KeySource
}): KeyManager {
  const { db, kek } = params
  const aad = (id: string) => Buffer.from(`sigil-ca-key\n${db.schema}\n${id}`)
  const seal = (id: string, der: Buffer): string => {
    const iv = Buffer.from(params.random.bytes(12))
    const cipher = createCipheriv('aes-256-gcm', kek, iv)
    cipher.setAAD(aad(id))
    const ct = Buffer.concat([cipher.update(der), cipher.final()])
    return JSON.stringify({
      v: 1,
      iv: iv.toString('base64'),
      ct: ct.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    })
  }
  const unseal = (id: string, text: string): Buffer => {
    try {
      const s = JSON.parse(text) as { iv: string; ct: string; tag: string }
      const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(s.iv, 'base64'))
      decipher.setAAD(aad(id))
      decipher.setAuthTag(Buffer.from(s.tag, 'base64'))
      return Buffer.concat([decipher.update(Buffer.from(s.ct, 'base64')), decipher.final()])
    } catch (err) {
      // a different key-encryption key on this replica, or a tampered row
      throw new EngineError('ERR_CA_KEY', `cannot unseal ca key ${id}`, {
        cause: err,
        data: { op: 'unseal', key: id },
      })
    }
  }
  return {
    async generateKey(id, type) {
      assertKeyId(id)
      const key = toManagedKey(id, await (params.keySource ?? systemKeySource).generate(type), type)
      const der = key.privateKey.export({ format: 'der', type: 'pkcs8' })
      await fencedWrite(db, params.epoch, (c) => writeMeta(c, KEY_PREFIX + id, seal(id, der)))
      return key
    },
    async fetchKey(id) {
      assertKeyId(id)
      const res = await db.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [
        KEY_PREFIX + id,
      ])
      const text = res.rows[0]?.value
      if (text === undefined) return undefined
      return toManagedKey(id, createPrivateKey({ key: unseal(id, text), format: 'der', type: 'pkcs8' }))
    },
    async deleteKey(id) {
      assertKeyId(id)
      await fencedWrite(db, params.epoch, async (c) => {
        await c.query('DELETE FROM meta WHERE key = $1', [KEY_PREFIX + id])
      })
    },
  }
}

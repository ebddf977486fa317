/** Key manager storing PKCS#8 PEM files under `<dir>` (0700), one file per key (0600), written atomically. */
import { createPrivateKey } from 'node:crypto'
import { chmod, mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { EngineError } from '../core/errors.js'
import { writeFileAtomic } from './atomic-file.js'
import {
  assertKeyId,
  systemKeySource,
  toManagedKey,
  type KeyManager,
  type KeySource,
  type ManagedKey,
} from './key-manager.js'

/** A key manager over `keysDir` (usually `<data-dir>/keys`); keys are cached after the first read. */
export function createDiskKeyManager(keysDir: string, source: KeySource = systemKeySource): KeyManager {
  const cache = new Map<string, ManagedKey>()
  let dirReady: Promise<void> | undefined
  const ensureDir = () =>
    (dirReady ??= (async () => {
      await mkdir(keysDir, { recursive: true, mode: 0o700 })
      await chmod(keysDir, 0o700)
    })())
  const file = (id: string) => {
    assertKeyId(id)
    return join(keysDir, `${id}.pem`)
  }
  return {
    async generateKey(id, type) {
      const path = file(id)
      await ensureDir()
      const key = toManagedKey(id, await source.generate(type), type)
      const pem = key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
      await writeFileAtomic(path, pem, 0o600)
      cache.set(id, key)
      return key
    },
    async fetchKey(id) {
      const path = file(id)
      const cached = cache.get(id)
      if (cached) return cached
      let pem: string
      try {
        pem = await readFile(path, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw new EngineError('ERR_CA_KEY', 'key read failed', { cause: err, data: { op: 'read', key: id } })
      }
      let key: ManagedKey
      try {
        key = toManagedKey(id, createPrivateKey({ key: pem, format: 'pem' }))
      } catch (err) {
        // the cause may quote the file; never let key material reach a message
        throw new EngineError('ERR_CA_KEY', 'key file is not a supported pkcs#8 key', {
          cause: err instanceof EngineError ? err : undefined,
          data: { op: 'load', key: id },
        })
      }
      cache.set(id, key)
      return key
    },
    async deleteKey(id) {
      cache.delete(id)
      await rm(file(id), { force: true })
    },
  }
}

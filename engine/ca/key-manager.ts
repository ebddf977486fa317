/**
 * Key managers: where the CA's private keys live. The disk implementation keeps PKCS#8 PEM files
 * under `<data-dir>/keys/`; the in-memory one serves tests. Key generation sits behind `KeySource`
 * so tests hand out pre-made fixture keys instead of generating RSA keys.
 */
import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto'
import { EngineError } from '../core/errors.js'
import { keyTypeFromDetails, keyTypeInfo, type KeyType } from './key-type.js'

/** A private key held by a key manager, with its public half and DER SPKI cached. */
export interface ManagedKey {
  /** Key manager ID, e.g. `x509-CA-A` or `JWT-Signer-B`. */
  readonly id: string
  readonly type: KeyType
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** DER SubjectPublicKeyInfo of the public key. */
  readonly spkiDer: Buffer
}

/** Storage of named private keys. `generateKey` replaces any key with the same ID. */
export interface KeyManager {
  generateKey(id: string, type: KeyType): Promise<ManagedKey>
  fetchKey(id: string): Promise<ManagedKey | undefined>
  deleteKey(id: string): Promise<void>
}

/** Where new private keys come from. */
export interface KeySource {
  generate(type: KeyType): Promise<KeyObject>
}

/** Generates keys with node:crypto (the thread pool, so RSA does not block the loop). */
export const systemKeySource: KeySource = {
  generate(type) {
    const info = keyTypeInfo(type)
    return new Promise((resolve, reject) => {
      const done = (err: Error | null, _pub: KeyObject, priv: KeyObject) =>
        err ? reject(keyError('generate', type, err)) : resolve(priv)
      if (info.family === 'ec') generateKeyPair('ec', { namedCurve: info.namedCurve as string }, done)
      else generateKeyPair('rsa', { modulusLength: info.modulusLength as number }, done)
    })
  },
}

function keyError(op: string, what: string, cause?: unknown): EngineError {
  return new EngineError('ERR_CA_KEY', `key ${op} failed`, { cause, data: { op, key: what } })
}

/** Wraps a private key as a `ManagedKey`, checking that its type is supported and as expected. */
export function toManagedKey(id: string, privateKey: KeyObject, expected?: KeyType): ManagedKey {
  const type = keyTypeFromDetails(privateKey.asymmetricKeyType, privateKey.asymmetricKeyDetails)
  if (type === undefined || (expected !== undefined && type !== expected)) {
    throw keyError('load', id, new TypeError(`unsupported or unexpected key type for ${id}`))
  }
  const publicKey = createPublicKey(privateKey)
  const spkiDer = publicKey.export({ format: 'der', type: 'spki' })
  return { id, type, privateKey, publicKey, spkiDer }
}

/** A key manager holding keys in memory only. */
export function createMemoryKeyManager(source: KeySource = systemKeySource): KeyManager {
  const keys = new Map<string, ManagedKey>()
  return {
    async generateKey(id, type) {
      const key = toManagedKey(id, await source.generate(type), type)
      keys.set(id, key)
      return key
    },
    fetchKey: async (id) => keys.get(id),
    async deleteKey(id) {
      keys.delete(id)
    },
  }
}

/** Key IDs are file names on disk: keep them to a safe alphabet. */
export function assertKeyId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id))
    throw new TypeError(`invalid key id ${JSON.stringify(id)}`)
}

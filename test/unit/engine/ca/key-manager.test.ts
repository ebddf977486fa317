import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createDiskKeyManager } from '../../../../engine/ca/disk-key-manager.js'
import { createMemoryKeyManager } from '../../../../engine/ca/key-manager.js'
import { KEY_TYPES } from '../../../../engine/ca/key-type.js'
import { fixtureKeySource } from '../../../fixtures/ca/key-source.js'
import { tmp } from '../../../fixtures/ca/test-ca.js'

describe('key managers', () => {
  it('disk: PKCS#8 PEM files 0600 in a 0700 directory, written atomically, reloaded by a new instance', async () => {
    const dir = join(tmp(), 'keys')
    const km = createDiskKeyManager(dir, fixtureKeySource())
    for (const type of KEY_TYPES) await km.generateKey(`k-${type}`, type)
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    const files = (await readdir(dir)).sort()
    expect(files).toEqual(KEY_TYPES.map((t) => `k-${t}.pem`).sort())
    for (const f of files) {
      expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600)
      expect(await readFile(join(dir, f), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
    }
    const again = createDiskKeyManager(dir)
    for (const type of KEY_TYPES) {
      const key = await again.fetchKey(`k-${type}`)
      expect(key?.type).toBe(type)
      expect(key?.spkiDer.equals((await km.fetchKey(`k-${type}`))?.spkiDer as Buffer)).toBe(true)
    }
    expect(await again.fetchKey('absent')).toBeUndefined()
    await again.deleteKey('k-ec-p256')
    expect(await createDiskKeyManager(dir).fetchKey('k-ec-p256')).toBeUndefined()
  })

  it('disk: replaces a key in place and refuses unsafe ids', async () => {
    const dir = join(tmp(), 'keys')
    const km = createDiskKeyManager(dir, fixtureKeySource())
    const a = await km.generateKey('x509-CA-A', 'ec-p256')
    const b = await km.generateKey('x509-CA-A', 'ec-p256')
    expect(a.spkiDer.equals(b.spkiDer)).toBe(false)
    expect(await readdir(dir)).toEqual(['x509-CA-A.pem'])
    await expect(km.generateKey('../escape', 'ec-p256')).rejects.toThrow(TypeError)
  })

  it('disk: a corrupt key file is ERR_CA_KEY and its content never reaches the error', async () => {
    const dir = join(tmp(), 'keys')
    const km = createDiskKeyManager(dir, fixtureKeySource())
    await km.generateKey('k', 'ec-p256')
    const secret = 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRET'
    await writeFile(join(dir, 'k.pem'), `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n`)
    const err = await createDiskKeyManager(dir)
      .fetchKey('k')
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ERR_CA_KEY', data: { op: 'load', key: 'k' } })
    expect(JSON.stringify(err) + String((err as Error).message) + String((err as Error).stack)).not.toContain(
      secret,
    )
  })

  it('memory: generate, fetch, delete', async () => {
    const km = createMemoryKeyManager(fixtureKeySource())
    const k = await km.generateKey('a', 'rsa-2048')
    expect(k.type).toBe('rsa-2048')
    expect(await km.fetchKey('a')).toBe(k)
    await km.deleteKey('a')
    expect(await km.fetchKey('a')).toBeUndefined()
  })
})

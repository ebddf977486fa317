import { mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readBuiltinPolicies } from '../../../engine/source/builtin-policies.js'
import { readDirectory } from '../../../engine/source/read-directory.js'
import { tempDir, writeFiles } from '../../support/git.js'

describe('readDirectory', () => {
  it('reads repository YAML sorted, skipping dot-directories, node_modules and policy tests', async () => {
    const dir = tempDir()
    writeFiles(dir, {
      'b.yaml': 'b',
      'a.yml': 'a',
      'sub/deeper/c.yaml': 'c',
      'sub/readme.md': 'no',
      'p.test.yaml': 'no',
      'sub/q.test.yml': 'no',
      '.git/config.yaml': 'no',
      '.sigil/x.yaml': 'no',
      'node_modules/m/x.yaml': 'no',
      'outside/linked.yaml': 'linked',
    })
    symlinkSync(join(dir, 'outside/linked.yaml'), join(dir, 'sub/link.yaml'))
    symlinkSync(join(dir, 'sub'), join(dir, 'sub-link'))
    const snapshot = await readDirectory(dir)
    expect(snapshot.repo).toBe(dir)
    expect(snapshot.commit).toBeUndefined()
    expect(snapshot.path).toBe('')
    expect(snapshot.files.map((f) => [f.path, f.text])).toEqual([
      ['a.yml', 'a'],
      ['b.yaml', 'b'],
      ['outside/linked.yaml', 'linked'],
      ['sub/deeper/c.yaml', 'c'],
      ['sub/link.yaml', 'linked'],
    ])
  })

  it('narrows to a sub-directory with paths still relative to the root', async () => {
    const dir = tempDir()
    writeFiles(dir, { 'a.yaml': 'a', 'envs/prod/x.yaml': 'x' })
    const snapshot = await readDirectory(dir, { path: './envs/' })
    expect(snapshot.path).toBe('envs')
    expect(snapshot.files.map((f) => f.path)).toEqual(['envs/prod/x.yaml'])
  })

  it('fails with ERR_SOURCE_IO for a missing directory or a file', async () => {
    const dir = tempDir()
    writeFiles(dir, { 'file.yaml': 'x' })
    await expect(readDirectory(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ERR_SOURCE_IO' })
    await expect(readDirectory(dir, { path: 'file.yaml' })).rejects.toMatchObject({ code: 'ERR_SOURCE_IO' })
    mkdirSync(join(dir, 'empty'))
    expect((await readDirectory(dir, { path: 'empty' })).files).toEqual([])
  })
})

describe('readBuiltinPolicies', () => {
  it('parses the shipped packs as Policy objects', async () => {
    const policies = await readBuiltinPolicies()
    expect(policies.length).toBeGreaterThan(0)
    for (const p of policies) {
      expect(p.kind).toBe('Policy')
      expect(p.source.file).toMatch(/^<sigil>\/policies\/[^/]+\.ya?ml$/)
    }
  })

  it('returns [] without a policies directory and refuses a broken pack', async () => {
    expect(await readBuiltinPolicies(join(tempDir(), 'none'))).toEqual([])
    const dir = tempDir()
    writeFiles(dir, {
      'bad.yaml': 'apiVersion: sigil/v1\nkind: Scope\nmetadata: { name: s }\nspec: { description: x }\n',
    })
    await expect(readBuiltinPolicies(dir)).rejects.toMatchObject({ code: 'ERR_MODEL_INVALID' })
  })
})

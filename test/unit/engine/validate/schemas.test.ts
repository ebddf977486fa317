// schema/<kind>.schema.json are the published copies of engine/validate/schemas.ts (update with `vitest -u`).
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { format, resolveConfig } from 'prettier'
import { describe, expect, it } from 'vitest'
import { KINDS } from '../../../../engine/model/types.js'
import { kindSchema, schemaFileStem } from '../../../../engine/validate/schemas.js'
import { checkSchema } from '../../../../engine/validate/validate-schema.js'

const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../schema')

describe('kind schemas', () => {
  it.each(KINDS)('schema/%s file matches the compiled schema', async (kind) => {
    const file = join(SCHEMA_DIR, `${schemaFileStem(kind)}.schema.json`)
    // formatted as `prettier --check .` expects
    const text = await format(JSON.stringify(kindSchema(kind)), {
      ...(await resolveConfig(file)),
      filepath: file,
    })
    await expect(text).toMatchFileSnapshot(file)
  })

  it('every schema is valid draft 2020-12 and forbids unknown fields everywhere', () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true })
    const objectsWithoutClosure: string[] = []
    const walk = (node: unknown, at: string) => {
      if (typeof node !== 'object' || node === null) return
      const n = node as Record<string, unknown>
      if (n['type'] === 'object' && !('additionalProperties' in n)) objectsWithoutClosure.push(at)
      for (const [k, v] of Object.entries(n)) walk(v, `${at}/${k}`)
    }
    for (const kind of KINDS) {
      expect(ajv.validateSchema(kindSchema(kind))).toBe(true)
      walk(kindSchema(kind), kind)
    }
    expect(objectsWithoutClosure).toEqual([])
  })

  it('accepts durations with a non-zero amount and rejects the rest', () => {
    const entry = (ttl: string) => ({
      apiVersion: 'sigil/v1',
      kind: 'Entry',
      metadata: { name: 'e' },
      spec: {
        spiffeID: 'spiffe://e.org/a',
        parentID: 'spiffe://e.org/b',
        selectors: ['unix:uid:1'],
        x509SVIDTTL: ttl,
      },
    })
    for (const ok of ['90s', '5m', '1h', '7d', '1h30m', '10m0s'])
      expect(checkSchema('Entry', entry(ok))).toEqual([])
    for (const bad of ['0s', '0h0m', '1 hour', '500ms', '1H', 'h', '']) {
      expect(checkSchema('Entry', entry(bad)).map((p) => p.code)).toEqual(['ERR_SCHEMA_VALUE'])
    }
  })

  it('maxDeletions is a count or a percentage up to 100%', () => {
    const td = (maxDeletions: unknown) => ({
      apiVersion: 'sigil/v1',
      kind: 'TrustDomain',
      metadata: { name: 'e.org' },
      spec: { safety: { maxDeletions } },
    })
    for (const ok of [0, 25, '0%', '10%', '100%']) expect(checkSchema('TrustDomain', td(ok))).toEqual([])
    for (const bad of [-1, 1.5, '101%', '10', '%'])
      expect(checkSchema('TrustDomain', td(bad))).not.toEqual([])
  })
})

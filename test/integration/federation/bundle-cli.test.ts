/**
 * `sigil bundle list` / `sigil bundle history` on a store opened directly (SQLite in a data dir): a
 * pinned-only relationship delivers its pin, an endpoint never reached delivers nothing, and a
 * missing store is a clear failure.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeBundleJson } from '../../../engine/ca/bundle.js'
import { makeTestCa } from '../../fixtures/ca/test-ca.js'
import { runSigil } from '../../support/cli.js'
import { writeFiles } from '../../support/git.js'

let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-bundle-cli-'))
  const partner = (await makeTestCa({ trustDomain: 'partner.example' })).ca.bundle()
  writeFiles(join(dir, 'repo'), {
    'td.yaml': `apiVersion: sigil/v1
kind: TrustDomain
metadata: { name: example.org }
spec: {}
---
apiVersion: sigil/v1
kind: FederationBundle
metadata: { name: partner }
spec:
  trustDomain: partner.example
  bundle: '${encodeBundleJson(partner)}'
---
apiVersion: sigil/v1
kind: FederationBundle
metadata: { name: faraway }
spec:
  trustDomain: faraway.example
  bundleEndpoint: { url: 'https://faraway.example/', profile: https_web }
`,
  })
  const applied = await runSigil([
    'apply',
    join(dir, 'repo'),
    '--data-dir',
    join(dir, 'data'),
    '--auto-approve',
  ])
  expect(applied.code, applied.stderr).toBe(0)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('sigil bundle list', () => {
  it('lists each relationship with what it delivers', async () => {
    const text = await runSigil(['bundle', 'list', '--data-dir', join(dir, 'data')])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('faraway.example  (FederationBundle/faraway)')
    expect(text.stdout).toContain('delivering: nothing yet (no fetch succeeded and no pinned bundle)')
    expect(text.stdout).toContain('partner.example  (FederationBundle/partner)')
    expect(text.stdout).toContain('endpoint: none, pinned bundle only')
    const json = await runSigil(['bundle', 'list', '--data-dir', join(dir, 'data'), '--format', 'json'])
    const doc = JSON.parse(json.stdout) as { relationships: { trustDomain: string; delivering: string }[] }
    expect(doc.relationships.map((r) => [r.trustDomain, r.delivering])).toEqual([
      ['faraway.example', 'none'],
      ['partner.example', 'pinned'],
    ])
  })

  it('shows an empty history, and fails clearly without a store', async () => {
    const history = await runSigil(['bundle', 'history', 'partner.example', '--data-dir', join(dir, 'data')])
    expect(history.code, history.stderr).toBe(0)
    expect(history.stdout).toBe('no fetched bundle versions of partner.example\n')
    const missing = await runSigil(['bundle', 'list', '--data-dir', join(dir, 'nothing')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no registration store/)
    const bad = await runSigil(['bundle', 'list', '--data-dir', join(dir, 'data'), '--format', 'xml'])
    expect(bad.code).toBe(2)
  })
})

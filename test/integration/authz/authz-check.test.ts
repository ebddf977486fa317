import { beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { PROJECT_ROOT, runSigil } from '../../support/cli.js'
import { tempDir } from '../../support/git.js'

// `sigil authz check` against a store that holds examples/quickstart: every decision path.
describe('sigil authz check', () => {
  const dataDir = join(tempDir('sigil-authz-'), 'data')

  beforeAll(async () => {
    const applied = await runSigil([
      'apply',
      join(PROJECT_ROOT, 'examples/quickstart'),
      '--data-dir',
      dataDir,
      '--auto-approve',
    ])
    expect(applied.stderr).toBe('')
    expect(applied.code).toBe(0)
  })

  const check = (...args: string[]) =>
    runSigil(['authz', 'check', ...args, '--data-dir', dataDir, '--format', 'json'])

  it('allows a scope granted through a role and names the role', async () => {
    const r = await check('spiffe://example.org/quickstart/web', 'write:orders')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({
      decision: 'allow',
      roles: ['orders-client'],
      reason: 'granted',
    })
  })

  it('denies a scope none of the roles grant', async () => {
    const r = await check('spiffe://example.org/quickstart/db', 'read:orders')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({
      decision: 'deny',
      roles: ['backup-writer'],
      reason: 'scope-not-granted',
    })
  })

  it('denies an unknown SPIFFE ID', async () => {
    const r = await check('spiffe://example.org/quickstart/nobody', 'read:orders')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: 'deny', roles: [], reason: 'unknown-spiffe-id' })
  })

  it('cannot run with an invalid SPIFFE ID or a missing store', async () => {
    expect((await check('not-an-id', 'read:orders')).code).toBe(2)
    const missing = await runSigil([
      'authz',
      'check',
      'spiffe://example.org/x',
      's',
      '--data-dir',
      join(dataDir, 'nope'),
    ])
    expect(missing.code).not.toBe(0)
  })
})

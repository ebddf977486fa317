/** `sigil revoke` on a data dir: revoke, list, lift, expiry, argument errors, and the audit rows. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Revocation } from '../../../engine/store/node-store.js'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { runSigil } from '../../support/cli.js'
import { FakeClock } from '../../support/fake-clock.js'
import { seededRandom } from '../../support/seeded-random.js'

const WEB = 'spiffe://example.org/web'
const DB = 'spiffe://example.org/db'
let dir: string
const dataDir = () => join(dir, 'data')
const sigil = (...args: string[]) => runSigil(['revoke', ...args, '--data-dir', dataDir()])

async function listed(...flags: string[]): Promise<Revocation[]> {
  const res = await sigil('--list', '--format', 'json', ...flags)
  expect(res.code, res.stderr).toBe(0)
  return (JSON.parse(res.stdout) as { revocations: Revocation[] }).revocations
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-revoke-cli-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('sigil revoke', () => {
  it('refuses a missing reason, a bad duration and a missing SPIFFE ID with exit code 2', async () => {
    expect((await sigil(WEB)).code).toBe(2)
    expect((await sigil(WEB, '--reason', '   ')).code).toBe(2)
    expect((await sigil(WEB, '--reason', 'x', '--for', 'soon')).code).toBe(2)
    expect((await sigil('--reason', 'x')).code).toBe(2)
    const bad = await sigil('not-a-spiffe-id', '--reason', 'x')
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('ERR_API_INVALID_ARGUMENT')
    // a node is banned (sigil agent ban), not revoked
    const agent = await sigil('spiffe://example.org/spire/agent/join_token/host', '--reason', 'x')
    expect(agent.code).not.toBe(0)
    expect(agent.stderr).toContain('ERR_API_INVALID_ARGUMENT')
  })

  it('revokes, lists, lifts and expires, each audited', async () => {
    const web = await sigil(WEB, '--reason', 'key leaked')
    expect(web.code, web.stderr).toBe(0)
    expect(web.stdout).toContain(WEB)
    // expires 1 ms after it was created: already over when the next process lists
    const db = await sigil(DB, '--reason', 'drill', '--for', '1ms', '--format', 'json')
    expect(db.code, db.stderr).toBe(0)
    const created = (JSON.parse(db.stdout) as { revocation: Revocation }).revocation
    expect(created.expiresAtMs).toBe(created.createdAtMs + 1)

    expect((await listed()).map((r) => [r.spiffeId, r.reason])).toEqual([[WEB, 'key leaked']])
    expect((await listed('--all')).map((r) => r.spiffeId)).toEqual([DB, WEB])
    const text = await sigil('--list')
    expect(text.stdout).toContain('reason: key leaked')

    const lift = await sigil('--lift', WEB)
    expect(lift.code, lift.stderr).toBe(0)
    expect(await listed()).toEqual([])
    const again = await sigil('--lift', WEB, '--format', 'json')
    expect(JSON.parse(again.stdout)).toEqual({ lifted: [] })

    const store = openSqliteStore(join(dataDir(), 'sigil.db'), {
      clock: new FakeClock(),
      random: seededRandom(1),
    })
    try {
      const audit = (await store.listAuditRecords({ pageSize: 10_000 })).items.filter((r) =>
        r.event.startsWith('identity.'),
      )
      expect(audit.map((r) => [r.event, r.data['spiffeId']])).toEqual([
        ['identity.revoke', WEB],
        ['identity.revoke', DB],
        ['identity.revoke.lift', WEB],
      ])
      expect(audit.every((r) => r.actor.startsWith('os:'))).toBe(true)
      expect((await store.verifyAuditLog()).ok).toBe(true)
    } finally {
      await store.close()
    }
  })
})

import { describe, expect, it } from 'vitest'
import { compileAuthz, createAuthorizer, decide, firstUngranted } from '../../../../engine/authz/index.js'
import type { LiveState } from '../../../../engine/plan/types.js'
import { FakeClock } from '../../../support/fake-clock.js'

const WEB = 'spiffe://example.org/web'
const JOB = 'spiffe://example.org/job'
const ROLES = [
  { name: 'reader', scopes: ['read:orders'] },
  { name: 'writer', scopes: ['read:orders', 'write:orders'] },
  { name: 'backup', scopes: ['write:backups'] },
]

describe('authorization engine', () => {
  const compiled = compileAuthz({
    entries: [
      { spiffeId: WEB, roles: ['reader'] },
      { spiffeId: JOB, roles: ['writer', 'backup', 'gone'] },
      { spiffeId: JOB, roles: ['reader'] },
    ],
    roles: ROLES,
  })

  it('allows a scope granted by a direct role and names it', () => {
    expect(decide(compiled, WEB, 'read:orders')).toEqual({
      allow: true,
      roles: ['reader'],
      reason: 'granted',
    })
  })

  it('unions the scopes of two roles (across entries) and names every granting role', () => {
    expect(decide(compiled, JOB, 'read:orders').roles).toEqual(['reader', 'writer'])
    expect(decide(compiled, JOB, 'write:backups')).toMatchObject({ allow: true, roles: ['backup'] })
  })

  it('denies a scope no role grants and lists the roles held, including a removed role', () => {
    expect(decide(compiled, WEB, 'write:orders')).toEqual({
      allow: false,
      roles: ['reader'],
      reason: 'scope-not-granted',
    })
    expect(decide(compiled, JOB, 'delete:orders')).toMatchObject({
      allow: false,
      roles: ['backup', 'gone', 'reader', 'writer'],
    })
  })

  it('denies an unknown SPIFFE ID', () => {
    expect(decide(compiled, 'spiffe://example.org/nobody', 'read:orders')).toEqual({
      allow: false,
      roles: [],
      reason: 'unknown-spiffe-id',
    })
  })

  it('finds the first ungranted scope of a request', () => {
    expect(firstUngranted(compiled, JOB, ['read:orders', 'write:orders'])).toBeUndefined()
    expect(firstUngranted(compiled, WEB, ['read:orders', 'write:orders'])).toBe('write:orders')
  })
})

function liveState(revision: number, webRoles: string[], roles = ROLES): LiveState {
  return {
    lineage: 'L',
    revision,
    trustDomain: 'example.org',
    entries: [{ spiffeId: WEB, roles: webRoles } as unknown as LiveState['entries'][number]],
    roles: roles.map((r) => ({ ...r, description: '' })),
    scopes: [],
    federationBundles: [],
    policies: [],
  }
}

describe('createAuthorizer', () => {
  it('recompiles when the revision moves: a removed role stops granting', async () => {
    let state = liveState(1, ['reader', 'writer'])
    let reads = 0
    const store = {
      fetchRevision: () => Promise.resolve({ lineage: state.lineage, revision: state.revision }),
      readLiveState: () => {
        reads++
        return Promise.resolve(state)
      },
    }
    const seen: string[] = []
    const authz = await createAuthorizer({
      store,
      clock: new FakeClock(),
      onDecision: (id, scope, d) => seen.push(`${scope}:${d.allow ? 'allow' : 'deny'}`),
    })
    expect(authz.check(WEB, 'write:orders').allow).toBe(true)
    expect(await authz.refresh()).toBe(false)
    expect(reads).toBe(1)
    state = liveState(2, ['reader'])
    expect(await authz.refresh()).toBe(true)
    expect(authz.check(WEB, 'write:orders')).toMatchObject({ allow: false, reason: 'scope-not-granted' })
    expect(authz.check(WEB, 'read:orders').allow).toBe(true)
    // a role deleted from the store grants nothing even while the entry still names it
    state = liveState(
      3,
      ['reader'],
      ROLES.filter((r) => r.name !== 'reader'),
    )
    await authz.refresh()
    expect(authz.check(WEB, 'read:orders').allow).toBe(false)
    expect(seen).toEqual(['write:orders:allow', 'write:orders:deny', 'read:orders:allow', 'read:orders:deny'])
  })

  it('polls until aborted', async () => {
    let state = liveState(1, [])
    const clock = new FakeClock()
    const authz = await createAuthorizer({
      store: {
        fetchRevision: () => Promise.resolve({ lineage: 'L', revision: state.revision }),
        readLiveState: () => Promise.resolve(state),
      },
      clock,
    })
    const controller = new AbortController()
    const running = authz.run(1000, controller.signal)
    await clock.waitForSleepers(1)
    state = liveState(2, ['reader'])
    clock.advance(1000)
    await clock.waitForSleepers(1)
    expect(authz.compiled().revision).toBe(2)
    controller.abort()
    await running
  })
})

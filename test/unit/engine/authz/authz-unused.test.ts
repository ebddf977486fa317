import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createDecisionLog,
  readDecisionLog,
  type DecisionCount,
} from '../../../../engine/authz/decision-log.js'
import { compileAuthz, decide } from '../../../../engine/authz/engine.js'
import { patchGrantRemovals } from '../../../../engine/authz/patch-yaml.js'
import { analyzeUnusedGrants } from '../../../../engine/authz/unused.js'
import { DAY_MS } from '../../../../engine/core/clock.js'
import { FakeClock } from '../../../support/fake-clock.js'

const WEB = 'spiffe://example.org/web'
const JOB = 'spiffe://example.org/job'
const NEW = 'spiffe://example.org/new'
const START = Date.UTC(2026, 0, 1)
const SINCE = START + 5 * DAY_MS
const sec = (ms: number) => ms / 1000

const entries = [
  { spiffeId: WEB, roles: ['orders-client'], createdAt: sec(START) },
  { spiffeId: JOB, roles: ['orders-client', 'backup-writer'], createdAt: sec(START) },
  // created inside the window: never reported
  { spiffeId: NEW, roles: ['backup-writer'], createdAt: sec(SINCE + DAY_MS) },
]
const roles = [
  { name: 'orders-client', scopes: ['read:orders', 'write:orders', 'delete:orders'] },
  { name: 'backup-writer', scopes: ['write:backups'] },
]

describe('unused-grant analysis over a recorded decision log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-authz-unused-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  // a recorded log: decisions counted through the real decision log, flushed, read back
  const path = join(dir, 'decisions.jsonl')
  const clock = new FakeClock(START)
  const log = createDecisionLog({ path, clock })
  const compiled = compileAuthz({ entries, roles })
  const check = (id: string, scope: string) => log.record(id, scope, decide(compiled, id, scope))
  // before the window: JOB used write:backups (does not count)
  check(JOB, 'write:backups')
  clock.set(SINCE + 2 * DAY_MS)
  check(WEB, 'read:orders')
  check(WEB, 'read:orders')
  check(JOB, 'read:orders')
  check(WEB, 'write:orders')
  check(WEB, 'delete:orders')
  clock.set(SINCE + 3 * DAY_MS)
  check(JOB, 'write:orders')
  check(JOB, 'write:anything') // deny: never counts as use
  log.flush()
  const records = readDecisionLog(path).filter((r): r is DecisionCount => r.type === 'decision')

  it('counts decisions per day, SPIFFE ID, scope and outcome', () => {
    expect(records.find((r) => r.spiffeId === WEB && r.scope === 'read:orders')).toMatchObject({
      count: 2,
      decision: 'allow',
      roles: ['orders-client'],
      day: new Date(SINCE + 2 * DAY_MS).toISOString().slice(0, 10),
    })
    expect(records.find((r) => r.scope === 'write:anything')).toMatchObject({ decision: 'deny', roles: [] })
  })

  const analysis = analyzeUnusedGrants({ entries, roles, decisions: records, sinceMs: SINCE })

  it('lists grants never exercised in the window by principals that existed throughout it', () => {
    expect(analysis.unused).toEqual([
      { spiffeId: JOB, scope: 'delete:orders', role: 'orders-client' },
      { spiffeId: JOB, scope: 'write:backups', role: 'backup-writer' },
    ])
    expect(analysis.tooNew).toEqual([NEW])
    expect(analysis.partialWindow).toBe(false)
  })

  it('removes a whole role from an entry, but a scope another holder uses needs a narrower role', () => {
    // NEW holds backup-writer too, so the scope stays on the Role; JOB loses the role
    expect(analysis.removals).toEqual([{ kind: 'entry-role', spiffeId: JOB, role: 'backup-writer' }])
    expect(analysis.needsNarrowerRole).toEqual([
      { spiffeId: JOB, scope: 'delete:orders', role: 'orders-client' },
    ])
  })

  it('removes a scope from a Role when no holder used it', () => {
    const a = analyzeUnusedGrants({
      entries: entries.slice(0, 2),
      roles,
      decisions: records.filter((r) => r.scope !== 'delete:orders'),
      sinceMs: SINCE,
    })
    // JOB is now the only holder of backup-writer: the scope goes from the Role (the entry edit is moot)
    expect(a.removals).toEqual([
      { kind: 'role-scope', role: 'backup-writer', scope: 'write:backups' },
      { kind: 'role-scope', role: 'orders-client', scope: 'delete:orders' },
    ])
    expect(a.needsNarrowerRole).toEqual([])
  })

  it('flags a decision log that starts inside the window', () => {
    expect(analyzeUnusedGrants({ entries, roles, decisions: [], sinceMs: SINCE }).partialWindow).toBe(true)
  })

  it('patches Role and Entry YAML keeping comments and style', () => {
    const access = [
      '# roles',
      'apiVersion: sigil/v1',
      'kind: Role',
      'metadata: { name: orders-client }',
      'spec:',
      "  scopes: ['read:orders', 'write:orders', 'delete:orders'] # all of them",
      '---',
      'kind: Role',
      'metadata: { name: backup-writer }',
      'spec:',
      '  scopes:',
      '    - write:backups',
      '',
    ].join('\n')
    const entryYaml = [
      'kind: Entry',
      'metadata: { name: job }',
      'spec:',
      `  spiffeID: ${JOB}`,
      '  roles:',
      '    - orders-client # keep',
      '    - backup-writer',
      '',
    ].join('\n')
    const out = patchGrantRemovals(
      [
        { path: 'access.yaml', text: access },
        { path: 'entries.yaml', text: entryYaml },
        { path: 'README.md', text: 'x' },
      ],
      [
        { kind: 'role-scope', role: 'orders-client', scope: 'delete:orders' },
        { kind: 'role-scope', role: 'backup-writer', scope: 'write:backups' },
        { kind: 'entry-role', spiffeId: JOB, role: 'backup-writer' },
      ],
    )
    expect(out.map((f) => f.changes)).toEqual([
      [
        'access.yaml: Role orders-client: removed scope delete:orders',
        'access.yaml: Role backup-writer: removed scope write:backups',
      ],
      ['entries.yaml: Entry job: removed role backup-writer'],
    ])
    expect(out[0]?.text).toBe(
      access
        .replace("'write:orders', 'delete:orders']", "'write:orders']")
        .replace('  scopes:\n    - write:backups\n', '  scopes:\n    []\n'),
    )
    expect(out[1]?.text).toBe(entryYaml.replace('    - backup-writer\n', ''))
  })
})

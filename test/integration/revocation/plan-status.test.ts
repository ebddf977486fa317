/**
 * Revocations beside the repository workflow: `sigil plan` warns ERR_PLAN_REVOKED_IDENTITY,
 * `sigil apply` of the same repository leaves the block in force (no heal), `sigil status` lists it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Revocation } from '../../../engine/store/node-store.js'
import { PROJECT_ROOT, runSigil } from '../../support/cli.js'

const WEB = 'spiffe://example.org/quickstart/web'
const REPO = join(PROJECT_ROOT, 'examples', 'quickstart')
let dir: string
const dataDir = () => join(dir, 'data')

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-revoke-plan-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('revocations in plan, apply and status', () => {
  it('warns in the plan, survives apply of the same repository, and shows in status', async () => {
    const applied = await runSigil(['apply', REPO, '--auto-approve', '--data-dir', dataDir()])
    expect(applied.code, applied.stderr).toBe(0)
    const revoked = await runSigil(['revoke', WEB, '--reason', 'key leaked', '--data-dir', dataDir()])
    expect(revoked.code, revoked.stderr).toBe(0)

    const plan = await runSigil(['plan', REPO, '--data-dir', dataDir(), '--format', 'json'])
    expect(plan.code, plan.stderr).toBe(0)
    const doc = JSON.parse(plan.stdout) as {
      changes: unknown[]
      diagnostics: { code: string; severity: string; object?: string; span?: { file: string } }[]
    }
    expect(doc.changes).toEqual([])
    expect(doc.diagnostics.filter((d) => d.code === 'ERR_PLAN_REVOKED_IDENTITY')).toMatchObject([
      { severity: 'warning', object: 'Entry/web', span: { file: 'entries.yaml' } },
    ])
    const text = await runSigil(['plan', REPO, '--data-dir', dataDir()])
    expect(text.stdout).toContain('ERR_PLAN_REVOKED_IDENTITY')

    const again = await runSigil(['apply', REPO, '--auto-approve', '--data-dir', dataDir()])
    expect(again.code, again.stderr).toBe(0)
    const list = await runSigil(['revoke', '--list', '--format', 'json', '--data-dir', dataDir()])
    expect(
      (JSON.parse(list.stdout) as { revocations: Revocation[] }).revocations.map((r) => r.spiffeId),
    ).toEqual([WEB])

    const status = await runSigil(['status', '--data-dir', dataDir(), '--format', 'json'])
    expect(status.code, status.stderr).toBe(0)
    const view = JSON.parse(status.stdout) as { revocations?: Revocation[] }
    expect(view.revocations?.map((r) => [r.spiffeId, r.reason])).toEqual([[WEB, 'key leaked']])
    const statusText = await runSigil(['status', '--data-dir', dataDir()])
    expect(statusText.stdout).toContain(WEB)
  })
})

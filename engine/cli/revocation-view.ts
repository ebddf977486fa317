/**
 * Active emergency revocations as the CLI shows them beside plans and `sigil status`: read from a
 * running server's admin socket or the SQLite store file, and turned into plan warnings
 * (`ERR_PLAN_REVOKED_IDENTITY`) for desired entries whose SPIFFE ID is blocked.
 */
import { existsSync } from 'node:fs'
import type { Diagnostic } from '../core/diagnostics.js'
import type { EntryObject } from '../model/types.js'
import { systemClock } from '../platform/system-clock.js'
import { openAdminClientStore } from '../store/admin-client-store.js'
import type { Revocation } from '../store/node-store.js'
import type { RegistrationStore } from '../store/registration-store.js'
import { openSqliteNodeStore } from '../store/sqlite-nodes.js'

/** Plan warning code: a desired entry's SPIFFE ID is under an active emergency revocation. */
export const ERR_PLAN_REVOKED_IDENTITY = 'ERR_PLAN_REVOKED_IDENTITY'

const iso = (ms: number | null) => (ms === null ? 'lifted' : new Date(ms).toISOString())

/** Active revocations in the SQLite store file at `path`; undefined when it has none to read. */
export async function readRevocationsFromFile(path: string): Promise<readonly Revocation[] | undefined> {
  if (!existsSync(path)) return undefined
  try {
    const nodes = openSqliteNodeStore(path)
    try {
      return await nodes.listRevocations({ activeAtMs: systemClock.now() })
    } finally {
      await nodes.close()
    }
  } catch {
    // an older schema (no revocations table) or a locked file: nothing to show
    return undefined
  }
}

/** Active revocations through a running server's admin socket; undefined when none answers. */
export async function readRevocationsFromSocket(
  socketPath: string,
): Promise<readonly Revocation[] | undefined> {
  try {
    return await openAdminClientStore(`unix://${socketPath}`).listRevocations({ activeOnly: true })
  } catch {
    return undefined
  }
}

/** Active revocations of the store a plan is made against (admin socket or SQLite file); [] otherwise. */
export async function readRevocationsOfStore(store: RegistrationStore): Promise<readonly Revocation[]> {
  const location = store.location
  if (location.startsWith('unix://')) {
    return (await readRevocationsFromSocket(location.slice('unix://'.length))) ?? []
  }
  return (await readRevocationsFromFile(location)) ?? []
}

/** One `ERR_PLAN_REVOKED_IDENTITY` warning per desired entry whose SPIFFE ID is actively revoked. */
export function revokedEntryDiagnostics(
  entries: readonly EntryObject[],
  revocations: readonly Revocation[],
): Diagnostic[] {
  const bySpiffeId = new Map(revocations.map((r) => [r.spiffeId, r]))
  const out: Diagnostic[] = []
  for (const entry of entries) {
    const r = bySpiffeId.get(entry.spec.spiffeId)
    if (!r) continue
    out.push({
      code: ERR_PLAN_REVOKED_IDENTITY,
      severity: 'warning',
      message: `spiffe id ${r.spiffeId} is revoked (${r.reason}) by ${r.actor} until ${iso(r.expiresAtMs)}; applying does not lift it (sigil revoke --lift)`,
      path: '/spec/spiffeID',
      span: entry.source.span,
      object: `Entry/${entry.metadata.name}`,
    })
  }
  return out
}

/** Active revocations as text lines for `sigil status`. */
export function revocationStatusText(revocations: readonly Revocation[]): string {
  if (revocations.length === 0) return 'revocations: none active\n'
  return (
    `revocations: ${revocations.length} active\n` +
    revocations
      .map((r) => `  ${r.spiffeId}  reason: ${r.reason}  by: ${r.actor}  until: ${iso(r.expiresAtMs)}\n`)
      .join('')
  )
}

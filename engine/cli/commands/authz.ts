/**
 * `sigil authz check SPIFFE_ID SCOPE`: a least-privilege decision. Effective scopes are the union of
 * the scopes of the roles on the SPIFFE ID's entries; anything else is denied.
 */
import type { Command } from 'commander'
import { parseSpiffeId } from '../../core/spiffe-id.js'
import { computeGrants, grantingRoles } from '../../policy/access.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'
import { addStoreOptions, type StoreFlags, withStore } from '../store-options.js'

interface AuthzFlags extends StoreFlags {
  readonly format: 'text' | 'json'
}

/** The decision and why, as printed with `--format json`. */
export interface AuthzDecision {
  readonly decision: 'allow' | 'deny'
  readonly spiffeId: string
  readonly scope: string
  /** Roles that grant the scope (allow), or the roles the SPIFFE ID holds (deny). */
  readonly roles: readonly string[]
  readonly reason: 'granted' | 'unknown-spiffe-id' | 'scope-not-granted'
}

async function decide(flags: AuthzFlags, spiffeId: string, scope: string): Promise<AuthzDecision> {
  const live = await withStore(flags, { create: false }, (store) => store.readLiveState())
  const grants = computeGrants({ entries: live.entries, roles: live.roles })
  const via = grantingRoles(grants, spiffeId, scope)
  if (via.length > 0) return { decision: 'allow', spiffeId, scope, roles: via, reason: 'granted' }
  const held = [
    ...new Set(live.entries.filter((e) => e.spiffeId === spiffeId).flatMap((e) => e.roles)),
  ].sort()
  const known = live.entries.some((e) => e.spiffeId === spiffeId)
  return {
    decision: 'deny',
    spiffeId,
    scope,
    roles: held,
    reason: known ? 'scope-not-granted' : 'unknown-spiffe-id',
  }
}

function describe(d: AuthzDecision): string {
  if (d.decision === 'allow') return `allow: ${d.spiffeId} has ${d.scope} via role ${d.roles.join(', ')}`
  if (d.reason === 'unknown-spiffe-id') return `deny: no entry has SPIFFE ID ${d.spiffeId}`
  const held = d.roles.length > 0 ? `its roles (${d.roles.join(', ')}) do not grant it` : 'it holds no roles'
  return `deny: ${d.spiffeId} lacks ${d.scope}: ${held}`
}

export function register(program: Command): void {
  const authz = program.command('authz').description('least-privilege authorization decisions')
  addStoreOptions(
    authz
      .command('check')
      .description(
        'decide whether SPIFFE_ID holds SCOPE through its roles (exit 0 allow, 1 deny, 2 could not run)',
      )
      .argument('<spiffe-id>', 'the caller, e.g. spiffe://example.org/production/ml-agent')
      .argument('<scope>', 'the scope, e.g. read:training-data')
      .option('--format <format>', 'text or json', 'text'),
  ).action(
    action(async (spiffeId: string, scope: string, flags: AuthzFlags) => {
      if (!parseSpiffeId(spiffeId).ok) throw new CliExit(EXIT.other, `${spiffeId} is not a valid SPIFFE ID`)
      const d = await decide(flags, spiffeId, scope)
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(d)}\n` : `${describe(d)}\n`)
      return d.decision === 'allow' ? EXIT.ok : EXIT.failure
    }),
  )
}

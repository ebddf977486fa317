/**
 * `sigil authz check SPIFFE_ID SCOPE`: a least-privilege decision. Effective scopes are the union of
 * the scopes of the roles on the SPIFFE ID's entries; anything else is denied.
 */
import type { Command } from 'commander'
import { parseSpiffeId } from '../../core/spiffe-id.js'
import { compileAuthz, decide } from '../../authz/engine.js'
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

async function decideFromStore(flags: AuthzFlags, spiffeId: string, scope: string): Promise<AuthzDecision> {
  const live = await withStore(flags, { create: false }, (store) => store.readLiveState())
  const d = decide(compileAuthz({ entries: live.entries, roles: live.roles }, live.revision), spiffeId, scope)
  return { decision: d.allow ? 'allow' : 'deny', spiffeId, scope, roles: d.roles, reason: d.reason }
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
      const d = await decideFromStore(flags, spiffeId, scope)
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(d)}\n` : `${describe(d)}\n`)
      return d.decision === 'allow' ? EXIT.ok : EXIT.failure
    }),
  )
}

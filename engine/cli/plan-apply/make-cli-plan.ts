/** The plan half of `sigil plan` and `sigil apply [DIR]`: source → lint → live state → makePlan. */
import { hasErrors } from '../../core/diagnostics.js'
import { makePlan } from '../../plan/make-plan.js'
import { liveStateFromDesired } from '../../plan/live-from-desired.js'
import type { LiveState, Plan } from '../../plan/types.js'
import { systemClock } from '../../platform/system-clock.js'
import { readBuiltinPolicies } from '../../source/builtin-policies.js'
import type { RegistrationStore } from '../../store/registration-store.js'
import { checkRepository, type RepositoryCheck } from '../../validate/check-repository.js'
import type { PolicyObject, SourceSnapshot } from '../../model/types.js'
import { CliExit, EXIT } from '../exit.js'
import { stylerFor } from '../output.js'
import { SIGIL_VERSION } from '../version.js'
import { makeReport } from '../lint-output/report.js'
import { renderText } from '../lint-output/text.js'
import { loadBaseSnapshot, loadSnapshot, type SourceFlags } from './source.js'
import { readRevocationsOfStore, revokedEntryDiagnostics } from '../revocation-view.js'

export interface PlanFlags extends SourceFlags {
  readonly baseRef?: string
}

async function check(snapshot: SourceSnapshot): Promise<RepositoryCheck & { policies: PolicyObject[] }> {
  const builtinPolicies = await readBuiltinPolicies()
  const checked = checkRepository(snapshot, { builtinPolicies, todayMs: systemClock.now() })
  return { ...checked, policies: [...builtinPolicies, ...checked.desired.policies] }
}

/** The state a base revision declares; an empty state when it declares no trust domain yet. */
function liveFromBase(base: RepositoryCheck): LiveState {
  if (base.desired.trustDomain) return liveStateFromDesired(base.desired)
  return {
    lineage: '',
    revision: 0,
    trustDomain: '',
    entries: [],
    roles: [],
    scopes: [],
    federationBundles: [],
    policies: [],
  }
}

/**
 * Plans `dir` (or `--git`) against `store`, or against `--base-ref` with no store. Prints the
 * findings and throws CliExit(1) when lint finds errors: a plan is never made from a broken repository.
 */
export async function planFromFlags(
  dir: string | undefined,
  flags: PlanFlags,
  store: RegistrationStore | undefined,
): Promise<Plan> {
  const snapshot = await loadSnapshot(dir, flags)
  const checked = await check(snapshot)
  if (hasErrors(checked.diagnostics)) {
    const report = makeReport(checked.diagnostics, snapshot.files, checked, checked.policies)
    process.stderr.write(renderText(report, stylerFor(process.stderr)))
    const errors = checked.diagnostics.filter((d) => d.severity === 'error').length
    throw new CliExit(
      EXIT.failure,
      `plan refused: the repository has ${errors} lint error(s); fix them and plan again`,
    )
  }
  let live: LiveState
  // active emergency revocations stay in force whatever the plan does: show them as warnings
  let revoked: ReturnType<typeof revokedEntryDiagnostics> = []
  if (flags.baseRef !== undefined) {
    live = liveFromBase(await check(await loadBaseSnapshot(dir, flags, flags.baseRef)))
  } else if (store) {
    live = await store.readLiveState()
    revoked = revokedEntryDiagnostics(checked.desired.entries, await readRevocationsOfStore(store))
  } else {
    throw new TypeError('planFromFlags needs a store or a base ref')
  }
  return makePlan(checked.desired, live, {
    createdAtMs: systemClock.now(),
    sigilVersion: SIGIL_VERSION,
    source: { repo: snapshot.repo, commit: snapshot.commit ?? '', path: snapshot.path },
    diagnostics: [...checked.diagnostics, ...revoked],
    ...(flags.baseRef === undefined ? {} : { baseKind: 'git' as const, baseRef: flags.baseRef }),
  })
}

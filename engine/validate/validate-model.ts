/**
 * The semantic rules of the identity repository (DESIGN.md §2) over a schema-valid model: IDs,
 * references, selectors, DNS names, TTL ceilings, federation. Pure; every finding is a diagnostic
 * with a stable code (see `VALIDATE_CODES`), the object's `Kind/name`, a JSON pointer and a span.
 */
import { compareDiagnostics, type Diagnostic } from '../core/diagnostics.js'
import { parseTrustDomain } from '../core/spiffe-id.js'
import type { ModelResult } from '../model/model-result.js'
import type { DesiredState } from '../model/types.js'
import { Findings } from './report.js'
import { checkEntries, checkTrustDomainTtls } from './rules/entries.js'
import { checkFederation } from './rules/federation.js'
import { checkIdentities } from './rules/identities.js'
import { checkReferences } from './rules/references.js'

export { VALIDATE_CODES } from './codes.js'

/**
 * Checks the desired state; returns every finding, sorted.
 * @example
 * const model = parseModel(snapshot)
 * const findings = validateModel(model.desired, model.locate)
 */
export function validateModel(desired: DesiredState, locate: ModelResult['locate']): Diagnostic[] {
  const f = new Findings(locate)
  const td = desired.trustDomain
  if (!td) {
    f.diagnostics.push({
      code: 'ERR_MODEL_TRUST_DOMAIN_MISSING',
      severity: 'error',
      message: 'the repository declares no valid TrustDomain; exactly one is required',
      path: '',
    })
  } else {
    const parsed = parseTrustDomain(td.metadata.name)
    if (!parsed.ok) {
      f.add(
        td,
        'ERR_MODEL_INVALID_TRUST_DOMAIN',
        '/metadata/name',
        `trust domain "${td.metadata.name}" is not valid: ${parsed.reason}`,
      )
    }
    checkTrustDomainTtls(desired, f)
  }
  checkIdentities(desired, f)
  checkEntries(desired, f)
  checkReferences(desired, f)
  checkFederation(desired, f)
  return f.diagnostics.sort(compareDiagnostics)
}

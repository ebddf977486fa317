/** Entry and Node contents: selectors, DNS names, TTL ceilings (per object), duplicate entry keys (across). */
import { formatDurationMs } from '../../core/duration.js'
import { checkSelector, parseSelector, selectorRole, type AttestorRole } from '../../core/selector.js'
import type { DesiredState, EntryObject, NodeObject } from '../../model/types.js'
import type { Findings } from '../report.js'
import { dnsNameProblem } from './dns-name.js'

// spiffe_id selectors are what SPIRE puts on entries parented to an agent (join token aliases)
const ANY_ROLE = new Set(['spiffe_id'])

function checkSelectors(object: EntryObject | NodeObject, want: AttestorRole, f: Findings): void {
  const selectors = object.spec.selectors
  if (selectors.length === 0) {
    f.add(
      object,
      'ERR_MODEL_SELECTOR_NONE',
      '/spec/selectors',
      `${object.kind === 'Entry' ? 'an' : 'a'} ${object.kind} needs at least one selector`,
    )
    return
  }
  selectors.forEach((text, i) => {
    const pointer = `/spec/selectors/${i}`
    const problem = checkSelector(text)
    if (problem) {
      f.add(object, problem.code, pointer, problem.message, problem.hint)
      return
    }
    const type = (parseSelector(text) as { type: string }).type
    if (selectorRole(type) !== want && !ANY_ROLE.has(type)) {
      const what =
        want === 'node'
          ? 'a Node needs node selectors (k8s_psat, spiffe_id)'
          : 'an Entry needs workload selectors (unix, k8s, docker)'
      f.add(
        object,
        'ERR_MODEL_SELECTOR_WRONG_ROLE',
        pointer,
        `selector "${text}" comes from a ${selectorRole(type)} attestor; ${what}`,
      )
    }
  })
}

function checkTtls(entry: EntryObject, desired: Pick<DesiredState, 'trustDomain'>, f: Findings): void {
  const td = desired.trustDomain
  if (!td) return
  const fmt = (s: number) => formatDurationMs(s * 1000)
  const x509 = entry.spec.x509SvidTtlSeconds
  if (x509 !== undefined && x509 > td.spec.maxX509SvidTtlSeconds) {
    f.add(
      entry,
      'ERR_MODEL_TTL_ABOVE_CEILING',
      '/spec/x509SVIDTTL',
      `x509SVIDTTL ${fmt(x509)} is above the trust domain ceiling maxX509SVIDTTL ${fmt(td.spec.maxX509SvidTtlSeconds)}`,
    )
  }
  const jwt = entry.spec.jwtSvidTtlSeconds
  if (jwt !== undefined && jwt > td.spec.maxJwtSvidTtlSeconds) {
    f.add(
      entry,
      'ERR_MODEL_TTL_ABOVE_CEILING',
      '/spec/jwtSVIDTTL',
      `jwtSVIDTTL ${fmt(jwt)} is above the trust domain ceiling maxJWTSVIDTTL ${fmt(td.spec.maxJwtSvidTtlSeconds)}`,
    )
  }
}

/** The trust domain's own defaults must respect its ceilings. */
export function checkTrustDomainTtls(desired: DesiredState, f: Findings): void {
  const td = desired.trustDomain
  if (!td) return
  const fmt = (s: number) => formatDurationMs(s * 1000)
  const s = td.spec
  if (s.x509SvidTtlSeconds > s.maxX509SvidTtlSeconds) {
    f.add(
      td,
      'ERR_MODEL_TTL_ABOVE_CEILING',
      '/spec/x509SVIDTTL',
      `x509SVIDTTL ${fmt(s.x509SvidTtlSeconds)} is above maxX509SVIDTTL ${fmt(s.maxX509SvidTtlSeconds)}`,
    )
  }
  if (s.jwtSvidTtlSeconds > s.maxJwtSvidTtlSeconds) {
    f.add(
      td,
      'ERR_MODEL_TTL_ABOVE_CEILING',
      '/spec/jwtSVIDTTL',
      `jwtSVIDTTL ${fmt(s.jwtSvidTtlSeconds)} is above maxJWTSVIDTTL ${fmt(s.maxJwtSvidTtlSeconds)}`,
    )
  }
}

/**
 * The entry key of engine/core/entry-key.ts (spiffeID, parentID, sorted selectors) as a cheap string:
 * the schema already forbids repeated selectors, so sorting a copy is enough.
 */
export function naturalKey(entry: EntryObject): string {
  const selectors = entry.spec.selectors
  let sorted = true
  for (let i = 1; i < selectors.length && sorted; i++)
    sorted = (selectors[i - 1] as string) < (selectors[i] as string)
  const list = sorted ? selectors : [...selectors].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return `${entry.spec.spiffeId}\u0000${entry.spec.parentId}\u0000${list.join('\u0000')}`
}

/** The content rules of one Node: its selectors. */
export function checkNodeContents(node: NodeObject, f: Findings): void {
  checkSelectors(node, 'node', f)
}

/** The content rules of one Entry: selectors, DNS names, TTLs within the trust domain's ceilings. */
export function checkEntryContents(
  entry: EntryObject,
  desired: Pick<DesiredState, 'trustDomain'>,
  f: Findings,
): void {
  checkSelectors(entry, 'workload', f)
  entry.spec.dnsNames.forEach((name, i) => {
    const problem = dnsNameProblem(name)
    if (problem)
      f.add(entry, 'ERR_MODEL_INVALID_DNS_NAME', `/spec/dnsNames/${i}`, `dns name "${name}" ${problem}`)
  })
  checkTtls(entry, desired, f)
}

/** Entries sharing a natural key with an earlier one (`keys[i]` is the key of `entries[i]`). */
export function checkDuplicateEntries(
  entries: readonly EntryObject[],
  keys: readonly string[],
  f: Findings,
): void {
  const firsts = new Map<string, EntryObject>()
  entries.forEach((entry, i) => {
    const key = keys[i] as string
    const first = firsts.get(key)
    if (first) {
      f.add(
        entry,
        'ERR_MODEL_DUPLICATE_ENTRY',
        '/spec/spiffeID',
        `Entry/${first.metadata.name} (${first.source.file}:${first.source.span.line}) has the same spiffeID, parentID and selectors; they would be one registration entry`,
      )
    } else firsts.set(key, entry)
  })
}

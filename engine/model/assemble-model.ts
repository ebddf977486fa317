/**
 * The model of a repository from its parsed files (PURE): duplicate names, exactly one TrustDomain,
 * each kind sorted by name. Given the previous assembly of the same repository, the objects of files
 * it already sorted keep their order and only the objects of changed files are sorted and merged in.
 */
import type { Diagnostic } from '../core/diagnostics.js'
import type { ModelResult } from './model-result.js'
import type { ParsedFile } from './parse-model.js'
import { KINDS, type AnyObject, type DesiredState, type Kind, type TrustDomainObject } from './types.js'

/** A model assembled before: what it was made of, for `assembleModel` to keep its order. */
export interface Assembly extends ModelResult {
  /** The files, by path. */
  readonly files: ReadonlyMap<string, ParsedFile>
  /** Whether duplicate names were left out (then which object of a name was kept may change). */
  readonly hadDuplicates: boolean
}

const byName = (a: AnyObject, b: AnyObject) =>
  a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0

/** Assembles the model of `files` (in snapshot order); `previous` only saves work, never changes the result. */
export function assembleModel(files: readonly ParsedFile[], previous?: Assembly): Assembly {
  const diagnostics: Diagnostic[] = []
  for (const f of files) diagnostics.push(...f.syntax)
  for (const f of files) diagnostics.push(...f.schema)
  const byPath = new Map(files.map((f) => [f.path, f]))
  const locate: ModelResult['locate'] = (source, pointer) =>
    byPath.get(source.file)?.locator.locate(source, pointer) ?? source.span
  const { byKind, hadDuplicates } = groupByKind(files, locate, diagnostics)
  // with no duplicates now or before, each name stands for one object, so a merge equals a sort
  const reusable = previous && !previous.hadDuplicates && !hadDuplicates ? previous : undefined
  const keptFiles = new Set(files.filter((f) => reusable?.files.get(f.path) === f).map((f) => f.path))
  const of = <K extends Kind>(kind: K, before: readonly AnyObject[] | undefined) => {
    const list = byKind.get(kind) as Extract<AnyObject, { kind: K }>[]
    if (!reusable || !before) return list.sort(byName)
    const fresh = list.filter((o) => !keptFiles.has(o.source.file)).sort(byName)
    return merge(
      before.filter((o) => keptFiles.has(o.source.file)),
      fresh,
    ) as Extract<AnyObject, { kind: K }>[]
  }
  const was = reusable?.desired
  const trustDomain = oneTrustDomain(byKind.get('TrustDomain') as AnyObject[], locate, diagnostics)
  const desired: DesiredState = {
    ...(trustDomain ? { trustDomain } : {}),
    scopes: of('Scope', was?.scopes),
    roles: of('Role', was?.roles),
    entries: of('Entry', was?.entries),
    nodes: of('Node', was?.nodes),
    federationBundles: of('FederationBundle', was?.federationBundles),
    policies: of('Policy', was?.policies),
  }
  return { desired, diagnostics, locate, files: byPath, hadDuplicates }
}

/** Objects by kind in declaration order; a later object with a kind and name already seen is a duplicate. */
function groupByKind(
  files: readonly ParsedFile[],
  locate: ModelResult['locate'],
  out: Diagnostic[],
): { byKind: Map<Kind, AnyObject[]>; hadDuplicates: boolean } {
  const byKind = new Map<Kind, AnyObject[]>(KINDS.map((k) => [k, []]))
  const seen = new Map<Kind, Map<string, AnyObject>>(KINDS.map((k) => [k, new Map()]))
  let hadDuplicates = false
  for (const f of files) {
    for (const o of f.objects) {
      const names = seen.get(o.kind) as Map<string, AnyObject>
      const first = names.get(o.metadata.name)
      if (first) {
        hadDuplicates = true
        const key = `${o.kind}/${o.metadata.name}`
        out.push({
          code: 'ERR_MODEL_DUPLICATE_NAME',
          severity: 'error',
          message: `${key} is already declared at ${first.source.file}:${first.source.span.line}`,
          path: '/metadata/name',
          span: locate(o.source, '/metadata/name'),
          object: key,
        })
        continue
      }
      names.set(o.metadata.name, o)
      const list = byKind.get(o.kind) as AnyObject[]
      list.push(o)
    }
  }
  return { byKind, hadDuplicates }
}

/** Two lists sorted by name with no name in both, as one sorted list. */
function merge(a: readonly AnyObject[], b: readonly AnyObject[]): AnyObject[] {
  const out: AnyObject[] = []
  let j = 0
  for (const o of a) {
    while (j < b.length && byName(b[j] as AnyObject, o) < 0) out.push(b[j++] as AnyObject)
    out.push(o)
  }
  while (j < b.length) out.push(b[j++] as AnyObject)
  return out
}

/** The first TrustDomain; every one is an error when there are several. */
function oneTrustDomain(
  trustDomains: readonly AnyObject[],
  locate: ModelResult['locate'],
  out: Diagnostic[],
): TrustDomainObject | undefined {
  if (trustDomains.length > 1) {
    const all = trustDomains
      .map((td) => `${td.metadata.name} (${td.source.file}:${td.source.span.line})`)
      .join(', ')
    for (const td of trustDomains) {
      out.push({
        code: 'ERR_MODEL_TRUST_DOMAIN_DUPLICATE',
        severity: 'error',
        message: `a repository declares exactly one TrustDomain, this one declares ${trustDomains.length}: ${all}`,
        path: '/kind',
        span: locate(td.source, '/kind'),
        object: `TrustDomain/${td.metadata.name}`,
      })
    }
  }
  return trustDomains[0] as TrustDomainObject | undefined
}

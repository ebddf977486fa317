/**
 * Source snapshot → model: every YAML document of every file is loaded, checked against its kind's
 * JSON Schema and normalised. Documents that fail are left out of `desired` (with their diagnostics)
 * so the rest of the repository is still checked. Pure.
 */
import type { Diagnostic } from '../core/diagnostics.js'
import { didYouMean } from '../validate/suggest.js'
import { checkSchema } from '../validate/validate-schema.js'
import { loadYamlFile, type LoadedDocument } from './load-yaml.js'
import { SourceLocator, type LocatableFile } from './locate.js'
import type { ModelResult } from './model-result.js'
import { normalizeObject } from './normalize.js'
import {
  KINDS,
  type AnyObject,
  type DesiredState,
  type Kind,
  type ObjectSource,
  type SourceSnapshot,
  type TrustDomainObject,
} from './types.js'

type Raw = Record<string, unknown>

const isMapping = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `Kind/name` of a document when both are strings, for `Diagnostic.object`. */
export function objectLabel(raw: unknown): string | undefined {
  if (!isMapping(raw)) return undefined
  const name = isMapping(raw['metadata']) ? raw['metadata']['name'] : undefined
  return typeof raw['kind'] === 'string' && typeof name === 'string' ? `${raw['kind']}/${name}` : undefined
}

/**
 * Parses and schema-checks a repository snapshot.
 * @example
 * const model = parseModel({ repo: '/repo', path: '', files: [{ path: 'td.yaml', text }] })
 */
export function parseModel(snapshot: SourceSnapshot): ModelResult {
  const files = new Map<string, LocatableFile>()
  const diagnostics: Diagnostic[] = []
  const loaded: { file: string; documents: readonly LoadedDocument[] }[] = []
  for (const file of snapshot.files) {
    const result = loadYamlFile(file)
    files.set(file.path, result)
    diagnostics.push(...result.diagnostics)
    loaded.push({ file: file.path, documents: result.documents })
  }
  const locator = new SourceLocator(files)
  const objects: AnyObject[] = []
  for (const { file, documents } of loaded) {
    for (const doc of documents) {
      const source: ObjectSource = {
        file,
        documentIndex: doc.index,
        span: locator.documentSpan(file, doc.index),
      }
      const object = checkDocument(doc.value, source, locator, diagnostics)
      if (object) objects.push(object)
    }
  }
  const desired = assemble(objects, locator, diagnostics)
  return { desired, diagnostics, locate: (source, pointer) => locator.locate(source, pointer) }
}

function checkDocument(
  value: unknown,
  source: ObjectSource,
  locator: SourceLocator,
  out: Diagnostic[],
): AnyObject | undefined {
  const report = (
    d: Omit<Diagnostic, 'severity' | 'span' | 'object'>,
    at: string,
    target: 'key' | 'value',
  ) => {
    const object = objectLabel(value)
    out.push({
      ...d,
      severity: 'error',
      span: locator.locate(source, at, target),
      ...(object ? { object } : {}),
    })
  }
  if (!isMapping(value)) {
    report(
      {
        code: 'ERR_SCHEMA_TYPE',
        message: 'a document must be a mapping with apiVersion, kind, metadata and spec',
        path: '',
      },
      '',
      'value',
    )
    return undefined
  }
  const kind = value['kind']
  if (kind === undefined) {
    report(
      { code: 'ERR_SCHEMA_REQUIRED', message: 'missing required field "kind"', path: '/kind' },
      '',
      'value',
    )
    return undefined
  }
  if (typeof kind !== 'string') {
    report({ code: 'ERR_SCHEMA_TYPE', message: '"kind" must be a string', path: '/kind' }, '/kind', 'value')
    return undefined
  }
  if (!(KINDS as readonly string[]).includes(kind)) {
    const hint = didYouMean(kind, KINDS)
    report(
      {
        code: 'ERR_MODEL_UNKNOWN_KIND',
        message: `unknown kind "${kind}" (known kinds: ${KINDS.join(', ')})`,
        path: '/kind',
        ...(hint ? { hint } : {}),
      },
      '/kind',
      'value',
    )
    return undefined
  }
  const problems = checkSchema(kind as Kind, value)
  for (const p of problems) {
    report(
      { code: p.code, message: p.message, path: p.path, ...(p.hint ? { hint: p.hint } : {}) },
      p.at,
      p.target,
    )
  }
  return problems.length === 0 ? normalizeObject(kind as Kind, value, source) : undefined
}

const byName = (a: AnyObject, b: AnyObject) =>
  a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0

function assemble(objects: readonly AnyObject[], locator: SourceLocator, out: Diagnostic[]): DesiredState {
  const seen = new Map<string, AnyObject>()
  const kept: AnyObject[] = []
  for (const o of objects) {
    const key = `${o.kind}/${o.metadata.name}`
    const first = seen.get(key)
    if (first) {
      out.push({
        code: 'ERR_MODEL_DUPLICATE_NAME',
        severity: 'error',
        message: `${key} is already declared at ${first.source.file}:${first.source.span.line}`,
        path: '/metadata/name',
        span: locator.locate(o.source, '/metadata/name'),
        object: key,
      })
      continue
    }
    seen.set(key, o)
    kept.push(o)
  }
  const of = <K extends Kind>(kind: K) =>
    kept.filter((o): o is Extract<AnyObject, { kind: K }> => o.kind === kind).sort(byName)
  const trustDomains = kept.filter((o) => o.kind === 'TrustDomain')
  const first = trustDomains[0] as TrustDomainObject | undefined
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
        span: locator.locate(td.source, '/kind'),
        object: `TrustDomain/${td.metadata.name}`,
      })
    }
  }
  return {
    ...(first ? { trustDomain: first } : {}),
    scopes: of('Scope'),
    roles: of('Role'),
    entries: of('Entry'),
    nodes: of('Node'),
    federationBundles: of('FederationBundle'),
    policies: of('Policy'),
  }
}

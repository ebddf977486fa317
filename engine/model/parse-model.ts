/**
 * Source snapshot → model: every YAML document of every file is loaded, checked against its kind's
 * JSON Schema and normalised. Documents that fail are left out of `desired` (with their diagnostics)
 * so the rest of the repository is still checked. Pure.
 */
import type { Diagnostic } from '../core/diagnostics.js'
import { didYouMean } from '../validate/suggest.js'
import { checkSchema } from '../validate/validate-schema.js'
import { loadYamlFile } from './load-yaml.js'
import { SourceLocator } from './locate.js'
import type { ModelResult } from './model-result.js'
import { normalizeObject } from './normalize.js'
import {
  KINDS,
  type AnyObject,
  type DesiredState,
  type Kind,
  type ObjectSource,
  type SourceFile,
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
 * One file loaded and its documents schema-checked: what the rest of the model needs from it,
 * depending only on the file's path and text (so it can be kept while the text stays the same).
 */
export interface ParsedFile {
  readonly path: string
  readonly text: string
  /** Spans inside this file (caches the documents it re-parses for them). */
  readonly locator: SourceLocator
  /** Documents that passed the schema, normalised, in document order. */
  readonly objects: readonly AnyObject[]
  /** YAML syntax problems. */
  readonly syntax: readonly Diagnostic[]
  /** Schema problems of the documents, in document order. */
  readonly schema: readonly Diagnostic[]
}

/** Loads one file and schema-checks each of its documents. */
export function parseFile(file: SourceFile): ParsedFile {
  const loaded = loadYamlFile(file)
  const locator = new SourceLocator(new Map([[file.path, loaded]]))
  const objects: AnyObject[] = []
  const schema: Diagnostic[] = []
  for (const doc of loaded.documents) {
    const source: ObjectSource = {
      file: file.path,
      documentIndex: doc.index,
      span: locator.documentSpan(file.path, doc.index),
    }
    const object = checkDocument(doc.value, source, locator, schema)
    if (object) objects.push(object)
  }
  return { path: file.path, text: file.text, locator, objects, syntax: loaded.diagnostics, schema }
}

/**
 * Parses and schema-checks a repository snapshot.
 * @example
 * const model = parseModel({ repo: '/repo', path: '', files: [{ path: 'td.yaml', text }] })
 */
export function parseModel(snapshot: SourceSnapshot): ModelResult {
  return assembleModel(snapshot.files.map(parseFile))
}

/** The model of a repository from its parsed files (in snapshot order): duplicates, one TrustDomain, sorting. */
export function assembleModel(files: readonly ParsedFile[]): ModelResult {
  const diagnostics: Diagnostic[] = []
  for (const f of files) diagnostics.push(...f.syntax)
  for (const f of files) diagnostics.push(...f.schema)
  const locators = new Map(files.map((f) => [f.path, f.locator]))
  const locate: ModelResult['locate'] = (source, pointer) =>
    locators.get(source.file)?.locate(source, pointer) ?? source.span
  // a loop, not flatMap: with 100,000 objects flatMap alone takes a tenth of a second
  const objects: AnyObject[] = []
  for (const f of files) for (const o of f.objects) objects.push(o)
  const desired = assemble(objects, locate, diagnostics)
  return { desired, diagnostics, locate }
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

function assemble(
  objects: readonly AnyObject[],
  locate: ModelResult['locate'],
  out: Diagnostic[],
): DesiredState {
  // one pass: objects by kind in declaration order, and by name within a kind to find duplicates
  const byKind = new Map<Kind, AnyObject[]>(KINDS.map((k) => [k, []]))
  const seen = new Map<Kind, Map<string, AnyObject>>(KINDS.map((k) => [k, new Map()]))
  for (const o of objects) {
    const names = seen.get(o.kind) as Map<string, AnyObject>
    const first = names.get(o.metadata.name)
    if (first) {
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
  const of = <K extends Kind>(kind: K) => (byKind.get(kind) as Extract<AnyObject, { kind: K }>[]).sort(byName)
  const trustDomains = byKind.get('TrustDomain') as AnyObject[]
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
        span: locate(td.source, '/kind'),
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

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
import { assembleModel } from './assemble-model.js'
import {
  KINDS,
  type AnyObject,
  type Kind,
  type ObjectSource,
  type SourceFile,
  type SourceSnapshot,
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

export { assembleModel }

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

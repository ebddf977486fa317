/**
 * JSON Schema validation of one document with ajv (draft 2020-12, `allErrors`), compiled once. Each
 * ajv error becomes a problem with a stable code, a JSON pointer and what its span should cover.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import { KINDS, type Kind } from '../model/types.js'
import { kindSchema } from './schemas.js'
import { didYouMean } from './suggest.js'

/** One schema violation, before it is given a span. */
export interface SchemaProblem {
  readonly code:
    | 'ERR_SCHEMA_UNKNOWN_FIELD'
    | 'ERR_SCHEMA_TYPE'
    | 'ERR_SCHEMA_REQUIRED'
    | 'ERR_SCHEMA_VALUE'
    | 'ERR_MODEL_API_VERSION'
    | 'ERR_MODEL_YAML_MERGE_KEY'
  readonly message: string
  /** Pointer of the field at fault (for a missing field: where it belongs). */
  readonly path: string
  /** Pointer of the node to show, and whether to show its key or its value. */
  readonly at: string
  readonly target: 'key' | 'value'
  readonly hint?: string
}

let validators: ReadonlyMap<Kind, ValidateFunction> | undefined

function compiled(): ReadonlyMap<Kind, ValidateFunction> {
  if (!validators) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true })
    validators = new Map(KINDS.map((kind) => [kind, ajv.compile(kindSchema(kind))]))
  }
  return validators
}

/** Validates a document of a known kind against its schema; empty when it conforms. */
export function checkSchema(kind: Kind, document: unknown): SchemaProblem[] {
  const validate = compiled().get(kind) as ValidateFunction
  if (validate(document)) return []
  return (validate.errors ?? []).flatMap((e) => toProblem(e) ?? [])
}

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return `a ${typeof value}`
}

function fieldName(pointer: string): string {
  const last = pointer
    .slice(pointer.lastIndexOf('/') + 1)
    .replace(/~1/g, '/')
    .replace(/~0/g, '~')
  return pointer === ''
    ? 'the document'
    : /^\d+$/.test(last)
      ? `item ${last} of ${fieldName(pointer.slice(0, pointer.lastIndexOf('/')))}`
      : `"${last}"`
}

function toProblem(e: ErrorObject): SchemaProblem | undefined {
  const path = e.instancePath
  const p = e.params as Record<string, unknown>
  const described = (e.parentSchema as { description?: string } | undefined)?.description
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(p['additionalProperty'])
      const at = `${path}/${escape(field)}`
      if (field === '<<') {
        return {
          code: 'ERR_MODEL_YAML_MERGE_KEY',
          message: 'yaml merge keys (<<) are not supported; write the fields out',
          path: at,
          at,
          target: 'key',
        }
      }
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {})
      const hint = didYouMean(field, allowed)
      return {
        code: 'ERR_SCHEMA_UNKNOWN_FIELD',
        message: `unknown field "${field}" in ${fieldName(path)} (allowed: ${allowed.join(', ')})`,
        path: at,
        at,
        target: 'key',
        ...(hint ? { hint } : {}),
      }
    }
    case 'required': {
      const field = String(p['missingProperty'])
      return {
        code: 'ERR_SCHEMA_REQUIRED',
        message: `missing required field "${field}" in ${fieldName(path)}`,
        path: `${path}/${escape(field)}`,
        at: path,
        target: 'key',
      }
    }
    case 'type': {
      const want = String(p['type']).split(',').join(' or ')
      return {
        code: 'ERR_SCHEMA_TYPE',
        message: `${fieldName(path)} must be ${want === 'object' ? 'a mapping' : want === 'array' ? 'a list' : `a ${want}`}, not ${describeType(e.data)}`,
        path,
        at: path,
        target: 'value',
      }
    }
    case 'const':
      if (path === '/apiVersion') {
        return {
          code: 'ERR_MODEL_API_VERSION',
          message: `apiVersion must be "${String(p['allowedValue'])}", not ${JSON.stringify(e.data)}`,
          path,
          at: path,
          target: 'value',
        }
      }
      return value(path, `${fieldName(path)} must be ${JSON.stringify(p['allowedValue'])}`)
    case 'enum':
      return value(
        path,
        `${fieldName(path)} must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, not ${JSON.stringify(e.data)}`,
      )
    case 'pattern':
      return value(
        path,
        `${fieldName(path)} must be ${described ?? `a string matching ${String(p['pattern'])}`}, not ${JSON.stringify(e.data)}`,
      )
    case 'uniqueItems': {
      const later = Math.max(Number(p['i']), Number(p['j']))
      const item = JSON.stringify((e.data as unknown[])[later])
      return value(`${path}/${later}`, `${fieldName(path)} lists ${item} more than once`)
    }
    case 'minLength':
      return value(path, `${fieldName(path)} must not be empty`)
    case 'maxLength':
      return value(path, `${fieldName(path)} must be at most ${String(p['limit'])} characters`)
    case 'minimum':
      return value(path, `${fieldName(path)} must be ${described ?? `at least ${String(p['limit'])}`}`)
    default:
      return value(path, `${fieldName(path)} ${e.message ?? 'is invalid'}`)
  }
}

function value(path: string, message: string): SchemaProblem {
  return { code: 'ERR_SCHEMA_VALUE', message, path, at: path, target: 'value' }
}

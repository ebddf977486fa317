/**
 * Parses SPIRE's entry JSON in either shape (spiffe-reference §6.2) into canonical entries: the
 * `entry create -data` file and the `entry show -output json` listing. Keys match case-insensitively,
 * as Go's decoders do. Every problem is reported, each naming the entry index. Pure.
 */
import type { Checked, Diagnostic } from '../core/diagnostics.js'
import { formatSpiffeId, parsePath, parseSpiffeId, trustDomainFromString } from '../core/spiffe-id.js'
import { EMPTY_SPIRE_ENTRY, type SpireEntry, type SpireShape } from './spire-entry.js'

/** What `parseSpireEntries` returns when the file is usable. */
export interface ParsedSpireFile {
  readonly shape: SpireShape
  readonly entries: readonly SpireEntry[]
}

/** Diagnostic codes of the importer. */
export const IMPORT_CODES = {
  ERR_IMPORT_JSON_SYNTAX: 'the file is not valid JSON',
  ERR_IMPORT_SHAPE: 'the file is neither `entry create -data` JSON nor `entry show -output json`',
  ERR_IMPORT_FIELD: 'an entry has an unknown key, a value of the wrong type, or an invalid value',
  ERR_IMPORT_TRUST_DOMAIN: 'the entries are not all in one trust domain',
} as const

type Raw = Record<string, unknown>
type Field = keyof Omit<SpireEntry, 'disableX509SvidPrefetch' | 'jwtSvidIncludeJti'>
/** Fields SPIRE's server sets; parsed and checked, then dropped. */
type Ignored = 'revisionNumber' | 'createdAt'
type Target = Field | Ignored | 'additionalAttributes'

// normalised key (lowercase, no underscores) → field, per shape; protojson also accepts camelCase names
const COMMON: Readonly<Record<string, Target>> = {
  selectors: 'selectors',
  parentid: 'parentId',
  spiffeid: 'spiffeId',
  x509svidttl: 'x509SvidTtl',
  federateswith: 'federatesWith',
  admin: 'admin',
  downstream: 'downstream',
  dnsnames: 'dnsNames',
  revisionnumber: 'revisionNumber',
  storesvid: 'storeSvid',
  jwtsvidttl: 'jwtSvidTtl',
  hint: 'hint',
  createdat: 'createdAt',
  additionalattributes: 'additionalAttributes',
}
const KEYS: Readonly<Record<SpireShape, Readonly<Record<string, Target>>>> = {
  'entry-create-data': { ...COMMON, entryid: 'entryId', entryexpiry: 'expiresAt', ttl: 'x509SvidTtl' },
  'entry-show-json': { ...COMMON, id: 'entryId', expiresat: 'expiresAt' },
}
const SHOW_ONLY = new Set(['id', 'expiresat'])
const CREATE_ONLY = new Set(['entryid', 'entryexpiry', 'ttl'])
const INT32_MAX = 2 ** 31 - 1

const norm = (key: string): string => key.toLowerCase().replaceAll('_', '')
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Which shape an entry's keys and ID form point to, if any. */
function entryMarker(entry: Raw): SpireShape | undefined {
  for (const [key, value] of Object.entries(entry)) {
    const k = norm(key)
    if (SHOW_ONLY.has(k) || ((k === 'spiffeid' || k === 'parentid') && isObject(value)))
      return 'entry-show-json'
    if (CREATE_ONLY.has(k) || ((k === 'spiffeid' || k === 'parentid') && typeof value === 'string')) {
      return 'entry-create-data'
    }
  }
  return undefined
}

const SHAPE_NAME: Record<SpireShape, string> = {
  'entry-create-data': '`entry create -data` JSON',
  'entry-show-json': '`entry show -output json`',
}

/**
 * Parses one file's text. `file` only labels messages. Fails on invalid JSON, a wrong envelope, mixed
 * shapes, unknown keys and invalid values — never silently drops data.
 */
export function parseSpireEntries(text: string, file: string): Checked<ParsedSpireFile> {
  const problems: Diagnostic[] = []
  const fail = (code: keyof typeof IMPORT_CODES, path: string, message: string) =>
    problems.push({ code, severity: 'error', message: `${file}: ${message}`, path })
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    fail('ERR_IMPORT_JSON_SYNTAX', '', `not valid JSON: ${(err as Error).message}`)
    return { ok: false, diagnostics: problems }
  }
  if (!isObject(doc)) {
    fail('ERR_IMPORT_SHAPE', '', 'expected an object {"entries": [...]} as written by SPIRE')
    return { ok: false, diagnostics: problems }
  }
  let list: unknown
  let hasPageToken = false
  for (const [key, value] of Object.entries(doc)) {
    const k = norm(key)
    if (k === 'entries') list = value
    else if (k === 'nextpagetoken') hasPageToken = true
    else
      fail('ERR_IMPORT_SHAPE', `/${key}`, `unexpected top-level key "${key}" (SPIRE writes only "entries")`)
  }
  if (!Array.isArray(list)) {
    fail('ERR_IMPORT_SHAPE', '/entries', 'expected "entries" to be a list of registration entries')
    return { ok: false, diagnostics: problems }
  }
  const markers = list.map((e) => (isObject(e) ? entryMarker(e) : undefined))
  const firstMarked = markers.findIndex((m) => m !== undefined)
  const shape: SpireShape = hasPageToken
    ? 'entry-show-json'
    : firstMarked >= 0
      ? (markers[firstMarked] as SpireShape)
      : 'entry-create-data'
  const entries: SpireEntry[] = []
  list.forEach((raw, index) => {
    const at = `/entries/${index}`
    if (!isObject(raw)) {
      fail('ERR_IMPORT_SHAPE', at, `entry ${index}: expected an object`)
      return
    }
    if (markers[index] !== undefined && markers[index] !== shape) {
      const why = hasPageToken ? 'the file' : `entry ${firstMarked}`
      fail(
        'ERR_IMPORT_SHAPE',
        at,
        `entry ${index}: looks like ${SHAPE_NAME[markers[index] as SpireShape]} but ${why} is ${SHAPE_NAME[shape]}`,
      )
      return
    }
    const entry = parseEntry(raw, shape, (path, message) =>
      fail('ERR_IMPORT_FIELD', `${at}${path}`, `entry ${index}: ${message}`),
    )
    if (entry) entries.push(entry)
  })
  return problems.length > 0
    ? { ok: false, diagnostics: problems }
    : { ok: true, value: { shape, entries }, diagnostics: [] }
}

type Report = (path: string, message: string) => void

function parseEntry(raw: Raw, shape: SpireShape, report: Report): SpireEntry | undefined {
  const out: Record<string, unknown> = { ...EMPTY_SPIRE_ENTRY }
  const seen = new Map<Target, string>()
  const failed = new Set<Target>()
  let ok = true
  const bad: Report = (path, message) => {
    ok = false
    report(path, message)
  }
  for (const [key, value] of Object.entries(raw)) {
    const target = KEYS[shape][norm(key)]
    const at = `/${key}`
    if (target === undefined) {
      bad(at, `unknown key "${key}" for ${SHAPE_NAME[shape]}`)
      continue
    }
    const twice = seen.get(target)
    if (twice !== undefined) {
      bad(at, `"${key}" repeats "${twice}"`)
      continue
    }
    seen.set(target, key)
    if (value === null) continue // both Go decoders read null as "unset"
    const read = readField(target, value, shape, key)
    if (!read.ok) {
      failed.add(target)
      bad(at, read.message)
    } else if (target === 'additionalAttributes') Object.assign(out, read.value)
    else if (target !== 'revisionNumber' && target !== 'createdAt') out[target] = read.value
  }
  for (const required of ['spiffeId', 'parentId'] as const) {
    if (!seen.has(required) || raw[seen.get(required) as string] === null) {
      bad('', `"${required === 'spiffeId' ? 'spiffe_id' : 'parent_id'}" is required`)
    }
  }
  // a selector list that failed to parse was reported already
  if (!failed.has('selectors') && (out['selectors'] as unknown[]).length === 0)
    bad('', 'an entry needs at least one selector')
  return ok ? (out as unknown as SpireEntry) : undefined
}

type Read = { ok: true; value: unknown } | { ok: false; message: string }
const wrong = (key: string, expected: string): Read => ({
  ok: false,
  message: `"${key}" must be ${expected}`,
})

function readField(target: Target, value: unknown, shape: SpireShape, key: string): Read {
  switch (target) {
    case 'spiffeId':
    case 'parentId':
      return readSpiffeId(value, shape, key)
    case 'entryId':
    case 'hint':
      return typeof value === 'string' ? { ok: true, value } : wrong(key, 'a string')
    case 'admin':
    case 'downstream':
    case 'storeSvid':
      return typeof value === 'boolean' ? { ok: true, value } : wrong(key, 'true or false')
    case 'x509SvidTtl':
    case 'jwtSvidTtl':
      return readInteger(value, shape, key, INT32_MAX)
    case 'expiresAt':
    case 'revisionNumber':
    case 'createdAt':
      return readInteger(value, shape, key, Number.MAX_SAFE_INTEGER)
    case 'dnsNames':
      return readStrings(value, key)
    case 'federatesWith':
      return readFederatesWith(value, key)
    case 'selectors':
      return readSelectors(value, key)
    case 'additionalAttributes':
      return readAttributes(value, key)
  }
}

function readSpiffeId(value: unknown, shape: SpireShape, key: string): Read {
  let text: string
  if (shape === 'entry-show-json') {
    if (!isObject(value)) return wrong(key, 'an object {"trust_domain", "path"}')
    const fields = Object.fromEntries(Object.entries(value).map(([k, v]) => [norm(k), v]))
    const extra = Object.keys(fields).filter((k) => k !== 'trustdomain' && k !== 'path')
    const { trustdomain: td, path = '' } = fields
    if (extra.length > 0 || typeof td !== 'string' || typeof path !== 'string') {
      return wrong(key, 'an object with string "trust_domain" and "path"')
    }
    if (!parsePath(path).ok) return { ok: false, message: `"${key}" path "${path}" is not a SPIFFE ID path` }
    text = formatSpiffeId({ trustDomain: td, path })
  } else {
    if (typeof value !== 'string') return wrong(key, 'a SPIFFE ID string')
    text = value
  }
  const parsed = parseSpiffeId(text)
  if (!parsed.ok)
    return { ok: false, message: `"${key}" ${JSON.stringify(text)} is not a SPIFFE ID: ${parsed.reason}` }
  return { ok: true, value: text }
}

function readInteger(value: unknown, shape: SpireShape, key: string, max: number): Read {
  // protojson writes int64 as strings and accepts either form; Go's encoding/json wants numbers
  const n =
    typeof value === 'string' && shape === 'entry-show-json' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
    return wrong(key, `a whole number from 0 to ${max}`)
  }
  return { ok: true, value: n }
}

function readStrings(value: unknown, key: string): Read {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    return wrong(key, 'a list of non-empty strings')
  }
  return { ok: true, value: [...(value as string[])] }
}

function readFederatesWith(value: unknown, key: string): Read {
  const list = readStrings(value, key)
  if (!list.ok) return list
  const names: string[] = []
  for (const item of list.value as string[]) {
    const td = trustDomainFromString(item)
    if (!td.ok) return { ok: false, message: `"${key}" item "${item}" is not a trust domain: ${td.reason}` }
    names.push(td.value)
  }
  return { ok: true, value: names }
}

function readSelectors(value: unknown, key: string): Read {
  if (!Array.isArray(value)) return wrong(key, 'a list of {"type", "value"} objects')
  const selectors: { type: string; value: string }[] = []
  for (const [i, item] of value.entries()) {
    const fields = isObject(item)
      ? Object.fromEntries(Object.entries(item).map(([k, v]) => [norm(k), v]))
      : {}
    const { type, value: v } = fields
    if (!isObject(item) || Object.keys(fields).some((k) => k !== 'type' && k !== 'value')) {
      return wrong(`${key}[${i}]`, 'an object {"type", "value"}')
    }
    if (typeof type !== 'string' || type === '' || type.includes(':')) {
      return wrong(`${key}[${i}].type`, 'a non-empty string without ":"')
    }
    if (typeof v !== 'string' || v === '') return wrong(`${key}[${i}].value`, 'a non-empty string')
    selectors.push({ type, value: v })
  }
  return { ok: true, value: selectors }
}

function readAttributes(value: unknown, key: string): Read {
  if (!isObject(value)) return wrong(key, 'an object')
  const out: Record<string, boolean> = {}
  for (const [k, v] of Object.entries(value)) {
    const field = {
      disablex509svidprefetch: 'disableX509SvidPrefetch',
      jwtsvidincludejti: 'jwtSvidIncludeJti',
    }[norm(k)]
    if (field === undefined) return { ok: false, message: `"${key}" has unknown key "${k}"` }
    if (v === null) continue
    if (typeof v !== 'boolean') return wrong(`${key}.${k}`, 'true or false')
    out[field] = v
  }
  return { ok: true, value: out }
}

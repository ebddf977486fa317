/**
 * Minimal DER encoding and reading (PURE): just what the leaf fast path, CSRs and the self-checks
 * need. Encoding concatenates ready-made byte chunks; reading walks tag-length-value headers.
 */
import { EngineError } from '../core/errors.js'

/** Universal and context tags used by X.509. */
export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const

/** The DER length octets for `n`. */
export function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  if (n < 0x100) return Buffer.from([0x81, n])
  if (n < 0x10000) return Buffer.from([0x82, n >> 8, n & 0xff])
  if (n < 0x1000000) return Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff])
  throw new TypeError('der value too long')
}

/** A tag-length-value with the given content chunks, written into one allocation (this is the leaf hot path). */
export function tlv(tag: number, ...content: readonly Uint8Array[]): Buffer {
  let length = 0
  for (const c of content) length += c.length
  const header = length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : length < 0x1000000 ? 5 : 0
  if (header === 0) throw new TypeError('der value too long')
  const out = Buffer.allocUnsafe(header + length)
  out[0] = tag
  if (header === 2) out[1] = length
  else {
    out[1] = 0x80 | (header - 2)
    for (let i = header - 1, v = length; i >= 2; i--, v >>>= 8) out[i] = v & 0xff
  }
  let at = header
  for (const c of content) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** SEQUENCE of the given encoded elements. */
export function derSequence(...elements: readonly Uint8Array[]): Buffer {
  return tlv(TAG.sequence, ...elements)
}

/** A non-negative INTEGER from big-endian magnitude bytes, minimally encoded. */
export function derUnsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++
  const bytes = magnitude.subarray(start)
  const pad = bytes.length === 0 || ((bytes[0] as number) & 0x80) !== 0
  return tlv(TAG.integer, pad ? Buffer.concat([Buffer.from([0]), bytes]) : bytes)
}

const oidCache = new Map<string, Buffer>()

/** An OBJECT IDENTIFIER from dotted form (cached: callers use a handful of constant OIDs). */
export function derOid(dotted: string): Buffer {
  const cached = oidCache.get(dotted)
  if (cached) return cached
  const encoded = encodeOid(dotted)
  oidCache.set(dotted, encoded)
  return encoded
}

function encodeOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number)
  const out: number[] = []
  for (const arc of [(arcs[0] as number) * 40 + (arcs[1] as number), ...arcs.slice(2)]) {
    const chunk: number[] = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80)
    out.push(...chunk)
  }
  return tlv(TAG.oid, Buffer.from(out))
}

/** The dotted form of an OBJECT IDENTIFIER's content octets. */
export function oidToString(content: Uint8Array): string {
  // fast path for the certificate extension arc 2.5.29.x, read on every self-check
  if (content.length === 3 && content[0] === 0x55 && content[1] === 0x1d)
    return `2.5.29.${content[2] as number}`
  const arcs: number[] = []
  let value = 0
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f)
    if ((byte & 0x80) === 0) {
      arcs.push(value)
      value = 0
    }
  }
  const first = arcs.shift() ?? 0
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80]
  return [...head, ...arcs].join('.')
}

/** A BIT STRING with `unusedBits` padding bits in the last byte. */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return tlv(TAG.bitString, Buffer.from([unusedBits]), bytes)
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`)

/** RFC 5280 §4.1.2.5 time: UTCTime through 2049, GeneralizedTime from 2050; seconds precision. */
export function derTime(ms: number): Buffer {
  const d = new Date(ms)
  const year = d.getUTCFullYear()
  const rest =
    pad2(d.getUTCMonth() + 1) +
    pad2(d.getUTCDate()) +
    pad2(d.getUTCHours()) +
    pad2(d.getUTCMinutes()) +
    pad2(d.getUTCSeconds()) +
    'Z'
  if (year >= 1950 && year < 2050) return tlv(TAG.utcTime, Buffer.from(pad2(year % 100) + rest, 'latin1'))
  return tlv(TAG.generalizedTime, Buffer.from(String(year).padStart(4, '0') + rest, 'latin1'))
}

const digit = (content: Uint8Array, i: number): number => {
  const d = (content[i] as number) - 0x30
  if (d < 0 || d > 9) throw derError('bad time')
  return d
}
const two = (content: Uint8Array, i: number) => digit(content, i) * 10 + digit(content, i + 1)

/** Milliseconds for a UTCTime or GeneralizedTime node's content (`Z` form only, as DER requires). */
export function parseDerTime(tag: number, content: Uint8Array): number {
  const utc = tag === TAG.utcTime
  if (content.length !== (utc ? 13 : 15) || content[content.length - 1] !== 0x5a) throw derError('bad time')
  let year = utc ? two(content, 0) : two(content, 0) * 100 + two(content, 2)
  if (utc) year += year < 50 ? 2000 : 1900
  const o = utc ? 2 : 4
  return Date.UTC(
    year,
    two(content, o) - 1,
    two(content, o + 2),
    two(content, o + 4),
    two(content, o + 6),
    two(content, o + 8),
  )
}

/** One decoded header: where the value starts and ends inside the buffer. */
export interface DerNode {
  readonly tag: number
  /** Offset of the tag byte. */
  readonly start: number
  /** Offset of the first content byte. */
  readonly contentStart: number
  /** Offset just past the content. */
  readonly end: number
}

function derError(what: string): EngineError {
  return new EngineError('ERR_CA_INVALID_REQUEST', `malformed der: ${what}`, { data: { reason: 'der' } })
}

/** Reads the TLV at `offset`, bounded by `limit`; throws on truncation or non-minimal lengths. */
export function readNode(buf: Uint8Array, offset: number, limit = buf.length): DerNode {
  if (offset + 2 > limit) throw derError('truncated header')
  const tag = buf[offset] as number
  if ((tag & 0x1f) === 0x1f) throw derError('high tag numbers are not supported')
  let length = buf[offset + 1] as number
  let contentStart = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 3 || contentStart + count > limit) throw derError('bad length')
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + (buf[contentStart + i] as number)
    if (length < 0x80 || (count > 1 && buf[contentStart] === 0)) throw derError('non-minimal length')
    contentStart += count
  }
  const end = contentStart + length
  if (end > limit) throw derError('truncated value')
  return { tag, start: offset, contentStart, end }
}

/** The children of a constructed node, which must exactly fill it. */
export function readChildren(buf: Uint8Array, node: DerNode): DerNode[] {
  const out: DerNode[] = []
  for (let at = node.contentStart; at < node.end;) {
    const child = readNode(buf, at, node.end)
    out.push(child)
    at = child.end
  }
  return out
}

/** The content bytes of a node. */
export function contentOf(buf: Uint8Array, node: DerNode): Buffer {
  return Buffer.isBuffer(buf)
    ? buf.subarray(node.contentStart, node.end)
    : Buffer.from(buf.buffer, buf.byteOffset + node.contentStart, node.end - node.contentStart)
}

/** The full encoding (header and content) of a node. */
export function bytesOf(buf: Uint8Array, node: DerNode): Buffer {
  return Buffer.isBuffer(buf)
    ? buf.subarray(node.start, node.end)
    : Buffer.from(buf.buffer, buf.byteOffset + node.start, node.end - node.start)
}

/** Reads exactly one top-level node spanning all of `buf`. */
export function readSingle(buf: Uint8Array, tag: number): DerNode {
  const node = readNode(buf, 0)
  if (node.tag !== tag || node.end !== buf.length) throw derError('unexpected tag or trailing bytes')
  return node
}

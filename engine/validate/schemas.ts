/**
 * JSON Schemas (draft 2020-12) of every repository kind (DESIGN.md §2). This module is the source of
 * truth; `schema/<kind>.schema.json` are the published copies, kept equal by a unit test.
 */
import { API_VERSION, KINDS, type Kind } from '../model/types.js'

type JsonSchema = Readonly<Record<string, unknown>>

const SCHEMA_BASE = 'https://sigil.dev/schema/'

const duration: JsonSchema = {
  type: 'string',
  pattern: '^(?=.*[1-9])(?:[0-9]+[smhd])+$',
  description: 'a duration greater than zero such as 90s, 5m, 1h, 7d or 1h30m',
}
const spiffeId: JsonSchema = {
  type: 'string',
  minLength: 1,
  description: 'a SPIFFE ID, spiffe://<trust-domain>/<path>',
}
const nonEmpty: JsonSchema = { type: 'string', minLength: 1 }
const names: JsonSchema = { type: 'array', items: nonEmpty, uniqueItems: true }
const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } }

const metadata: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 253,
      pattern: '^[^\\s]+$',
      description: 'a non-empty name without whitespace',
    },
    labels: stringMap,
    annotations: stringMap,
  },
}

const SPECS: Readonly<Record<Kind, JsonSchema>> = {
  TrustDomain: {
    type: 'object',
    additionalProperties: false,
    properties: {
      x509SVIDTTL: duration,
      jwtSVIDTTL: duration,
      maxX509SVIDTTL: duration,
      maxJWTSVIDTTL: duration,
      ownership: {
        type: 'object',
        additionalProperties: false,
        properties: { entryIDPrefix: nonEmpty },
      },
      safety: {
        type: 'object',
        additionalProperties: false,
        properties: {
          maxDeletions: {
            type: ['string', 'integer'],
            pattern: '^(?:100|[1-9]?[0-9])%$',
            minimum: 0,
            description: 'a count of entries or a percentage such as "10%"',
          },
        },
      },
    },
  },
  Scope: {
    type: 'object',
    additionalProperties: false,
    required: ['description'],
    properties: { description: { type: 'string' } },
  },
  Role: {
    type: 'object',
    additionalProperties: false,
    required: ['scopes'],
    properties: { description: { type: 'string' }, scopes: names },
  },
  FederationBundle: {
    type: 'object',
    additionalProperties: false,
    required: ['trustDomain'],
    properties: {
      trustDomain: nonEmpty,
      bundleEndpoint: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'profile'],
        properties: {
          url: nonEmpty,
          profile: { enum: ['https_spiffe', 'https_web'] },
          spiffeID: spiffeId,
        },
      },
      bundle: nonEmpty,
    },
  },
  Node: {
    type: 'object',
    additionalProperties: false,
    required: ['spiffeID', 'selectors'],
    properties: {
      spiffeID: spiffeId,
      selectors: names,
      protect: { type: 'boolean' },
    },
  },
  Entry: {
    type: 'object',
    additionalProperties: false,
    required: ['spiffeID', 'parentID', 'selectors'],
    properties: {
      spiffeID: spiffeId,
      parentID: spiffeId,
      selectors: names,
      roles: names,
      x509SVIDTTL: duration,
      jwtSVIDTTL: duration,
      dnsNames: names,
      federatesWith: names,
      hint: { type: 'string', maxLength: 1024 },
      admin: { type: 'boolean' },
      downstream: { type: 'boolean' },
      protect: { type: 'boolean' },
    },
  },
  Policy: {
    type: 'object',
    additionalProperties: false,
    required: ['severity', 'expression', 'message'],
    properties: {
      severity: { enum: ['error', 'warning'] },
      match: {
        type: 'object',
        additionalProperties: false,
        properties: {
          kinds: { type: 'array', items: { enum: [...KINDS] }, uniqueItems: true },
          spiffeIDPrefix: nonEmpty,
          labels: stringMap,
        },
      },
      path: { type: 'string', pattern: '^(?:/.*)?$', description: 'a JSON pointer such as /spec/selectors' },
      expression: nonEmpty,
      message: nonEmpty,
      rationale: { type: 'string' },
    },
  },
}

/** File name stem of a kind's schema, e.g. `FederationBundle` → `federation-bundle`. */
export function schemaFileStem(kind: Kind): string {
  return kind.replace(/(?<=[a-z])(?=[A-Z])/g, '-').toLowerCase()
}

/** The full document schema of one kind (envelope plus spec). */
export function kindSchema(kind: Kind): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${SCHEMA_BASE}${schemaFileStem(kind)}.schema.json`,
    title: `Sigil ${kind}`,
    type: 'object',
    additionalProperties: false,
    required: ['apiVersion', 'kind', 'metadata', ...(kind === 'TrustDomain' ? [] : ['spec'])],
    properties: {
      apiVersion: { const: API_VERSION },
      kind: { const: kind },
      metadata,
      spec: SPECS[kind],
    },
  }
}

/** FederationBundle rules: trust domain, endpoint URL and profile, pinned bundle format. */
import { parseEndpointUrl } from '../../core/endpoint-url.js'
import { parseSpiffeId, parseTrustDomain } from '../../core/spiffe-id.js'
import type { DesiredState, FederationBundleObject } from '../../model/types.js'
import type { Findings } from '../report.js'

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE-----/g

/** Why a pinned bundle is unusable, or `undefined` when it is SPIFFE bundle JSON or PEM certificates. */
export function bundleProblem(text: string): string | undefined {
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch {
      return 'is not valid JSON'
    }
    const keys = (parsed as { keys?: unknown }).keys
    return Array.isArray(keys) ? undefined : 'is JSON without a "keys" array (a SPIFFE bundle is a JWK Set)'
  }
  if (trimmed.startsWith('-----BEGIN')) {
    const blocks = [...trimmed.matchAll(PEM_BLOCK)]
    const leftover = trimmed.replace(PEM_BLOCK, '').trim()
    if (blocks.length === 0 || leftover !== '') return 'is PEM but not a sequence of CERTIFICATE blocks'
    return undefined
  }
  return 'is neither SPIFFE bundle JSON nor PEM certificates'
}

function checkEndpoint(b: FederationBundleObject, f: Findings): void {
  const endpoint = b.spec.bundleEndpoint
  if (!endpoint) return
  if (typeof parseEndpointUrl(endpoint.url) === 'string') {
    f.add(
      b,
      'ERR_MODEL_BUNDLE_ENDPOINT_URL',
      '/spec/bundleEndpoint/url',
      `bundle endpoint url "${endpoint.url}" must be an https URL without userinfo`,
    )
  }
  if (endpoint.profile !== 'https_spiffe') return
  if (endpoint.spiffeId === undefined) {
    f.add(
      b,
      'ERR_MODEL_BUNDLE_ENDPOINT_SPIFFE_ID',
      '/spec/bundleEndpoint',
      'profile https_spiffe needs bundleEndpoint.spiffeID, the SPIFFE ID the endpoint server presents',
    )
    return
  }
  const id = parseSpiffeId(endpoint.spiffeId)
  if (!id.ok) {
    f.add(
      b,
      'ERR_MODEL_BUNDLE_ENDPOINT_SPIFFE_ID',
      '/spec/bundleEndpoint/spiffeID',
      `bundleEndpoint.spiffeID "${endpoint.spiffeId}" is not a valid SPIFFE ID: ${id.reason}`,
    )
  } else if (id.value.trustDomain !== b.spec.trustDomain && b.spec.bundle === undefined) {
    // a non-self-serving endpoint is authenticated with another bundle; without a pinned one it cannot be
    f.add(
      b,
      'ERR_MODEL_BUNDLE_ENDPOINT_SPIFFE_ID',
      '/spec/bundleEndpoint/spiffeID',
      `bundleEndpoint.spiffeID "${endpoint.spiffeId}" is not in trust domain "${b.spec.trustDomain}"`,
    )
  }
}

/** Runs the federation rules. */
export function checkFederation(desired: DesiredState, f: Findings): void {
  const own = desired.trustDomain?.metadata.name
  const seen = new Map<string, FederationBundleObject>()
  for (const b of desired.federationBundles) {
    const td = b.spec.trustDomain
    const parsed = parseTrustDomain(td)
    if (!parsed.ok) {
      f.add(
        b,
        'ERR_MODEL_INVALID_TRUST_DOMAIN',
        '/spec/trustDomain',
        `trustDomain "${td}" is not a valid trust domain name: ${parsed.reason}`,
      )
    } else if (td === own) {
      f.add(
        b,
        'ERR_MODEL_FEDERATES_WITH_SELF',
        '/spec/trustDomain',
        `a FederationBundle cannot name the repository's own trust domain "${td}"`,
      )
    }
    const first = seen.get(td)
    if (first) {
      f.add(
        b,
        'ERR_MODEL_DUPLICATE_FEDERATION',
        '/spec/trustDomain',
        `FederationBundle/${first.metadata.name} already federates with "${td}"`,
      )
    } else seen.set(td, b)
    checkEndpoint(b, f)
    if (b.spec.bundle !== undefined) {
      const problem = bundleProblem(b.spec.bundle)
      if (problem) f.add(b, 'ERR_MODEL_BUNDLE_INVALID', '/spec/bundle', `bundle ${problem}`)
    }
    if (!b.spec.bundleEndpoint && b.spec.bundle === undefined) {
      f.add(
        b,
        'ERR_MODEL_BUNDLE_SOURCE_MISSING',
        '/spec',
        'a FederationBundle needs a bundleEndpoint to poll, a pinned bundle, or both',
      )
    }
  }
}

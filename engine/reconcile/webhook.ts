/**
 * `POST /hooks/git`: GitHub (`X-Hub-Signature-256`, HMAC-SHA256 of the body) and GitLab
 * (`X-Gitlab-Token`) push notifications, checked in constant time against the configured secret.
 * A push to the configured ref triggers a cycle; the payload is never trusted for anything else.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/** What to answer and whether to run a cycle. */
export interface WebhookVerdict {
  /** 202 accepted (trigger or ignore), 400 malformed, 401 bad or missing signature. */
  readonly status: 202 | 400 | 401
  readonly provider: 'github' | 'gitlab' | 'unknown'
  readonly result: 'accepted' | 'ignored' | 'unauthorized' | 'invalid'
  /** Why a valid request did not trigger (ping, another ref, another event). */
  readonly reason?: string
  readonly ref?: string
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** Constant-time equality of two strings of any length (compares their SHA-256 digests). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest()
  const db = createHash('sha256').update(b).digest()
  return timingSafeEqual(da, db) && a.length === b.length
}

/** True when `signature` (`sha256=<hex>`) is the HMAC-SHA256 of `body` under `secret`. */
export function isGithubSignatureValid(body: Buffer, secret: string, signature: string): boolean {
  const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
  return safeEqual(expected, signature.trim().toLowerCase())
}

/** True when a push of `pushedRef` concerns the configured `ref` (no ref configured: every push does). */
export function refMatches(pushedRef: string, ref: string | undefined): boolean {
  if (ref === undefined) return true
  return pushedRef === ref || pushedRef === `refs/heads/${ref}` || pushedRef === `refs/tags/${ref}`
}

function pushedRef(body: Buffer): string | undefined {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { ref?: unknown }
    return typeof doc.ref === 'string' ? doc.ref : undefined
  } catch {
    return undefined
  }
}

/** Checks one webhook request against `secret` and the configured `ref`. */
export function checkWebhook(
  headers: IncomingHttpHeaders,
  body: Buffer,
  config: { readonly secret: string; readonly ref?: string },
): WebhookVerdict {
  const githubSignature = header(headers, 'x-hub-signature-256')
  const gitlabToken = header(headers, 'x-gitlab-token')
  let provider: WebhookVerdict['provider']
  let event: string
  if (githubSignature !== undefined) {
    provider = 'github'
    if (!isGithubSignatureValid(body, config.secret, githubSignature))
      return { status: 401, provider, result: 'unauthorized' }
    event = header(headers, 'x-github-event') ?? ''
    if (event === 'ping') return { status: 202, provider, result: 'ignored', reason: 'ping' }
    if (event !== 'push') return { status: 202, provider, result: 'ignored', reason: 'event' }
  } else if (gitlabToken !== undefined) {
    provider = 'gitlab'
    if (!safeEqual(config.secret, gitlabToken)) return { status: 401, provider, result: 'unauthorized' }
    event = header(headers, 'x-gitlab-event') ?? ''
    if (event !== 'Push Hook' && event !== 'Tag Push Hook')
      return { status: 202, provider, result: 'ignored', reason: 'event' }
  } else {
    return { status: 401, provider: 'unknown', result: 'unauthorized' }
  }
  const ref = pushedRef(body)
  if (ref === undefined) return { status: 400, provider, result: 'invalid', reason: 'no ref in payload' }
  if (!refMatches(ref, config.ref)) return { status: 202, provider, result: 'ignored', reason: 'ref', ref }
  return { status: 202, provider, result: 'accepted', ref }
}

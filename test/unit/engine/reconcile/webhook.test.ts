import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkWebhook, refMatches, safeEqual } from '../../../../engine/reconcile/webhook.js'

const secret = 'a-long-shared-webhook-secret'
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'abc' }))
const sign = (b: Buffer, s = secret) => `sha256=${createHmac('sha256', s).update(b).digest('hex')}`

describe('webhook', () => {
  it('accepts a GitHub push signed with the secret', () => {
    const verdict = checkWebhook({ 'x-hub-signature-256': sign(body), 'x-github-event': 'push' }, body, {
      secret,
      ref: 'main',
    })
    expect(verdict).toEqual({ status: 202, provider: 'github', result: 'accepted', ref: 'refs/heads/main' })
  })

  it('rejects a wrong, a missing or a tampered signature with 401', () => {
    const headers = { 'x-github-event': 'push' }
    expect(
      checkWebhook({ ...headers, 'x-hub-signature-256': sign(body, 'another-secret') }, body, { secret })
        .status,
    ).toBe(401)
    expect(checkWebhook(headers, body, { secret }).status).toBe(401)
    const tampered = Buffer.from(JSON.stringify({ ref: 'refs/heads/evil' }))
    expect(checkWebhook({ ...headers, 'x-hub-signature-256': sign(body) }, tampered, { secret }).status).toBe(
      401,
    )
  })

  it('answers a GitHub ping and other events without triggering', () => {
    expect(
      checkWebhook({ 'x-hub-signature-256': sign(body), 'x-github-event': 'ping' }, body, { secret }),
    ).toMatchObject({
      status: 202,
      result: 'ignored',
      reason: 'ping',
    })
    expect(
      checkWebhook({ 'x-hub-signature-256': sign(body), 'x-github-event': 'issues' }, body, { secret })
        .result,
    ).toBe('ignored')
  })

  it('checks the GitLab token and event', () => {
    const push = { 'x-gitlab-token': secret, 'x-gitlab-event': 'Push Hook' }
    expect(checkWebhook(push, body, { secret })).toMatchObject({
      status: 202,
      provider: 'gitlab',
      result: 'accepted',
    })
    expect(checkWebhook({ ...push, 'x-gitlab-token': 'wrong' }, body, { secret }).status).toBe(401)
    expect(checkWebhook({ ...push, 'x-gitlab-event': 'Note Hook' }, body, { secret }).result).toBe('ignored')
  })

  it('ignores pushes to other refs and refuses payloads without a ref', () => {
    const headers = { 'x-gitlab-token': secret, 'x-gitlab-event': 'Push Hook' }
    expect(checkWebhook(headers, body, { secret, ref: 'release' })).toMatchObject({
      result: 'ignored',
      reason: 'ref',
    })
    expect(checkWebhook(headers, Buffer.from('{}'), { secret }).status).toBe(400)
    expect(checkWebhook(headers, Buffer.from('not json'), { secret }).status).toBe(400)
  })

  it('matches branch, tag and full ref names', () => {
    expect(refMatches('refs/heads/main', undefined)).toBe(true)
    expect(refMatches('refs/heads/main', 'main')).toBe(true)
    expect(refMatches('refs/tags/v1', 'v1')).toBe(true)
    expect(refMatches('refs/heads/main', 'refs/heads/main')).toBe(true)
    expect(refMatches('refs/heads/mainline', 'main')).toBe(false)
  })

  it('compares strings of any length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true)
    expect(safeEqual('abc', 'abcd')).toBe(false)
    expect(safeEqual('', 'x')).toBe(false)
  })
})

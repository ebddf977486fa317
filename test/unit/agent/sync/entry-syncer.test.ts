import type { ServiceError } from '@grpc/grpc-js'
import { describe, expect, it } from 'vitest'
import { SvidCache } from '../../../../agent/svid/svid-cache.js'
import { EntrySyncer } from '../../../../agent/sync/entry-syncer.js'
import type { WireSyncMessage } from '../../../../agent/sync/wire.js'
import { FakeClock } from '../../../support/fake-clock.js'

const silent = { info: () => {}, warn: () => {}, debug: () => {} }

const message = (revision: number, ids: string[]): WireSyncMessage => ({
  revision,
  entries: ids.map((id) => ({
    id,
    spiffe_id: `spiffe://example.org/${id}`,
    parent_id: 'spiffe://example.org/spire/agent/join_token/host',
    selectors: ['unix:uid:1001'],
    x509_svid_ttl_seconds: 0,
    jwt_svid_ttl_seconds: 0,
    dns_names: [],
    federates_with: [],
    hint: '',
    admin: false,
    downstream: false,
    revision_number: revision,
  })),
  bundle: {
    trust_domain: 'example.org',
    x509_authorities: [Buffer.from('root')],
    jwt_authorities: [],
    sequence: 1,
    refresh_hint_seconds: 0,
  },
  federated_bundles: [],
})

/** A fake server stream: the test pushes messages and ends streams. */
class FakeStreams {
  opened = 0
  current: { push: (m: WireSyncMessage) => void; end: (err?: Partial<ServiceError>) => void } | undefined
  syncAuthorizedEntries(
    onMessage: (m: WireSyncMessage) => void,
    onEnd: (err: ServiceError | undefined) => void,
  ) {
    this.opened++
    this.current = { push: onMessage, end: (err) => onEnd(err as ServiceError | undefined) }
    return () => {}
  }
}

describe('EntrySyncer', () => {
  it('applies every full-state message and reconnects with growing backoff, reset by a message', async () => {
    const clock = new FakeClock()
    const cache = new SvidCache({ clock, mintJwtSvid: () => Promise.reject(new Error('unused')) })
    const streams = new FakeStreams()
    const bundles: number[] = []
    const syncer = new EntrySyncer({
      client: () => streams,
      cache,
      clock,
      logger: silent,
      onBundle: (der) => void bundles.push(der.length),
    })
    const stop = new AbortController()
    const running = syncer.run(stop.signal)
    expect(streams.opened).toBe(1)
    streams.current?.push(message(1, ['a', 'b']))
    expect([...cache.state.entries.keys()]).toEqual(['a', 'b'])
    streams.current?.push(message(2, ['a']))
    expect([...cache.state.entries.keys()]).toEqual(['a'])
    expect(bundles).toEqual([1, 1])

    streams.current?.end({ code: 14 })
    await clock.waitForSleepers(1)
    clock.advance(499)
    expect(streams.opened).toBe(1)
    clock.advance(1)
    await expect.poll(() => streams.opened).toBe(2)
    streams.current?.end({ code: 14 })
    await clock.waitForSleepers(1)
    clock.advance(999)
    expect(streams.opened).toBe(2)
    clock.advance(1)
    await expect.poll(() => streams.opened).toBe(3)
    streams.current?.push(message(3, ['a', 'c']))
    streams.current?.end(undefined)
    await clock.waitForSleepers(1)
    clock.advance(500)
    await expect.poll(() => streams.opened).toBe(4)
    expect(syncer.received).toBe(3)
    stop.abort()
    await running
  })
})

/**
 * Fetched foreign bundles (federation), on every store backend: success and failure bookkeeping, a
 * new version only when the content changes, bounded history, removal that keeps history, and
 * visibility to another connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FOREIGN_BUNDLE_HISTORY_LIMIT } from '../../../engine/store/foreign-bundle-store.js'
import type { StoreBackend } from './backends.js'

const TD = 'partner.example'
const URL_A = 'https://partner.example:8443/'
const success = (n: number, atMs: number) => ({
  trustDomain: TD,
  endpointUrl: URL_A,
  bundleJson: `{"keys":[],"spiffe_sequence":${n}}`,
  sequence: n,
  digest: `digest-${n}`,
  atMs,
  nextAttemptAtMs: atMs + 300_000,
})

export function describeForeignBundleStore(backend: StoreBackend): void {
  describe(`foreign bundle store (${backend.name})`, () => {
    beforeAll(() => backend.setup())
    afterAll(() => backend.teardown())

    it('records fetches: a version per content change, failures keep the bundle', async () => {
      const loc = backend.location()
      const store = await loc.open({ create: true })
      const bundles = await loc.openForeignBundles(store)
      try {
        expect(await bundles.listForeignBundles()).toEqual([])
        await bundles.recordFetchFailure({
          trustDomain: TD,
          endpointUrl: URL_A,
          error: 'connect ECONNREFUSED',
          atMs: 500,
          nextAttemptAtMs: 1500,
        })
        expect(await bundles.listForeignBundles()).toEqual([
          {
            trustDomain: TD,
            endpointUrl: URL_A,
            bundleJson: '',
            sequence: 0,
            digest: '',
            changedAtMs: 0,
            lastAttemptAtMs: 500,
            lastSuccessAtMs: 0,
            lastError: 'connect ECONNREFUSED',
            consecutiveFailures: 1,
            nextAttemptAtMs: 1500,
          },
        ])
        expect(await bundles.recordFetchSuccess(success(1, 1000))).toBe(true)
        expect(await bundles.recordFetchSuccess(success(1, 2000))).toBe(false)
        await bundles.recordFetchFailure({
          trustDomain: TD,
          endpointUrl: URL_A,
          error: 'http 503',
          atMs: 3000,
          nextAttemptAtMs: 4000,
        })
        await bundles.recordFetchFailure({
          trustDomain: TD,
          endpointUrl: URL_A,
          error: 'http 503',
          atMs: 4000,
          nextAttemptAtMs: 6000,
        })
        const [state] = await bundles.listForeignBundles()
        expect(state).toMatchObject({
          bundleJson: success(1, 0).bundleJson,
          sequence: 1,
          digest: 'digest-1',
          changedAtMs: 1000,
          lastSuccessAtMs: 2000,
          lastAttemptAtMs: 4000,
          lastError: 'http 503',
          consecutiveFailures: 2,
          nextAttemptAtMs: 6000,
        })
        expect(await bundles.recordFetchSuccess(success(2, 5000))).toBe(true)
        expect((await bundles.listForeignBundles())[0]).toMatchObject({
          sequence: 2,
          changedAtMs: 5000,
          lastError: '',
          consecutiveFailures: 0,
        })
        const history = await bundles.listForeignBundleHistory(TD)
        expect(history.map((v) => [v.sequence, v.fetchedAtMs, v.endpointUrl])).toEqual([
          [2, 5000, URL_A],
          [1, 1000, URL_A],
        ])
        expect(await bundles.listForeignBundleHistory('other.example')).toEqual([])
      } finally {
        await bundles.close()
        await store.close()
      }
    })

    it('keeps a bounded history, and keeps it when the relationship is removed', async () => {
      const loc = backend.location()
      const store = await loc.open({ create: true })
      const bundles = await loc.openForeignBundles(store)
      const other = await loc.openForeignBundles(store)
      try {
        for (let n = 1; n <= FOREIGN_BUNDLE_HISTORY_LIMIT + 5; n++)
          await bundles.recordFetchSuccess(success(n, n * 1000))
        const history = await other.listForeignBundleHistory(TD)
        expect(history).toHaveLength(FOREIGN_BUNDLE_HISTORY_LIMIT)
        expect(history[0]?.sequence).toBe(FOREIGN_BUNDLE_HISTORY_LIMIT + 5)
        expect(history.at(-1)?.sequence).toBe(6)
        expect((await other.listForeignBundles()).map((s) => s.trustDomain)).toEqual([TD])
        expect(await bundles.removeForeignBundle(TD)).toBe(true)
        expect(await bundles.removeForeignBundle(TD)).toBe(false)
        expect(await other.listForeignBundles()).toEqual([])
        expect(await other.listForeignBundleHistory(TD)).toHaveLength(FOREIGN_BUNDLE_HISTORY_LIMIT)
        expect(await other.countForeignBundleVersions()).toEqual(
          new Map([[TD, FOREIGN_BUNDLE_HISTORY_LIMIT]]),
        )
      } finally {
        await other.close()
        await bundles.close()
        await store.close()
      }
    })
  })
}

/**
 * The access-token key outlives the server process: a restarted server on the same data directory
 * publishes the same JWKS, so tokens issued before the restart still verify; the key file is 0600.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ACCESS_TOKEN_KEY_ID } from '../../../engine/authz/access-token-key.js'
import { cryptoRandom } from '../../../engine/platform/crypto-random.js'
import { silentLogger } from '../../../engine/platform/logger.js'
import { resolveServerConfig } from '../../../engine/server/config.js'
import { startServer } from '../../../engine/server/run-server.js'
import { FakeClock } from '../../support/fake-clock.js'

const dir = mkdtempSync(join(tmpdir(), 'sigil-access-key-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function jwksOfFreshStart(): Promise<unknown> {
  const config = resolveServerConfig(
    {
      dataDir: join(dir, 'data'),
      trustDomain: 'example.org',
      listen: '127.0.0.1:0',
      httpListen: '127.0.0.1:0',
    },
    dir,
  )
  const server = await startServer(config, {
    clock: new FakeClock(Date.now()),
    random: cryptoRandom,
    logger: silentLogger(),
  })
  try {
    return await (await fetch(`http://127.0.0.1:${server.httpPort}/oauth2/jwks`)).json()
  } finally {
    await server.close()
  }
}

describe('the access-token key', () => {
  it('is kept in the data directory, so the JWKS survives a restart', async () => {
    const first = (await jwksOfFreshStart()) as { keys: { kid: string }[] }
    expect(first.keys).toHaveLength(1)
    expect(statSync(join(dir, 'data', 'keys', `${ACCESS_TOKEN_KEY_ID}.pem`)).mode & 0o777).toBe(0o600)
    expect(await jwksOfFreshStart()).toEqual(first)
  })
})

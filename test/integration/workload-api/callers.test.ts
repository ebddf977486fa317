// Callers are told apart by the kernel: real child processes under different uids, `sigil workload
// fetch` as the client, the pid-reuse guard and attestation failures.
import { spawn } from 'node:child_process'
import { chownSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { status } from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StaticIdentitySource } from '../../../agent/svid/static-identity-source.js'
import { systemUnixHooks } from '../../../agent/workload-attestors/system-hooks.js'
import { createUnixAttestor } from '../../../agent/workload-attestors/unix.js'
import { WorkloadApiClient } from '../../../agent/workload-api/client.js'
import { readProcessStartTime } from '../../../agent/workload-api/peer-credentials.js'
import { startWorkloadApi, type WorkloadApiServer } from '../../../agent/workload-api/server.js'
import { SIGIL_BIN } from '../../support/cli.js'
import { FakeClock } from '../../support/fake-clock.js'
import { certDer, EXAMPLE_BUNDLE, fixtureSource, identity } from '../../fixtures/workload/fixtures.js'
import { codeOf, worldTempDir } from './support.js'

const clock = new FakeClock()
let source: StaticIdentitySource
let server: WorkloadApiServer
let temp: ReturnType<typeof worldTempDir>

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI as `uid`/`gid` (no inherited SPIFFE_ENDPOINT_SOCKET unless given). */
function sigilAs(uid: number, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SIGIL_BIN, ...args], {
      uid,
      gid: uid,
      cwd: temp.dir,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

beforeAll(async () => {
  temp = worldTempDir('sigil-wl-uid-')
  source = fixtureSource(
    {
      identities: [
        identity('entry-a', 'workload-a', ['unix:uid:1001'], { hint: 'a' }),
        identity('entry-b', 'workload-b', ['unix:uid:1002', 'unix:gid:1002']),
      ],
      localBundle: EXAMPLE_BUNDLE,
      federatedBundles: [],
    },
    () => clock.now(),
  )
  server = await startWorkloadApi({
    socketPath: join(temp.dir, 'public', 'api.sock'),
    source,
    attestors: [createUnixAttestor(systemUnixHooks, { discoverWorkloadPath: false })],
  })
})

afterAll(async () => {
  await server.close()
  temp.remove()
})

describe.runIf(process.getuid?.() === 0)('callers under different uids', () => {
  it('gives each uid its own identity and never the other one', async () => {
    const [a, b, nobody] = await Promise.all([
      sigilAs(1001, ['workload', 'fetch', 'x509', '--json', '--socket', server.socketPath]),
      sigilAs(1002, ['workload', 'fetch', 'x509', '--json'], {
        SPIFFE_ENDPOINT_SOCKET: `unix://${server.socketPath}`,
      }),
      sigilAs(1003, ['workload', 'fetch', 'x509', '--json', '--socket', `unix://${server.socketPath}`]),
    ])
    expect(a.code).toBe(0)
    expect(b.code).toBe(0)
    const ids = (r: Run) =>
      (JSON.parse(r.stdout) as { svids: { spiffeId: string }[] }).svids.map((s) => s.spiffeId)
    expect(ids(a)).toEqual(['spiffe://example.org/workload-a'])
    expect(ids(b)).toEqual(['spiffe://example.org/workload-b'])
    expect(nobody.code).toBe(1)
    expect(nobody.stderr).toContain('PERMISSION_DENIED')
  })

  it('fetches JWT-SVIDs for the caller and writes x509 files with --out', async () => {
    const jwt = await sigilAs(1001, [
      'workload',
      'fetch',
      'jwt',
      '--audience',
      'db',
      '--json',
      '--socket',
      server.socketPath,
    ])
    expect(jwt.code).toBe(0)
    const out = JSON.parse(jwt.stdout) as { svids: { spiffeId: string; token: string }[]; bundles: object }
    expect(out.svids.map((s) => s.spiffeId)).toEqual(['spiffe://example.org/workload-a'])
    const claims = JSON.parse(
      Buffer.from(out.svids[0]!.token.split('.')[1]!, 'base64url').toString(),
    ) as object
    expect(claims).toMatchObject({ sub: 'spiffe://example.org/workload-a', aud: ['db'] })
    expect(Object.keys(out.bundles)).toEqual(['spiffe://example.org'])

    const dir = join(temp.dir, 'out-b')
    mkdirSync(dir)
    chownSync(dir, 1002, 1002)
    const x509 = await sigilAs(1002, [
      'workload',
      'fetch',
      'x509',
      '--out',
      dir,
      '--socket',
      server.socketPath,
    ])
    expect(x509.code).toBe(0)
    expect(x509.stdout).toContain('spiffe://example.org/workload-b')
    const pemBody = (file: string) =>
      readFileSync(join(dir, file), 'utf8').replace(/-----[A-Z ]+-----|\s/g, '')
    expect(Buffer.from(pemBody('svid.pem'), 'base64').equals(certDer('workload-b.pem'))).toBe(true)
    expect(Buffer.from(pemBody('bundle.pem'), 'base64').equals(certDer('example-ca.pem'))).toBe(true)
    expect(statSync(join(dir, 'svid.key.pem')).mode & 0o777).toBe(0o600)
  })
})

describe('the caller process', () => {
  it('answers UNAVAILABLE when the pid no longer names the process that connected', async () => {
    const reuse = worldTempDir('sigil-wl-reuse-')
    let calls = 0
    const api = await startWorkloadApi({
      socketPath: join(reuse.dir, 'api.sock'),
      source,
      attestors: [createUnixAttestor(systemUnixHooks, { discoverWorkloadPath: false })],
      // the first read is at accept; every later read sees a different process with the same pid
      processStartTime: (pid) => (calls++ === 0 ? readProcessStartTime(pid) : 'another-process'),
    })
    const client = new WorkloadApiClient(`unix:${api.socketPath}`)
    try {
      expect(await codeOf(client.fetchX509Svid())).toBe(status.UNAVAILABLE)
      expect(await codeOf(client.fetchJwtSvid(['x']))).toBe(status.UNAVAILABLE)
    } finally {
      client.close()
      await api.close()
      reuse.remove()
    }
  })

  it('answers UNAVAILABLE when an attestor fails', async () => {
    const failing = worldTempDir('sigil-wl-fail-')
    const api = await startWorkloadApi({
      socketPath: join(failing.dir, 'api.sock'),
      source,
      attestors: [
        createUnixAttestor({ ...systemUnixHooks, readFile: () => Promise.reject(new Error('EACCES')) }),
      ],
    })
    const client = new WorkloadApiClient(`unix:${api.socketPath}`)
    try {
      expect(await codeOf(client.fetchX509Svid())).toBe(status.UNAVAILABLE)
    } finally {
      client.close()
      await api.close()
      failing.remove()
    }
  })
})

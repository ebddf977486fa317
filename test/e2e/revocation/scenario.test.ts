import { chmodSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeRepo, tempDir } from '../../support/git.js'
import { poll, sigil, spawnNode, spawnSigil, type Proc } from '../workload-mtls/processes.js'

const TD = 'example.org'
const AGENT = `spiffe://${TD}/spire/agent/join_token/e2e-host`
const WEB = `spiffe://${TD}/e2e/web`
const DB = `spiffe://${TD}/e2e/db`
const WORKLOAD = fileURLToPath(new URL('../workload-mtls/workload.mjs', import.meta.url))
const PERMISSION_DENIED = 7

const entry = (name: string, uid: number) => `apiVersion: sigil/v1
kind: Entry
metadata: { name: ${name} }
spec:
  spiffeID: spiffe://${TD}/e2e/${name}
  parentID: ${AGENT}
  selectors: ['unix:uid:${uid}']
  x509SVIDTTL: 1h
`
const trustDomain = `apiVersion: sigil/v1
kind: TrustDomain
metadata: { name: ${TD} }
spec: { x509SVIDTTL: 1h, jwtSVIDTTL: 5m }
`

const procs: Proc[] = []
const track = (p: Proc) => (procs.push(p), p)
let dir: string
let repo: string
let store: string
let socket: string

const workload = (uid: number, ...args: string[]) =>
  track(spawnNode([WORKLOAD, ...args], { uid, env: { SPIFFE_ENDPOINT_SOCKET: `unix://${socket}` } }))
const fetchAs = (uid: number) => sigil(['workload', 'fetch', 'x509', '--socket', socket, '--json'], { uid })

beforeAll(async () => {
  dir = tempDir('sigil-e2e-revoke-')
  chmodSync(dir, 0o755) // the workloads (uids 1001-1002) must reach the socket below it
  socket = join(dir, 'public', 'api.sock')
  repo = makeRepo({
    'trust-domain.yaml': trustDomain,
    'web.yaml': entry('web', 1001),
    'db.yaml': entry('db', 1002),
  })
  const server = track(
    spawnSigil(['server', '--data-dir', join(dir, 'srv'), '--trust-domain', TD, '--listen', '127.0.0.1:0']),
  )
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(await server.line(/listening on/))?.[1])
  store = `unix://${join(dir, 'srv', 'admin', 'admin.sock')}`
  const applied = await sigil(['apply', repo, '--store', store, '--auto-approve'])
  expect(applied.code, applied.stderr).toBe(0)
  const token = await sigil(['token', 'create', '--ttl', '1h', '--agent-name', 'e2e-host', '--store', store])
  expect(token.code, token.stderr).toBe(0)
  const agent = track(
    spawnSigil([
      'agent',
      ...['--server', `127.0.0.1:${port}`, '--trust-domain', TD, '--join-token', token.stdout.trim()],
      ...[
        '--trust-bundle',
        join(dir, 'srv', 'bundle.pem'),
        '--data-dir',
        join(dir, 'agent'),
        '--socket',
        socket,
      ],
    ]),
  )
  expect(await agent.line(/serving the Workload API/)).toContain(AGENT)
})

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  await Promise.all(procs.map((p) => p.exited))
  if (dir) rmSync(dir, { recursive: true, force: true })
  if (repo) rmSync(repo, { recursive: true, force: true })
})

describe('sigil revoke → server → agent → workload stream', () => {
  it('ends the stream of the revoked workload with PERMISSION_DENIED and keeps the others', async () => {
    const watcher = workload(1002, 'watch')
    await poll(() => (watcher.json().some((m) => m['svids']) ? true : undefined), 30_000, 'the db svid')
    const revoked = await sigil(['revoke', DB, '--reason', 'e2e drill', '--store', store])
    expect(revoked.code, revoked.stderr).toBe(0)
    const end = await poll(() => watcher.json().find((m) => 'end' in m), 30_000, 'the stream to end')
    expect(end).toEqual({ end: PERMISSION_DENIED })
    const web = await fetchAs(1001)
    expect(web.code, web.stderr).toBe(0)
    expect(JSON.parse(web.stdout)).toMatchObject({ svids: [{ spiffeId: WEB }] })
  })

  it('stays blocked after sigil apply of the same repository', async () => {
    const applied = await sigil(['apply', repo, '--store', store, '--auto-approve'])
    expect(applied.code, applied.stderr).toBe(0)
    const db = await fetchAs(1002)
    expect(db.code).toBe(1)
    expect(db.stderr).toContain('PERMISSION_DENIED')
  })

  it('serves the SVID again once the revocation is lifted', async () => {
    const lifted = await sigil(['revoke', '--lift', DB, '--store', store])
    expect(lifted.code, lifted.stderr).toBe(0)
    const db = await poll(
      async () => {
        const res = await fetchAs(1002)
        return res.code === 0 ? res : undefined
      },
      30_000,
      'the db svid to come back',
    )
    expect(JSON.parse(db.stdout)).toMatchObject({ svids: [{ spiffeId: DB }] })
  })
})

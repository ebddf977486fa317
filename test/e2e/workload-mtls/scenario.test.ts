import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgentApiClient } from '../../../agent/attest/server-client.js'
import { certificatePem } from '../../../engine/ca/bundle.js'
import { createCsr } from '../../../engine/ca/csr.js'
import { commitFiles, git, makeRepo, tempDir } from '../../support/git.js'
import { poll, sigil, spawnNode, spawnSigil, startJoinedAgent, type Proc } from './processes.js'

const TD = 'example.org'
const AGENT = `spiffe://${TD}/spire/agent/join_token/e2e-host`
const WEB = `spiffe://${TD}/e2e/web`
const DB = `spiffe://${TD}/e2e/db`
const WORKLOAD = fileURLToPath(new URL('./workload.mjs', import.meta.url))
const PERMISSION_DENIED = 7

const entry = (name: string, uid: number, role: string) => `apiVersion: sigil/v1
kind: Entry
metadata: { name: ${name} }
spec:
  spiffeID: spiffe://${TD}/e2e/${name}
  parentID: ${AGENT}
  selectors: ['unix:uid:${uid}']
  roles: [${role}]
  x509SVIDTTL: 1h
`
const access = `apiVersion: sigil/v1
kind: Scope
metadata: { name: 'read:orders' }
spec: { description: Read orders }
---
apiVersion: sigil/v1
kind: Scope
metadata: { name: 'write:backups' }
spec: { description: Upload backups }
---
apiVersion: sigil/v1
kind: Role
metadata: { name: orders-client }
spec: { description: Reads orders, scopes: ['read:orders'] }
---
apiVersion: sigil/v1
kind: Role
metadata: { name: backup-writer }
spec: { description: Ships backups, scopes: ['write:backups'] }
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
let port: number
let socket: string

const workload = (uid: number, ...args: string[]) =>
  track(spawnNode([WORKLOAD, ...args], { uid, env: { SPIFFE_ENDPOINT_SOCKET: `unix://${socket}` } }))

beforeAll(async () => {
  dir = tempDir('sigil-e2e-')
  chmodSync(dir, 0o755) // the workloads (uids 1001-1003) must reach the socket below it
  socket = join(dir, 'public', 'api.sock')
  repo = makeRepo({
    'trust-domain.yaml': trustDomain,
    'access.yaml': access,
    'web.yaml': entry('web', 1001, 'orders-client'),
    'db.yaml': entry('db', 1002, 'backup-writer'),
  })
  const server = track(
    spawnSigil(['server', '--data-dir', join(dir, 'srv'), '--trust-domain', TD, '--listen', '127.0.0.1:0']),
  )
  port = Number(/127\.0\.0\.1:(\d+)/.exec(await server.line(/listening on/))?.[1])
  store = `unix://${join(dir, 'srv', 'admin', 'admin.sock')}`
})

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  await Promise.all(procs.map((p) => p.exited))
  if (dir) rmSync(dir, { recursive: true, force: true })
  if (repo) rmSync(repo, { recursive: true, force: true })
})

describe('git commit → apply → server → agent → two workloads over mTLS', () => {
  let agent: Proc
  let webEntryId: string

  it('applies the repository and starts an agent with a join token', async () => {
    const applied = await sigil(['apply', repo, '--store', store, '--auto-approve'])
    expect(applied.code, applied.stderr).toBe(0)
    agent = track(
      await startJoinedAgent({
        store,
        serverPort: port,
        trustDomain: TD,
        agentName: 'e2e-host',
        serverDataDir: join(dir, 'srv'),
        agentDataDir: join(dir, 'agent'),
        socket,
      }),
    )
    expect(await agent.line(/serving the Workload API/)).toContain(AGENT)
    const entries = await sigil(['entry', 'list', '--store', store, '--format', 'json'])
    const list = JSON.parse(entries.stdout) as { entries: { id: string; spiffeId: string }[] }
    webEntryId = list.entries.find((e) => e.spiffeId === WEB)?.id as string
    expect(webEntryId).toBeDefined()
  })

  it('gives both workloads their X509-SVIDs and they authenticate each other over mTLS', async () => {
    const db = workload(1002, 'serve', WEB)
    const served = JSON.parse(await db.line(/"port"/)) as { self: string; port: number }
    expect(served.self).toBe(DB)
    const web = workload(1001, 'connect', String(served.port), DB)
    expect(JSON.parse(await web.line(/"server"/))).toEqual({ self: WEB, server: DB })
    expect(JSON.parse(await web.line(/"reply"/))).toEqual({ reply: `hello ${WEB} from ${DB}` })
    expect(JSON.parse(await db.line(/"accepted"/))).toEqual({ accepted: WEB })
    db.child.kill('SIGTERM')
  })

  it('denies a process with no entry', async () => {
    const res = await sigil(['workload', 'fetch', 'x509', '--socket', socket], { uid: 1003 })
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('PERMISSION_DENIED')
  })

  it("refuses a forged request for another agent's entry", async () => {
    const token = await sigil([
      'token',
      'create',
      '--ttl',
      '1h',
      '--agent-name',
      'intruder',
      '--store',
      store,
    ])
    const roots = readFileSync(join(dir, 'srv', 'bundle.pem'), 'utf8')
    const address = `127.0.0.1:${port}`
    const anonymous = new AgentApiClient({ address, trustDomain: TD, rootsPem: roots })
    const keys = createCsr(`spiffe://${TD}/spire/agent/x`)
    const attested = await anonymous.attestAgent({ joinToken: token.stdout.trim(), csrDer: keys.csrDer })
    anonymous.close()
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${keys.privateKeyPkcs8Der.toString('base64')}\n-----END PRIVATE KEY-----\n`
    const intruder = new AgentApiClient({
      address,
      trustDomain: TD,
      rootsPem: roots,
      identity: { keyPem, chainPem: attested.svid.cert_chain.map(certificatePem).join('') },
    })
    try {
      const [result] = await intruder.mintX509Svids([{ entryId: webEntryId, csrDer: createCsr(WEB).csrDer }])
      expect(result).toMatchObject({ entryId: webEntryId, ok: false, code: PERMISSION_DENIED })
      await expect(intruder.mintJwtSvid(webEntryId, ['x'])).rejects.toMatchObject({ code: PERMISSION_DENIED })
    } finally {
      intruder.close()
    }
  })

  it('ends the stream of a workload whose entry a commit removed with PERMISSION_DENIED', async () => {
    const watcher = workload(1002, 'watch')
    await poll(() => (watcher.json().some((m) => m['svids']) ? true : undefined), 20_000, 'the db svid')
    git(repo, 'rm', '-q', 'db.yaml')
    commitFiles(repo, {}, 'remove db')
    const applied = await sigil(['apply', repo, '--store', store, '--auto-approve', '--max-deletions', '1'])
    expect(applied.code, applied.stderr).toBe(0)
    const removedAt = Date.now()
    const end = await poll(() => watcher.json().find((m) => 'end' in m), 10_000, 'the stream to end')
    expect(end).toEqual({ end: PERMISSION_DENIED })
    expect(Date.now() - removedAt).toBeLessThan(10_000)
  })

  it('keeps serving cached SVIDs with the server killed, and removes its socket on SIGTERM', async () => {
    const server = procs[0] as Proc
    server.child.kill('SIGKILL')
    await server.exited
    const res = await sigil(['workload', 'fetch', 'x509', '--socket', socket, '--json'], { uid: 1001 })
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ svids: [{ spiffeId: WEB }] })
    agent.child.kill('SIGTERM')
    expect(await agent.exited).toBe(0)
    expect(existsSync(socket)).toBe(false)
  })
})

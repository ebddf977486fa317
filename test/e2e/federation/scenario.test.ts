/**
 * Federation end to end, real processes only: two trust domains (alpha.example, beta.example), each
 * a `sigil server` with its SPIFFE bundle endpoint (https_spiffe) and an agent. Each repository
 * declares a FederationBundle for the other (endpoint + pinned bootstrap bundle) and a workload that
 * federates with it. The servers fetch each other's bundles, the agents deliver them, the workloads
 * authenticate each other over mutual TLS and validate each other's JWT-SVIDs, and removing the
 * relationship in Git removes the foreign bundle from the workload.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitFiles, makeRepo, tempDir } from '../../support/git.js'
import {
  poll,
  sigil,
  spawnNode,
  spawnSigil,
  startJoinedAgent,
  type Proc,
} from '../workload-mtls/processes.js'

const WORKLOAD = fileURLToPath(new URL('../workload-mtls/workload.mjs', import.meta.url))

interface Domain {
  readonly name: 'alpha' | 'beta'
  readonly td: string
  readonly workload: string
  readonly uid: number
  dir: string
  repo: string
  store: string
  port: number
  endpointPort: number
  socket: string
}

const domain = (name: 'alpha' | 'beta', workload: string, uid: number): Domain => ({
  name,
  td: `${name}.example`,
  workload,
  uid,
  dir: '',
  repo: '',
  store: '',
  port: 0,
  endpointPort: 0,
  socket: '',
})
const alpha = domain('alpha', 'orders', 1001)
const beta = domain('beta', 'inventory', 1002)
const idOf = (d: Domain) => `spiffe://${d.td}/${d.workload}`

const procs: Proc[] = []
const track = (p: Proc) => (procs.push(p), p)
let root: string

const trustDomainYaml = (d: Domain) => `apiVersion: sigil/v1
kind: TrustDomain
metadata: { name: ${d.td} }
spec: { x509SVIDTTL: 1h, jwtSVIDTTL: 5m }
`
const federationYaml = (other: Domain, bundleJson: string) => `apiVersion: sigil/v1
kind: FederationBundle
metadata: { name: ${other.name} }
spec:
  trustDomain: ${other.td}
  bundleEndpoint:
    url: https://127.0.0.1:${other.endpointPort}/
    profile: https_spiffe
    spiffeID: spiffe://${other.td}/spire/server
  bundle: '${bundleJson}'
`
const entryYaml = (d: Domain, federatesWith: string[]) => `apiVersion: sigil/v1
kind: Entry
metadata: { name: ${d.workload} }
spec:
  spiffeID: ${idOf(d)}
  parentID: spiffe://${d.td}/spire/agent/join_token/${d.name}-host
  selectors: ['unix:uid:${d.uid}']
  federatesWith: [${federatesWith.join(', ')}]
`

const workload = (d: Domain, ...args: string[]) =>
  track(spawnNode([WORKLOAD, ...args], { uid: d.uid, env: { SPIFFE_ENDPOINT_SOCKET: `unix://${d.socket}` } }))

async function startServer(d: Domain): Promise<void> {
  d.dir = join(root, d.name)
  d.socket = join(d.dir, 'public', 'api.sock')
  mkdirSync(d.dir, { mode: 0o755 }) // the workloads must reach the socket below it
  const server = track(
    spawnSigil([
      'server',
      ...['--data-dir', join(d.dir, 'srv'), '--trust-domain', d.td],
      ...['--listen', '127.0.0.1:0', '--bundle-endpoint', '127.0.0.1:0'],
    ]),
  )
  d.port = Number(/127\.0\.0\.1:(\d+)/.exec(await server.line(/listening on/))?.[1])
  d.endpointPort = Number(/:(\d+)\//.exec(await server.line(/bundle endpoint on/))?.[1])
  d.store = `unix://${join(d.dir, 'srv', 'admin', 'admin.sock')}`
}

async function bundleJson(d: Domain): Promise<string> {
  const shown = await sigil(['bundle', 'show', '--data-dir', join(d.dir, 'srv'), '--format', 'spiffe'])
  expect(shown.code, shown.stderr).toBe(0)
  return JSON.stringify(JSON.parse(shown.stdout))
}

async function startAgent(d: Domain): Promise<void> {
  track(
    await startJoinedAgent({
      store: d.store,
      serverPort: d.port,
      trustDomain: d.td,
      agentName: `${d.name}-host`,
      serverDataDir: join(d.dir, 'srv'),
      agentDataDir: join(d.dir, 'agent'),
      socket: d.socket,
    }),
  )
}

async function apply(d: Domain): Promise<void> {
  const applied = await sigil(['apply', d.repo, '--store', d.store, '--auto-approve', '--allow-empty'])
  expect(applied.code, applied.stderr + applied.stdout).toBe(0)
}

interface RelationshipJson {
  trustDomain: string
  delivering: string
  sequence: number | null
  lastError: string
}

async function relationships(d: Domain): Promise<RelationshipJson[]> {
  const listed = await sigil(['bundle', 'list', '--store', d.store, '--format', 'json'])
  expect(listed.code, listed.stderr).toBe(0)
  return (JSON.parse(listed.stdout) as { relationships: RelationshipJson[] }).relationships
}

beforeAll(async () => {
  root = tempDir('sigil-e2e-federation-')
  chmodSync(root, 0o755) // the workloads run as uids 1001/1002
  await Promise.all([startServer(alpha), startServer(beta)])
  const [alphaBundle, betaBundle] = await Promise.all([bundleJson(alpha), bundleJson(beta)])
  for (const [d, other, otherBundle] of [
    [alpha, beta, betaBundle],
    [beta, alpha, alphaBundle],
  ] as const) {
    d.repo = makeRepo({
      'trust-domain.yaml': trustDomainYaml(d),
      'federation.yaml': federationYaml(other, otherBundle),
      'workload.yaml': entryYaml(d, [other.td]),
    })
    await apply(d)
    await startAgent(d)
  }
})

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  await Promise.all(procs.map((p) => p.exited))
  for (const path of [root, alpha.repo, beta.repo]) if (path) rmSync(path, { recursive: true, force: true })
})

describe('two trust domains federating both ways', () => {
  it("each server fetches the other's bundle from its bundle endpoint", async () => {
    for (const [d, other] of [
      [alpha, beta],
      [beta, alpha],
    ] as const) {
      const rel = await poll(
        async () => (await relationships(d)).find((r) => r.delivering === 'fetched'),
        20_000,
        `${d.td} to fetch ${other.td}'s bundle`,
      )
      expect(rel).toMatchObject({ trustDomain: other.td, lastError: '' })
      const status = await sigil(['status', '--admin-socket', join(d.dir, 'srv', 'admin', 'admin.sock')])
      expect(status.stdout).toContain('federation: 1 relationship, 0 failing')
    }
  })

  it("workloads authenticate each other's SPIFFE IDs over mutual TLS, in both directions", async () => {
    for (const [server, client] of [
      [beta, alpha],
      [alpha, beta],
    ] as const) {
      const serving = workload(server, 'serve', idOf(client))
      const served = JSON.parse(await serving.line(/"port"/)) as { self: string; port: number }
      expect(served.self).toBe(idOf(server))
      const connecting = workload(client, 'connect', String(served.port), idOf(server))
      expect(JSON.parse(await connecting.line(/"server"/))).toEqual({
        self: idOf(client),
        server: idOf(server),
      })
      expect(JSON.parse(await connecting.line(/"reply"/))).toEqual({
        reply: `hello ${idOf(client)} from ${idOf(server)}`,
      })
      expect(JSON.parse(await serving.line(/"accepted"/))).toEqual({ accepted: idOf(client) })
      serving.child.kill('SIGTERM')
    }
  })

  it("validates the federated trust domain's JWT-SVIDs through the Workload API", async () => {
    const minted = workload(alpha, 'jwt', 'inventory')
    const { token } = JSON.parse(await minted.line(/"token"/)) as { token: string }
    const validated = workload(beta, 'validate', 'inventory', token)
    expect(JSON.parse(await validated.line(/spiffeId|invalid/))).toEqual({ spiffeId: idOf(alpha) })
    const wrongAudience = workload(beta, 'validate', 'billing', token)
    expect(JSON.parse(await wrongAudience.line(/spiffeId|invalid/))).toEqual({ invalid: 3 })
  })

  it('removing the relationship in Git removes the foreign bundle from the workload', async () => {
    const watcher = workload(alpha, 'watch')
    const first = await poll(
      () => watcher.json().find((m) => m['svids']),
      20_000,
      'the first X509-SVID message',
    )
    expect(first['federated']).toEqual([`spiffe://${beta.td}`])
    commitFiles(
      alpha.repo,
      { 'federation.yaml': '', 'workload.yaml': entryYaml(alpha, []) },
      'end federation',
    )
    await apply(alpha)
    await poll(
      () => watcher.json().find((m) => m['svids'] && (m['federated'] as string[]).length === 0),
      20_000,
      'a message without the beta.example bundle',
    )
    expect(await relationships(alpha)).toEqual([])
  })
})

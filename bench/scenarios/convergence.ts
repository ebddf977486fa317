/**
 * `npm run bench convergence`: a commit reaching a workload. Real processes: `sigil server`,
 * `sigil agent` (join token) and a workload process holding a FetchX509SVID stream. 20 times: commit
 * a new DNS name for the workload's entry to Git, `sigil plan -o` it, then apply the plan from this
 * process through the server's admin socket and time from the end of that commit until the
 * workload receives an SVID carrying the name. Baseline, same run: the commit itself (applyPlan
 * over the admin socket). Target: p50 under 1 s (SPIRE's entry sync alone takes up to 5–10 s:
 * server cache reload 5 s + agent sync interval 5 s).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectFile } from '../../agent/workload-api/project-file.js'
import { applyPlan } from '../../engine/apply/apply-plan.js'
import { sha256Hex } from '../../engine/core/digest.js'
import { decodePlan } from '../../engine/plan/codec.js'
import { systemClock } from '../../engine/platform/system-clock.js'
import { openAdminClientStore } from '../../engine/store/admin-client-store.js'
import { percentile, result, type BenchResult } from '../harness.js'

const SCENARIO = 'convergence'
const CHANGES = 20
const TD = 'example.org'
const BIN = projectFile('bin/sigil.js')

interface Child {
  readonly proc: ChildProcess
  out: string
  err: string
  readonly closed: Promise<number>
  onLine?: (line: string) => void
}

function start(args: string[], options: { uid?: number; env?: Record<string, string> } = {}): Child {
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  })
  const child: Child = {
    proc,
    out: '',
    err: '',
    closed: new Promise((resolve) => proc.on('close', (code) => resolve(code ?? -1))),
  }
  let partial = ''
  proc.stdout?.on('data', (d: Buffer) => {
    child.out += d.toString()
    partial += d.toString()
    const lines = partial.split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) child.onLine?.(line)
  })
  proc.stderr?.on('data', (d: Buffer) => (child.err += d.toString()))
  return child
}

async function sigil(args: string[], cwd: string): Promise<string> {
  const child = start([BIN, ...args])
  const code = await child.closed
  if (code !== 0) throw new Error(`sigil ${args[0]} exited ${code} (cwd ${cwd}): ${child.err.slice(-1000)}`)
  return child.out
}

function waitFor(child: Child, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const found = child.out.split('\n').find((l) => pattern.test(l))
    if (found !== undefined) return resolve(found)
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}`)), timeoutMs)
    child.onLine = (line) => {
      if (!pattern.test(line)) return
      clearTimeout(timer)
      resolve(line)
    }
  })
}

function git(cwd: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b' }
    const p = spawn('git', args, { cwd, stdio: 'ignore', env: { ...env, GIT_COMMITTER_EMAIL: 'b@b' } })
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${args[0]} failed`))))
  })
}

const repoFiles = (uid: number, dns: string): Record<string, string> => ({
  'trust-domain.yaml': `apiVersion: sigil/v1\nkind: TrustDomain\nmetadata: { name: ${TD} }\nspec: { x509SVIDTTL: 1h }\n`,
  'access.yaml':
    `apiVersion: sigil/v1\nkind: Scope\nmetadata: { name: 'read:bench' }\nspec: { description: Bench }\n---\n` +
    `apiVersion: sigil/v1\nkind: Role\nmetadata: { name: bench }\nspec: { description: Bench, scopes: ['read:bench'] }\n`,
  'entries.yaml':
    `apiVersion: sigil/v1\nkind: Entry\nmetadata: { name: bench }\nspec:\n  spiffeID: spiffe://${TD}/bench\n` +
    `  parentID: spiffe://${TD}/spire/agent/join_token/bench-host\n  selectors: ['unix:uid:${uid}']\n` +
    `  roles: [bench]\n  dnsNames: ['${dns}']\n`,
})

async function writeAndCommit(repo: string, files: Record<string, string>, first: boolean): Promise<void> {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(repo, name), text)
  if (first) await git(repo, 'init', '-q', '-b', 'main')
  await git(repo, 'add', '-A')
  await git(repo, 'commit', '-q', '-m', 'change')
}

/** Measures; returns one result (p50, with p99 and the baseline's figures beside it). */
export default async function convergence(): Promise<readonly BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-conv-'))
  chmodSync(dir, 0o755)
  // entries for uid 0 need a policy waiver: as root, the workload runs as uid 1001
  const uid = process.getuid?.() === 0 ? 1001 : (process.getuid?.() ?? 1001)
  const repo = join(dir, 'repo')
  mkdirSync(repo)
  const children: Child[] = []
  try {
    await writeAndCommit(repo, repoFiles(uid, 'v0.bench.example.org'), true)
    const server = start([
      BIN,
      'server',
      '--data-dir',
      join(dir, 'srv'),
      '--trust-domain',
      TD,
      '--listen',
      '127.0.0.1:0',
    ])
    children.push(server)
    const port = /:(\d+) /.exec(await waitFor(server, /listening on/, 60_000))?.[1]
    const store = `unix://${join(dir, 'srv', 'admin', 'admin.sock')}`
    await sigil(['apply', repo, '--store', store, '--auto-approve'], repo)
    const token = (
      await sigil(['token', 'create', '--agent-name', 'bench-host', '--store', store], dir)
    ).trim()
    const socket = join(dir, 'public', 'api.sock')
    const agent = start([
      ...[BIN, 'agent', '--server', `127.0.0.1:${port}`, '--trust-domain', TD, '--join-token', token],
      ...[
        '--trust-bundle',
        join(dir, 'srv', 'bundle.pem'),
        '--data-dir',
        join(dir, 'agent'),
        '--socket',
        socket,
      ],
      ...['--log-level', 'warn'],
    ])
    children.push(agent)
    await waitFor(agent, /serving the Workload API/, 60_000)
    const watcherArgs = [projectFile('test/e2e/workload-mtls/workload.mjs'), 'watch']
    const env = { SPIFFE_ENDPOINT_SOCKET: `unix://${socket}` }
    let watcher = start(watcherArgs, { uid, env })
    // the first stream may be refused until the SVID is minted; retry until it carries v0
    for (let attempt = 0; ; attempt++) {
      const line = await waitFor(watcher, /"svids"|"end"/, 30_000)
      if (line.includes('v0.bench')) break
      if (attempt > 50) throw new Error('the workload never received its first svid')
      await watcher.closed
      watcher = start(watcherArgs, { uid, env })
    }
    children.push(watcher)

    const convergedMs: number[] = []
    const commitMs: number[] = []
    const admin = openAdminClientStore(store)
    try {
      for (let i = 1; i <= CHANGES; i++) {
        const name = `v${i}.bench.example.org`
        await writeAndCommit(repo, repoFiles(uid, name), false)
        const planFile = join(dir, `plan-${i}.json`)
        // read-only, so retried: other builds may be rewriting dist/ on a shared machine
        await sigil(['plan', repo, '--store', store, '-o', planFile], repo).catch(() =>
          sigil(['plan', repo, '--store', store, '-o', planFile], repo),
        )
        const text = readFileSync(planFile, 'utf8')
        const pattern = new RegExp(`DNS:${name.replace(/\./g, '\\.')}`)
        const received = waitFor(watcher, pattern, 30_000).then(() => performance.now())
        const started = performance.now()
        await applyPlan(
          admin,
          decodePlan(text),
          { actor: 'bench', planDigest: sha256Hex(text) },
          { clock: systemClock },
        )
        const committed = performance.now()
        commitMs.push(committed - started)
        convergedMs.push((await received) - committed)
      }
    } finally {
      await admin.close()
    }
    const p50 = percentile(convergedMs, 50)
    const round = (n: number) => Math.round(n * 10) / 10
    return [
      result(
        SCENARIO,
        p50,
        'ms (commit applied → workload has the new SVID, p50)',
        percentile(commitMs, 50),
        {
          p99Ms: round(percentile(convergedMs, 99)),
          maxMs: round(Math.max(...convergedMs)),
          minMs: round(Math.min(...convergedMs)),
          baselineIs: 'the commit itself: applyPlan through the admin socket (p50 ms)',
          baselineP99Ms: round(percentile(commitMs, 99)),
          changes: CHANGES,
          target: 'p50 < 1000 ms (SPIRE: sync alone up to 5000-10000 ms)',
          lowerIsBetter: true,
        },
      ),
    ]
  } finally {
    for (const c of children.reverse()) c.proc.kill('SIGTERM')
    await Promise.all(children.map((c) => c.closed))
    rmSync(dir, { recursive: true, force: true })
  }
}

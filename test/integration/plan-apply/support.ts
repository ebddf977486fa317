import { join } from 'node:path'
import { openSqliteStore } from '../../../engine/store/sqlite-store.js'
import { runSigil, type CliResult } from '../../support/cli.js'
import { FakeClock } from '../../support/fake-clock.js'
import { seededRandom } from '../../support/seeded-random.js'

export interface RepoShape {
  readonly entries: number
  readonly hint?: (i: number) => string
  readonly protect?: (i: number) => boolean
  readonly skip?: (i: number) => boolean
  readonly maxDeletions?: string
  /** Declare the node alias (default true). */
  readonly node?: boolean
}

/** An identity repository: a trust domain, one node alias and `entries` workload entries (entries.yaml). */
export function identityFiles(shape: RepoShape): Record<string, string> {
  const safety = shape.maxDeletions ? `\n  safety: { maxDeletions: "${shape.maxDeletions}" }` : ''
  const td = `apiVersion: sigil/v1
kind: TrustDomain
metadata: { name: example.org }
spec:
  ownership: { entryIDPrefix: "sigil." }${safety}
`
  const node = `---
apiVersion: sigil/v1
kind: Node
metadata: { name: prod-nodes }
spec:
  spiffeID: spiffe://example.org/nodes/production
  selectors: ["k8s_psat:cluster:production"]
`
  const docs: string[] = []
  for (let i = 0; i < shape.entries; i++) {
    if (shape.skip?.(i)) continue
    const hint = shape.hint?.(i)
    docs.push(`apiVersion: sigil/v1
kind: Entry
metadata: { name: w${i} }
spec:
  spiffeID: spiffe://example.org/production/w${i}
  parentID: spiffe://example.org/nodes/production
  selectors: ["k8s:ns:default", "k8s:sa:w${i}"]${hint ? `\n  hint: ${hint}` : ''}${shape.protect?.(i) ? '\n  protect: true' : ''}
`)
  }
  return { 'trust-domain.yaml': shape.node === false ? td : td + node, 'entries.yaml': docs.join('---\n') }
}

/** `sigil <args>` with the data dir set. */
export function sigil(dataDir: string, ...args: string[]): Promise<CliResult> {
  return runSigil([...args, '--data-dir', dataDir])
}

export interface ListedEntry {
  readonly id: string
  readonly name: string
  readonly kind: string
  readonly hint: string
  readonly managed: boolean
  readonly revisionNumber: number
  readonly sourceCommit: string
}

/** The store's entries through `sigil entry list --format json`. */
export async function listEntriesCli(dataDir: string): Promise<ListedEntry[]> {
  const r = await sigil(dataDir, 'entry', 'list', '--format', 'json')
  if (r.code !== 0) throw new Error(`entry list failed: ${r.stderr}`)
  return (JSON.parse(r.stdout) as { entries: ListedEntry[] }).entries
}

/** The store's entries read in this process (cheaper than a CLI run; the CLI path is tested once). */
export async function listEntries(dataDir: string): Promise<ListedEntry[]> {
  const store = openSqliteStore(storePath(dataDir), { clock: new FakeClock(), random: seededRandom() })
  try {
    const { items } = await store.listEntries({ pageSize: 10_000 })
    return items.map((e) => ({ ...e, managed: e.id.startsWith('sigil.') }))
  } finally {
    await store.close()
  }
}

export const storePath = (dataDir: string) => join(dataDir, 'sigil.db')

/** Shared pieces of the reconcile tests: identity repositories, a Git remote, the real SQLite store. */
import { renameSync } from 'node:fs'
import { join } from 'node:path'
import type { RegistrationStore } from '../../../../engine/store/registration-store.js'
import type { LiveEntry } from '../../../../engine/plan/types.js'
import { commitFiles, git, makeRepo, tempDir } from '../../../support/git.js'

/** A repository: trust domain (maxDeletions), one node alias, and entries w0..w(n-1) (hint per entry). */
export function identityFiles(
  n: number,
  options: { maxDeletions?: string; hint?: (i: number) => string } = {},
): Record<string, string> {
  const safety = options.maxDeletions ? `\n  safety: { maxDeletions: "${options.maxDeletions}" }` : ''
  const entries: string[] = []
  for (let i = 0; i < n; i++) {
    const hint = options.hint?.(i)
    entries.push(`apiVersion: sigil/v1
kind: Entry
metadata: { name: w${i} }
spec:
  spiffeID: spiffe://example.org/production/w${i}
  parentID: spiffe://example.org/nodes/production
  selectors: ["k8s:ns:default", "k8s:sa:w${i}"]${hint ? `\n  hint: ${hint}` : ''}
`)
  }
  return {
    'trust-domain.yaml': `apiVersion: sigil/v1
kind: TrustDomain
metadata: { name: example.org }
spec:
  ownership: { entryIDPrefix: "sigil." }${safety}
---
apiVersion: sigil/v1
kind: Node
metadata: { name: prod-nodes }
spec:
  spiffeID: spiffe://example.org/nodes/production
  selectors: ["k8s_psat:cluster:production"]
`,
    'entries.yaml': entries.join('---\n'),
  }
}

/** A Git remote (a bare repository) fed from a working repository. */
export class Remote {
  readonly work: string
  readonly bare: string
  private readonly parked: string

  constructor(files: Record<string, string>) {
    this.work = makeRepo(files)
    const dir = tempDir('sigil-remote-')
    this.bare = join(dir, 'identities.git')
    this.parked = join(dir, 'moved-away.git')
    git(dir, 'clone', '-q', '--bare', this.work, this.bare)
    git(this.work, 'remote', 'add', 'origin', this.bare)
  }

  get url(): string {
    return `file://${this.bare}`
  }

  /** Commits `files` in the working repository and pushes; returns the commit. */
  push(files: Record<string, string>, message = 'change'): string {
    const commit = commitFiles(this.work, files, message)
    git(this.work, 'push', '-q', '--force', 'origin', 'main')
    return commit
  }

  head(): string {
    return git(this.work, 'rev-parse', 'HEAD')
  }

  /** Makes the remote unreachable (moves it away) or brings it back. */
  setReachable(reachable: boolean): void {
    if (reachable) renameSync(this.parked, this.bare)
    else renameSync(this.bare, this.parked)
  }
}

/** Changes one live entry's hint behind the reconciler's back (as the admin API or another tool would). */
export async function editOutsideGit(
  store: RegistrationStore,
  match: (e: LiveEntry) => boolean,
  hint: string,
): Promise<void> {
  const live = await store.readLiveState()
  const entry = live.entries.find(match)
  if (!entry) throw new Error('no such entry')
  const { revisionNumber: _r, createdAt: _c, ...record } = entry
  await store.commitChanges({
    base: { lineage: live.lineage, revision: live.revision },
    writes: [{ kind: 'entry', action: 'update', entry: { ...record, hint } }],
    atMs: 0,
    audit: { actor: 'os:someone', details: {}, changes: [] },
  })
}

/** Creates an entry without the ownership prefix (another tool's entry). */
export async function createUnmanaged(store: RegistrationStore, id: string): Promise<void> {
  const live = await store.readLiveState()
  await store.commitChanges({
    base: { lineage: live.lineage, revision: live.revision },
    writes: [
      {
        kind: 'entry',
        action: 'create',
        entry: {
          id,
          kind: 'Entry',
          name: '',
          spiffeId: `spiffe://example.org/other/${id}`,
          parentId: 'spiffe://example.org/nodes/production',
          selectors: ['unix:uid:1000'],
          x509SvidTtlSeconds: 0,
          jwtSvidTtlSeconds: 0,
          dnsNames: [],
          federatesWith: [],
          hint: '',
          admin: false,
          downstream: false,
          protect: false,
          roles: [],
          expiresAt: 0,
          sourceFile: '',
          sourceCommit: '',
        },
      },
    ],
    atMs: 0,
    audit: { actor: 'os:other-tool', details: {}, changes: [] },
  })
}

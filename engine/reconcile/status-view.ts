/**
 * `sigil status` data and text: from the running server over its admin socket, or, with no server
 * listening, from the status and suspend files in the data directory plus the SQLite store.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Clock } from '../core/clock.js'
import { isEngineError } from '../core/errors.js'
import type { Random } from '../core/random.js'
import { openSqliteStore } from '../store/sqlite-store.js'
import { callReconcile } from './control.js'
import { emptyStatus, readStatusFile, readSuspendFile, type ReconcileStatus } from './status.js'

/** The status and where it came from. */
export interface StatusView extends ReconcileStatus {
  /** `running`: answered by the server; `stopped`: read from the data directory. */
  readonly server: 'running' | 'stopped'
}

/** Asks the server at `socketPath`; falls back to the files and store in `dataDir` when none answers. */
export async function readStatusView(
  socketPath: string,
  dataDir: string,
  deps: { readonly clock: Clock; readonly random: Random },
): Promise<StatusView> {
  try {
    return { ...(await callReconcile<ReconcileStatus>(socketPath, 'reconcileStatus')), server: 'running' }
  } catch (err) {
    if (!isEngineError(err, 'ERR_STORE_UNAVAILABLE')) throw err
  }
  const saved = (await readStatusFile(dataDir)) ?? emptyStatus('apply')
  const suspend = await readSuspendFile(dataDir)
  let status: ReconcileStatus = {
    ...saved,
    leader: false,
    suspended: (suspend?.suspended ?? saved.suspended) || saved.suspendedByConfig === true,
  }
  const dbPath = join(dataDir, 'sigil.db')
  if (existsSync(dbPath)) {
    const store = openSqliteStore(dbPath, deps, { create: false })
    try {
      const live = await store.readLiveState()
      const prefix = live.trustDomainSettings?.entryIdPrefix ?? 'sigil.'
      const stats = await store.fetchStats(prefix)
      status = {
        ...status,
        counts: { ...status.counts, live: stats.managedEntries, unmanaged: stats.unmanagedEntries },
        store: { lineage: stats.lineage, revision: stats.revision },
      }
    } finally {
      await store.close()
    }
  }
  return { ...status, server: 'stopped' }
}

const when = (ms: number | undefined) => (ms === undefined ? 'never' : new Date(ms).toISOString())
const short = (commit: string | undefined) => (commit ? commit.slice(0, 12) : '(none)')

function holderText(info: object | undefined): string {
  const holder = (info as { holder?: { hostname?: unknown; address?: unknown; epoch?: unknown } } | undefined)
    ?.holder
  if (!holder) return ''
  const parts = [holder.hostname, holder.address].filter((p) => typeof p === 'string' && p !== '')
  return parts.length > 0
    ? ` (leader: ${parts.join(' ')}${typeof holder.epoch === 'number' ? `, epoch ${holder.epoch}` : ''})`
    : ''
}

/** The human form of `sigil status`. */
export function renderStatusText(s: StatusView): string {
  const rows: [string, string][] = []
  const src = s.source
  rows.push([
    'Source',
    src
      ? `${src.url}${src.ref ? ` ref ${src.ref}` : ''}${src.path ? ` path ${src.path}` : ''}`
      : 'none configured',
  ])
  rows.push(['Server', s.server])
  rows.push(['Mode', s.mode])
  rows.push(['Suspended', s.suspended ? `yes${s.suspendedByConfig ? ' (configuration file)' : ''}` : 'no'])
  rows.push([
    'Leader',
    s.server === 'running' ? `${s.leader ? 'yes' : 'no'}${holderText(s.leaderInfo)}` : 'unknown',
  ])
  const la = s.lastApplied
  rows.push([
    'Last applied',
    la ? `${short(la.commit)} at ${when(la.atMs)} (store revision ${la.revision})` : 'never',
  ])
  const at = s.lastAttempt
  if (at) {
    const error = at.error ? `: ${at.error.code} ${at.error.message}` : ''
    rows.push(['Last attempt', `${short(at.commit)} at ${when(at.atMs)}, ${at.result}${error}`])
  } else rows.push(['Last attempt', 'never'])
  rows.push(['Last success', when(s.lastSuccessAtMs)])
  const d = s.drift
  const drift = d.detected
    ? `${d.total} change(s) made outside Git, reported (warn mode)`
    : d.atMs !== undefined && d.reverted
      ? `none (last found ${when(d.atMs)}: ${d.total} change(s) reverted)`
      : 'none'
  rows.push(['Drift', drift])
  const c = s.counts
  rows.push([
    'Entries',
    `desired ${c.desired}, live ${c.live}, unmanaged ${c.unmanaged}, drifted ${c.drifted}`,
  ])
  if (s.store) rows.push(['Store', `revision ${s.store.revision} (lineage ${s.store.lineage})`])
  const width = Math.max(...rows.map(([k]) => k.length))
  const lines = rows.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`)
  for (const change of d.detected ? d.changes : []) {
    lines.push(
      `  ${change.action} ${change.kind} ${change.name}${change.fields ? ` (${change.fields.join(', ')})` : ''}`,
    )
  }
  return lines.join('\n') + '\n'
}

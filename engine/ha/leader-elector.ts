/**
 * Leader election among `sigil server` replicas sharing one PostgreSQL database: a session-level
 * `pg_try_advisory_lock` held on a dedicated connection for as long as the process leads (a dead
 * process's connection drops and the lock with it), plus a fencing epoch bumped in `meta` at every
 * acquisition and checked inside each commit the leader's loop makes (commitChangesAtEpoch).
 */
import type pg from 'pg'
import type { Clock } from '../core/clock.js'
import { StoreFencedError } from '../store/postgres/fencing.js'
import type { PostgresRegistrationStore } from '../store/postgres-store.js'
import type { CommitRequest, RegistrationStore } from '../store/registration-store.js'
import type { LeaderHolder, LeaderInfo, Leadership } from './leadership.js'

export interface LeaderElectorDeps {
  readonly store: PostgresRegistrationStore
  readonly clock: Clock
  /** Who this replica is (recorded in `meta.leader_holder` when it leads). */
  readonly holder: Omit<LeaderHolder, 'epoch' | 'acquiredAtMs'>
  /** How often a follower tries to take the lock; default 1,000 ms. */
  readonly retryMs?: number
  /** How often the leader checks its connection; default 1,000 ms. */
  readonly checkMs?: number
  readonly logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void }
}

export interface LeaderElector extends Leadership {
  /** This replica's epoch while it leads. */
  readonly epoch: number | undefined
  /** One election step: take the lock (or check it is still held); resolves with `isLeader()`. */
  step(): Promise<boolean>
  /** Steps every `retryMs`/`checkMs` until `signal` aborts, then releases the lock. */
  run(signal: AbortSignal): Promise<void>
  /** `store` for the reconcile loop: commits are fenced with this replica's epoch. */
  fence(store: PostgresRegistrationStore): RegistrationStore
}

const DEDICATED_QUERY_TIMEOUT_MS = 5000

/** @example const elector = createLeaderElector({ store, clock, holder }); void elector.run(signal) */
export function createLeaderElector(deps: LeaderElectorDeps): LeaderElector {
  const db = deps.store.db
  const [k1, k2] = db.leaderLockKey
  const listeners = new Set<(isLeader: boolean) => void>()
  let client: pg.Client | undefined
  let leading = false
  let epoch: number | undefined
  let holder: LeaderHolder | undefined

  const setLeading = (value: boolean) => {
    if (value === leading) return
    leading = value
    deps.logger?.[value ? 'info' : 'warn']({ epoch }, value ? 'leadership acquired' : 'leadership lost')
    for (const fn of [...listeners]) fn(value)
  }

  const drop = (c: pg.Client | undefined) => {
    if (c && client === c) client = undefined
    setLeading(false)
    void c?.end().catch(() => {})
  }

  const connect = async (): Promise<pg.Client> => {
    if (client) return client
    await deps.store.whenReady()
    const c = await db.connectDedicated({ queryTimeoutMs: DEDICATED_QUERY_TIMEOUT_MS })
    // the lock lives with this session: when it ends, leadership ends
    c.on('error', () => drop(c))
    c.on('end', () => drop(c))
    client = c
    return c
  }

  const readHolder = async (c: pg.ClientBase) => {
    const res = await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'leader_holder'")
    const text = res.rows[0]?.value
    holder = text ? (JSON.parse(text) as LeaderHolder) : undefined
  }

  const acquire = async (c: pg.Client): Promise<void> => {
    await c.query('BEGIN')
    try {
      await c.query("INSERT INTO meta (key, value) VALUES ('leader_epoch', '0') ON CONFLICT (key) DO NOTHING")
      // waits for in-flight fenced commits of the previous leader; later ones see the new epoch
      const res = await c.query<{ value: string }>(
        "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'leader_epoch' RETURNING value",
      )
      const next = Number(res.rows[0]?.value)
      const record: LeaderHolder = { ...deps.holder, epoch: next, acquiredAtMs: deps.clock.now() }
      await c.query(
        `INSERT INTO meta (key, value) VALUES ('leader_holder', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [JSON.stringify(record)],
      )
      await c.query('COMMIT')
      epoch = next
      holder = record
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {})
      throw err
    }
  }

  const step = async (): Promise<boolean> => {
    let c: pg.Client | undefined
    try {
      c = await connect()
      if (leading) {
        // still our session, and nobody bumped the epoch behind our back
        const res = await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'leader_epoch'")
        if (Number(res.rows[0]?.value) !== epoch) drop(c)
        return leading
      }
      const got = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [k1, k2])
      if (got.rows[0]?.ok) {
        try {
          await acquire(c)
        } catch (err) {
          await c.query('SELECT pg_advisory_unlock($1, $2)', [k1, k2]).catch(() => {})
          throw err
        }
        setLeading(true)
      } else {
        await readHolder(c)
      }
    } catch (err) {
      deps.logger?.warn({ err: (err as Error).message }, 'leader election step failed')
      drop(c)
    }
    return leading
  }

  const elector: LeaderElector = {
    get epoch() {
      return leading ? epoch : undefined
    },
    isLeader: () => leading,
    leaderInfo: (): LeaderInfo => ({
      mode: 'elected',
      isLeader: leading,
      epoch: leading ? epoch : undefined,
      holder,
    }),
    onChange(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    step,
    async run(signal) {
      while (!signal.aborted) {
        await step()
        try {
          await deps.clock.sleep(leading ? (deps.checkMs ?? 1000) : (deps.retryMs ?? 1000), signal)
        } catch {
          break
        }
      }
      const c = client
      client = undefined
      if (c && leading) await c.query('SELECT pg_advisory_unlock($1, $2)', [k1, k2]).catch(() => {})
      setLeading(false)
      await c?.end().catch(() => {})
    },
    fence(store) {
      const commitChanges = (req: CommitRequest) => {
        const current = elector.epoch
        if (current === undefined) return Promise.reject(new StoreFencedError(epoch ?? 0, -1))
        return store.commitChangesAtEpoch(req, current)
      }
      return new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'commitChanges') return commitChanges
          const value: unknown = Reflect.get(target, prop, receiver)
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
        },
      })
    },
  }
  return elector
}

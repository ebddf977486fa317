/**
 * A PostgreSQL database handle shared by the registration store, the node store, the leader elector
 * and the shared CA: one pool, the schema the tables live in, and dedicated clients on demand.
 */
import pg from 'pg'
import { createHash } from 'node:crypto'
import { StoreUnavailableError } from '../errors.js'

/** `postgres://` or `postgresql://`. */
export const POSTGRES_URL = /^postgres(ql)?:\/\//i

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** What `parsePostgresUrl` found: the driver's connection string, the schema and a password-free location. */
export interface PostgresTarget {
  readonly connectionString: string
  /** Tables live here (`?schema=`); default `public`. */
  readonly schema: string
  /** The URL without user name or password (safe to log and display). */
  readonly location: string
}

/** Splits a store URL: `postgres://user:pw@host:5432/db?schema=sigil&sslmode=require`. */
export function parsePostgresUrl(url: string): PostgresTarget {
  if (!POSTGRES_URL.test(url)) throw new TypeError('not a postgres:// url')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TypeError('malformed postgres url')
  }
  const schema = parsed.searchParams.get('schema') ?? 'public'
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`invalid schema name ${JSON.stringify(schema)}`)
  parsed.searchParams.delete('schema')
  const connectionString = parsed.toString()
  const safe = new URL(parsed.toString())
  safe.username = ''
  safe.password = ''
  if (schema !== 'public') safe.searchParams.set('schema', schema)
  return { connectionString, schema, location: safe.toString() }
}

// BIGINT columns hold milliseconds and counts far below 2^53: read them as numbers
const INT8_OID = 20
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
}

/** The open database: a pool whose sessions use the store's schema. */
export class PostgresDatabase {
  readonly pool: pg.Pool
  /** NOTIFY channel for commits in this schema. */
  readonly channel: string
  /** Advisory lock key of the leader lease in this schema (two int4 halves). */
  readonly leaderLockKey: readonly [number, number]
  private closed = false

  constructor(
    readonly target: PostgresTarget,
    options: { maxConnections?: number } = {},
  ) {
    this.pool = new pg.Pool({ ...this.clientConfig(), max: options.maxConnections ?? 8 })
    // idle clients that lose their server (restart, failover) must not crash the process
    this.pool.on('error', () => {})
    this.channel = `sigil_${target.schema}`
    const digest = createHash('sha256').update(`sigil-leader\n${target.schema}`).digest()
    this.leaderLockKey = [digest.readInt32BE(0), digest.readInt32BE(4)]
  }

  /** Connection settings for a pool or a dedicated client. */
  clientConfig(): pg.ClientConfig {
    return {
      connectionString: this.target.connectionString,
      options: `-c search_path=${this.target.schema}`,
      types,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
      application_name: 'sigil',
    }
  }

  get schema(): string {
    return this.target.schema
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** A client outside the pool (LISTEN, session-level advisory locks); the caller ends it. */
  async connectDedicated(options: { queryTimeoutMs?: number } = {}): Promise<pg.Client> {
    const client = new pg.Client({
      ...this.clientConfig(),
      ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    })
    client.on('error', () => {})
    try {
      await client.connect()
    } catch (err) {
      await client.end().catch(() => {})
      throw unavailable(this.target.location, err)
    }
    return client
  }

  /** Runs `fn` in one transaction on a pooled client; rolls back when it throws. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>, mode = 'BEGIN'): Promise<T> {
    const client = await this.checkout()
    try {
      await client.query(mode)
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw translatePgError(err, this.target.location)
    } finally {
      client.release()
    }
  }

  /** One statement on a pooled client. */
  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    if (this.closed) throw new StoreUnavailableError('registration store is closed')
    try {
      return await this.pool.query<R>(text, values)
    } catch (err) {
      throw translatePgError(err, this.target.location)
    }
  }

  private async checkout(): Promise<pg.PoolClient> {
    if (this.closed) throw new StoreUnavailableError('registration store is closed')
    try {
      return await this.pool.connect()
    } catch (err) {
      throw unavailable(this.target.location, err)
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pool.end().catch(() => {})
  }
}

function unavailable(location: string, cause: unknown): StoreUnavailableError {
  return new StoreUnavailableError(`cannot reach the registration store at ${location}`, cause)
}

/** Maps connection failures to ERR_STORE_UNAVAILABLE; EngineErrors, TypeErrors and SQL errors pass through. */
export function translatePgError(err: unknown, location: string): unknown {
  const code = (err as { code?: unknown }).code
  if (typeof code !== 'string') {
    const message = err instanceof Error ? err.message : ''
    if (/Connection terminated|Client has encountered a connection error|not queryable/i.test(message))
      return unavailable(location, err)
    return err
  }
  // class 08 connection exceptions, 57P admin shutdown / cannot connect now, 53 insufficient resources
  if (/^(08|57P|53)/.test(code) || /^E(CONNREFUSED|CONNRESET|HOSTUNREACH|TIMEDOUT|PIPE|NOTFOUND)$/.test(code))
    return unavailable(location, err)
  return err
}

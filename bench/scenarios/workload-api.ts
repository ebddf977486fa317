/**
 * `workload-api`: FetchJWTSVID served from the JWT-SVID cache and the first FetchX509SVID message
 * (caller attestation included: kernel credentials, pid-reuse guard, unix attestor), p50 and p99 at
 * concurrency 1 and 64, against a bare grpc-js unary echo over a Unix socket in the same run.
 * Target: within 2× of the echo. The first-message results also carry, for context, a bare grpc-js
 * server stream's first message (`bareGrpcStreamFirstMessageMs`). The clients run in a child process
 * (a workload is another process); streams are cancelled on fresh channels every ≤ 200 streams
 * (Node 20's rapid-reset guard, platform-notes.md).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawn } from 'node:child_process'
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type Client,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js'
import { SignJWT } from 'jose'
import { StaticIdentitySource } from '../../agent/svid/static-identity-source.js'
import { systemUnixHooks } from '../../agent/workload-attestors/system-hooks.js'
import { createUnixAttestor } from '../../agent/workload-attestors/unix.js'
import { WorkloadApiClient } from '../../agent/workload-api/client.js'
import { projectFile } from '../../agent/workload-api/project-file.js'
import { startWorkloadApi } from '../../agent/workload-api/server.js'
import { percentile, result, type BenchResult } from '../harness.js'

const SCENARIO = 'workload-api'
const STREAMS_PER_CHANNEL = 200

const fixture = (name: string) => readFileSync(projectFile(`test/fixtures/workload/${name}`), 'utf8')
const der = (pem: string) => Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64')

function identitySource(): StaticIdentitySource {
  const jwtKey = createPrivateKey(fixture('jwt-signing.key.pem'))
  const svid = {
    entryId: 'bench',
    spiffeId: 'spiffe://example.org/workload-a',
    hint: '',
    certChainDer: [der(fixture('workload-a.pem'))],
    privateKeyPkcs8Der: createPrivateKey(fixture('workload-a.key.pem')).export({
      format: 'der',
      type: 'pkcs8',
    }),
    federatesWith: [],
    selectors: [`unix:uid:${process.getuid?.() ?? 0}`],
    createdAtMs: 0,
  }
  return new StaticIdentitySource(
    {
      identities: [svid],
      localBundle: {
        trustDomain: 'example.org',
        x509AuthoritiesDer: [der(fixture('example-ca.pem'))],
        jwtAuthorities: [{ keyId: 'k1', publicKeyJwk: createPublicKey(jwtKey).export({ format: 'jwk' }) }],
      },
      federatedBundles: [],
    },
    {
      now: () => Date.now(),
      mintJwtSvid: async (identity, audience) => {
        const expiresAtMs = Date.now() + 3_600_000
        const token = await new SignJWT({})
          .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT' })
          .setSubject(identity.spiffeId)
          .setAudience([...audience])
          .setExpirationTime(Math.floor(expiresAtMs / 1000))
          .sign(jwtKey)
        return { token, expiresAtMs }
      },
      validateJwtSvid: () => Promise.reject(new Error('not used')),
    },
  )
}

interface StreamClient {
  warm(): Promise<void>
  first(): Promise<void>
  close(): void
}

/** A Workload API client whose `first` is the first FetchX509SVID message (then cancelled). */
function workloadStreamClient(socketPath: string): StreamClient {
  const c = new WorkloadApiClient(`unix:${socketPath}`)
  return {
    warm: async () => void (await c.fetchJwtSvid(['bench-audience'])),
    first: async () => void (await c.fetchX509Svid()),
    close: () => c.close(),
  }
}

/** A bare grpc-js client whose `first` is the first message of a server stream (then cancelled). */
function bareStreamClient(c: EchoClient, payload: Buffer): StreamClient {
  return {
    warm: () =>
      new Promise<void>((resolve, reject) =>
        c['Echo']!(payload, new Metadata(), (err: ServiceError | null) => (err ? reject(err) : resolve())),
      ),
    first: () =>
      new Promise<void>((resolve, reject) => {
        const stream = c['Stream']!(payload, new Metadata()) as ClientReadableStream<Buffer>
        stream.once('data', () => {
          stream.cancel()
          resolve()
        })
        stream.once('error', (err: ServiceError) => {
          if (err.code !== status.CANCELLED) reject(err)
        })
      }),
    close: () => c.close(),
  }
}

const identity = (b: Buffer) => b
const ECHO_SERVICE = {
  Echo: {
    path: '/bench.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
  Stream: {
    path: '/bench.Echo/Stream',
    requestStream: false,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
}

type EchoClient = Client & Record<string, CallableFunction>

/** A bare grpc-js client of the echo service with its own connection. */
function echoClientFactory(socketPath: string): () => EchoClient {
  const Ctor = makeGenericClientConstructor(ECHO_SERVICE, 'Echo')
  return () =>
    new Ctor(`unix:${socketPath}`, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    }) as unknown as EchoClient
}

async function startEcho(socketPath: string): Promise<{ socketPath: string; stop: () => void }> {
  const server = new Server()
  server.addService(ECHO_SERVICE, {
    Echo: (call: { request: Buffer }, callback: (err: null, reply: Buffer) => void) =>
      callback(null, call.request),
    // one message, then open until the client cancels (like a Workload API stream)
    Stream: (call: { request: Buffer; write: (b: Buffer) => void }) => call.write(call.request),
  })
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  )
  return { socketPath, stop: () => server.forceShutdown() }
}

interface ClientConfig {
  readonly apiSocket: string
  readonly echoSocket: string
  readonly concurrency: number
  readonly rounds: number
}

interface Samples {
  echo: number[]
  jwt: number[]
  x509: number[]
  stream: number[]
}

/**
 * The measuring side, run in a child process (workloads are other processes: the agent's procfs
 * reads of its own process would contend with its own GC threads and measure something unreal).
 * The four operations are interleaved in every worker so they all see the same machine load.
 */
async function measure(config: ClientConfig): Promise<Samples> {
  const payload = Buffer.alloc(64, 1)
  const echo = echoClientFactory(config.echoSocket)()
  const echoCall = () =>
    new Promise<void>((resolve, reject) =>
      echo['Echo']!(payload, new Metadata(), (err: ServiceError | null) => (err ? reject(err) : resolve())),
    )
  const jwtClient = new WorkloadApiClient(`unix:${config.apiSocket}`)
  const fetchJwt = async () => void (await jwtClient.fetchJwtSvid(['bench-audience']))
  // warm-up: connections, JIT, the agent's binary hash cache and the JWT-SVID cache
  for (let i = 0; i < 100; i++) {
    await echoCall()
    await fetchJwt()
  }
  const samples: Samples = { echo: [], jwt: [], x509: [], stream: [] }
  const timed = async (into: number[], op: () => Promise<void>) => {
    const start = performance.now()
    await op()
    into.push(performance.now() - start)
  }
  await Promise.all(
    Array.from({ length: config.concurrency }, async () => {
      let x509: StreamClient | undefined
      let bare: StreamClient | undefined
      for (let i = 0; i < config.rounds; i++) {
        if (i % STREAMS_PER_CHANNEL === 0) {
          // fresh connections (warmed, untimed) well before Node's rapid-reset guard
          x509?.close()
          bare?.close()
          x509 = workloadStreamClient(config.apiSocket)
          bare = bareStreamClient(echoClientFactory(config.echoSocket)(), payload)
          await x509.warm()
          await bare.warm()
        }
        await timed(samples.echo, echoCall)
        await timed(samples.jwt, fetchJwt)
        await timed(samples.x509, x509!.first)
        await timed(samples.stream, bare!.first)
      }
      x509?.close()
      bare?.close()
    }),
  )
  jwtClient.close()
  echo.close()
  return samples
}

/** Runs `measure` in a child Node process (this same module in client mode). */
function measureInChild(config: ClientConfig): Promise<Samples> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, [CLIENT_ENV]: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`bench client exited with ${code}`))
      else resolve(JSON.parse(out) as Samples)
    })
  })
}

export default async function workloadApi(): Promise<readonly BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-wl-'))
  const api = await startWorkloadApi({
    socketPath: join(dir, 'api.sock'),
    source: identitySource(),
    attestors: [createUnixAttestor(systemUnixHooks)],
  })
  const echo = await startEcho(join(dir, 'echo.sock'))
  const out: BenchResult[] = []
  const report = (
    metric: string,
    concurrency: number,
    samples: number[],
    baseline: number[],
    stream?: number[],
  ) => {
    for (const p of [50, 99]) {
      out.push(
        result(
          `${SCENARIO}/${metric}/p${p}/c${concurrency}`,
          percentile(samples, p),
          'ms',
          percentile(baseline, p),
          {
            lowerIsBetter: true,
            baselineName: `grpc-js unary echo over a Unix socket, p${p}, c${concurrency}`,
            target: 'ratio <= 2',
            samples: samples.length,
            ...(stream
              ? { bareGrpcStreamFirstMessageMs: Math.round(percentile(stream, p) * 1000) / 1000 }
              : {}),
          },
        ),
      )
    }
  }
  try {
    for (const [concurrency, rounds] of [
      [1, 600],
      [64, 20],
    ] as const) {
      const samples = await measureInChild({
        apiSocket: api.socketPath,
        echoSocket: echo.socketPath,
        concurrency,
        rounds,
      })
      report('FetchJWTSVID-cached', concurrency, samples.jwt, samples.echo)
      report('FetchX509SVID-first-message', concurrency, samples.x509, samples.echo, samples.stream)
    }
  } finally {
    echo.stop()
    await api.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}

const CLIENT_ENV = 'SIGIL_BENCH_WORKLOAD_API_CLIENT'
const clientConfig = process.env[CLIENT_ENV]
if (clientConfig !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) {
  const samples = await measure(JSON.parse(clientConfig) as ClientConfig)
  process.stdout.write(JSON.stringify(samples))
  process.exit(0)
}

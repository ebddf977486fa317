/**
 * `workload-api`: FetchJWTSVID served from the JWT-SVID cache and the first FetchX509SVID message
 * (caller attestation included: kernel credentials, pid-reuse guard, unix attestor), p50 and p99 at
 * concurrency 1 and 64, against a bare grpc-js unary echo over a Unix socket in the same run.
 * Target: within 2× of the echo. Streams are cancelled on fresh channels every ≤ 200 streams
 * (Node 20's rapid-reset guard, platform-notes.md).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  Server,
  ServerCredentials,
  type Client,
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

/** Runs `op` `perWorker` times in each of `concurrency` workers; returns latencies in ms. */
async function latencies(
  concurrency: number,
  perWorker: number,
  op: (worker: number, i: number) => Promise<void>,
): Promise<number[]> {
  const samples: number[] = []
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; i < perWorker; i++) {
        const start = performance.now()
        await op(worker, i)
        samples.push(performance.now() - start)
      }
    }),
  )
  return samples
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
}

async function startEcho(
  socketPath: string,
): Promise<{ client: Client & Record<string, CallableFunction>; stop: () => void }> {
  const server = new Server()
  server.addService(ECHO_SERVICE, {
    Echo: (call: { request: Buffer }, callback: (err: null, reply: Buffer) => void) =>
      callback(null, call.request),
  })
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  )
  const Ctor = makeGenericClientConstructor(ECHO_SERVICE, 'Echo')
  const client = new Ctor(`unix:${socketPath}`, credentials.createInsecure()) as unknown as Client &
    Record<string, CallableFunction>
  return {
    client,
    stop: () => {
      client.close()
      server.forceShutdown()
    },
  }
}

export default async function workloadApi(): Promise<readonly BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-wl-'))
  const api = await startWorkloadApi({
    socketPath: join(dir, 'api.sock'),
    source: identitySource(),
    attestors: [createUnixAttestor(systemUnixHooks)],
  })
  const echo = await startEcho(join(dir, 'echo.sock'))
  const payload = Buffer.alloc(64, 1)
  const echoCall = () =>
    new Promise<void>((resolve, reject) =>
      echo.client['Echo']!(payload, new Metadata(), (err: ServiceError | null) =>
        err ? reject(err) : resolve(),
      ),
    )
  const jwtClient = new WorkloadApiClient(`unix:${api.socketPath}`)
  const fetchJwt = async () => void (await jwtClient.fetchJwtSvid(['bench-audience']))

  // warm-up: connections, JIT, the binary hash cache and the JWT-SVID cache
  for (let i = 0; i < 200; i++) {
    await echoCall()
    await fetchJwt()
  }

  const out: BenchResult[] = []
  const report = (metric: string, concurrency: number, samples: number[], baseline: number[]) => {
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
          },
        ),
      )
    }
  }

  for (const [concurrency, perWorker] of [
    [1, 1000],
    [64, 30],
  ] as const) {
    const echoSamples = await latencies(concurrency, perWorker, echoCall)
    const jwtSamples = await latencies(concurrency, perWorker, fetchJwt)
    report('FetchJWTSVID-cached', concurrency, jwtSamples, echoSamples)

    // first FetchX509SVID message; each worker has its own channel, renewed every STREAMS_PER_CHANNEL streams
    const streamsPerWorker = concurrency === 1 ? 600 : 30
    const clients = Array.from({ length: concurrency }, () => new WorkloadApiClient(`unix:${api.socketPath}`))
    await Promise.all(clients.map((c) => c.fetchJwtSvid(['bench-audience'])))
    const x509Samples: number[] = []
    await Promise.all(
      clients.map(async (_, worker) => {
        for (let i = 0; i < streamsPerWorker; i++) {
          if (i > 0 && i % STREAMS_PER_CHANNEL === 0) {
            clients[worker]!.close()
            clients[worker] = new WorkloadApiClient(`unix:${api.socketPath}`)
            await clients[worker]!.fetchJwtSvid(['bench-audience'])
          }
          const start = performance.now()
          await clients[worker]!.fetchX509Svid()
          x509Samples.push(performance.now() - start)
        }
      }),
    )
    for (const c of clients) c.close()
    const echoForX509 = await latencies(concurrency, Math.ceil(x509Samples.length / concurrency), echoCall)
    report('FetchX509SVID-first-message', concurrency, x509Samples, echoForX509)
  }

  jwtClient.close()
  echo.stop()
  await api.close()
  rmSync(dir, { recursive: true, force: true })
  return out
}

/** The real OS reads behind the attestors' hooks: procfs, files, HTTPS to the kubelet, the Docker socket. */
import { createHash } from 'node:crypto'
import { createReadStream, readFileSync, readlinkSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { DockerHooks } from './docker.js'
import type { K8sHooks } from './k8s.js'
import type { UnixHooks } from './unix.js'

const MAX_BODY_BYTES = 64 * 1024 * 1024
const REQUEST_TIMEOUT_MS = 10_000

/**
 * procfs and filesystem reads. Status, passwd, group, readlink and stat are synchronous: they are a
 * few hundred bytes from procfs or the page cache, and four thread-pool round trips per file cost
 * far more than the read (this runs on every Workload API call). Hashing streams asynchronously.
 */
export const systemUnixHooks: UnixHooks = {
  readFile: (path) => attempt(() => readFileSync(path, 'utf8')),
  readLink: (path) => attempt(() => readlinkSync(path)),
  stat: (path) =>
    attempt(() => {
      const s = statSync(path)
      return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs }
    }),
  sha256File: (path) =>
    new Promise((resolve, reject) => {
      const hash = createHash('sha256')
      createReadStream(path)
        .on('data', (chunk) => hash.update(chunk))
        .on('error', reject)
        .on('end', () => resolve(hash.digest('hex')))
    }),
}

function attempt<T>(read: () => T): Promise<T> {
  try {
    return Promise.resolve(read())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

/** Files plus HTTPS GETs with an optional CA. */
export const systemK8sHooks: K8sHooks = {
  readFile: (path) => readFile(path, 'utf8'),
  httpsGetJson: (url, options) =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method: 'GET',
          headers: { Accept: 'application/json', ...options.headers },
          rejectUnauthorized: options.rejectUnauthorized,
          ...(options.ca === undefined ? {} : { ca: options.ca }),
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          readJson(res).then(({ status, body }) => {
            if (status < 200 || status > 299) reject(new Error(`http status ${status}`))
            else resolve(body)
          }, reject)
        },
      )
      req.on('timeout', () => req.destroy(new Error('request timed out')))
      req.on('error', reject)
      req.end()
    }),
}

/** Files plus HTTP GETs over a Unix socket. */
export const systemDockerHooks: DockerHooks = {
  readFile: (path) => readFile(path, 'utf8'),
  unixGetJson: (socketPath, path) =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        { socketPath, path, method: 'GET', headers: { Accept: 'application/json', Host: 'docker' } },
        (res) => void readJson(res).then(resolve, reject),
      )
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('request timed out')))
      req.on('error', reject)
      req.end()
    }),
}

function readJson(res: IncomingMessage): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    res.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) res.destroy(new Error('response too large'))
      else chunks.push(chunk)
    })
    res.on('error', reject)
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      try {
        resolve({
          status: res.statusCode ?? 0,
          body: text === '' ? undefined : (JSON.parse(text) as unknown),
        })
      } catch (err) {
        reject(err instanceof Error ? err : new Error('invalid json'))
      }
    })
  })
}

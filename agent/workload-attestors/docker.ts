/**
 * The `docker` workload attestor: the container ID from the process's cgroup, then the Docker
 * Engine API (`GET /containers/<id>/json` over its Unix socket) for labels, image and environment.
 */
import { attestationFailed, type WorkloadAttestor } from './attestor.js'
import { parseCgroupContainer } from './cgroup.js'

/** Every OS read the docker attestor makes. */
export interface DockerHooks {
  readFile(path: string): Promise<string>
  /** GET `path` from the HTTP server on the Unix socket `socketPath`. */
  unixGetJson(socketPath: string, path: string): Promise<{ status: number; body: unknown }>
}

export interface DockerAttestorOptions {
  /** Docker Engine socket (default `/var/run/docker.sock`). */
  readonly socketPath?: string
  /** API version prefix such as `v1.43` (default: none, the daemon's own version). */
  readonly apiVersion?: string
  readonly procRoot?: string
}

interface ContainerJson {
  Image?: string
  Config?: { Image?: string; Labels?: Record<string, string> | null; Env?: string[] | null }
}

/** Selectors for `pid`; `[]` when it runs in no container. */
export async function attest(
  pid: number,
  hooks: DockerHooks,
  options: DockerAttestorOptions = {},
): Promise<string[]> {
  const cgroupPath = `${options.procRoot ?? '/proc'}/${pid}/cgroup`
  let cgroup: string
  try {
    cgroup = await hooks.readFile(cgroupPath)
  } catch (err) {
    throw attestationFailed('docker', `cannot read ${cgroupPath}`, err)
  }
  const { containerId } = parseCgroupContainer(cgroup, 'docker')
  if (containerId === undefined) return []
  const prefix = options.apiVersion ? `/${options.apiVersion}` : ''
  let reply: { status: number; body: unknown }
  try {
    reply = await hooks.unixGetJson(
      options.socketPath ?? '/var/run/docker.sock',
      `${prefix}/containers/${containerId}/json`,
    )
  } catch (err) {
    throw attestationFailed('docker', 'docker engine request failed', err)
  }
  if (reply.status !== 200) {
    throw attestationFailed('docker', `docker engine answered ${reply.status} for the container`)
  }
  const container = reply.body as ContainerJson
  const out: string[] = []
  for (const [k, v] of Object.entries(container.Config?.Labels ?? {})) out.push(`docker:label:${k}:${v}`)
  if (container.Config?.Image) out.push(`docker:image_id:${container.Config.Image}`)
  if (container.Image?.startsWith('sha256:')) out.push(`docker:image_config_digest:${container.Image}`)
  for (const env of container.Config?.Env ?? []) if (env.includes('=')) out.push(`docker:env:${env}`)
  return out
}

/** A docker attestor with fixed options. */
export function createDockerAttestor(
  hooks: DockerHooks,
  options: DockerAttestorOptions = {},
): WorkloadAttestor {
  return { type: 'docker', attest: (pid) => attest(pid, hooks, options) }
}

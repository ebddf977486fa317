/**
 * The `k8s` workload attestor: finds the process's pod and container from its cgroup, then asks the
 * kubelet's read-only pod list (`GET /pods` over HTTPS with a service-account token) who they are.
 * Retries while the kubelet has not reported the container yet (a just-started container).
 */
import type { Clock } from '../../engine/core/clock.js'
import { attestationFailed, type WorkloadAttestor } from './attestor.js'
import { parseCgroupContainer } from './cgroup.js'

/** Every OS and network read the k8s attestor makes. */
export interface K8sHooks {
  readFile(path: string): Promise<string>
  /** GET `url` over HTTPS and parse JSON; rejects on a non-2xx status. */
  httpsGetJson(
    url: string,
    options: { headers: Record<string, string>; ca?: string; rejectUnauthorized: boolean },
  ): Promise<unknown>
}

export interface K8sAttestorOptions {
  /** Kubelet base URL (default `https://127.0.0.1:10250`). */
  readonly kubeletUrl?: string
  /** Bearer token file, re-read on every attestation (default: the pod's service-account token). */
  readonly tokenPath?: string
  /** PEM CA that signed the kubelet's serving certificate. */
  readonly kubeletCaPath?: string
  /** Skip kubelet certificate verification (kubelets often serve a self-signed certificate). */
  readonly skipKubeletVerification?: boolean
  /** Attempts to find the container before failing (default 60). */
  readonly maxPollAttempts?: number
  /** Pause between attempts (default 500 ms). */
  readonly pollRetryIntervalMs?: number
  readonly procRoot?: string
}

/** Subset of a Kubernetes Pod that the attestor reads. */
interface Pod {
  metadata?: {
    name?: string
    namespace?: string
    uid?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    ownerReferences?: { kind?: string; name?: string; uid?: string }[]
  }
  spec?: {
    serviceAccountName?: string
    nodeName?: string
    containers?: unknown[]
    initContainers?: unknown[]
  }
  status?: {
    containerStatuses?: ContainerStatus[]
    initContainerStatuses?: ContainerStatus[]
    ephemeralContainerStatuses?: ContainerStatus[]
  }
}

interface ContainerStatus {
  name?: string
  image?: string
  imageID?: string
  containerID?: string
}

const DEFAULT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token'

/** Selectors for `pid`; `[]` when it runs in no pod. */
export async function attest(
  pid: number,
  hooks: K8sHooks,
  options: K8sAttestorOptions,
  clock: Clock,
): Promise<string[]> {
  const { podUid, containerId } = parseCgroupContainer(
    await readOrFail(hooks, `${options.procRoot ?? '/proc'}/${pid}/cgroup`),
    'k8s',
  )
  if (podUid === undefined) return []
  const attempts = Math.max(1, options.maxPollAttempts ?? 60)
  for (let attempt = 1; ; attempt++) {
    const pods = await listPods(hooks, options)
    const found = findPod(pods, podUid, containerId)
    if (found) return podSelectors(found.pod, found.status)
    if (attempt >= attempts) throw attestationFailed('k8s', 'the kubelet does not know the container')
    await clock.sleep(options.pollRetryIntervalMs ?? 500)
  }
}

/** A k8s attestor with fixed options. */
export function createK8sAttestor(
  hooks: K8sHooks,
  options: K8sAttestorOptions,
  clock: Clock,
): WorkloadAttestor {
  return { type: 'k8s', attest: (pid) => attest(pid, hooks, options, clock) }
}

async function readOrFail(hooks: K8sHooks, path: string): Promise<string> {
  try {
    return await hooks.readFile(path)
  } catch (err) {
    throw attestationFailed('k8s', `cannot read ${path}`, err)
  }
}

async function listPods(hooks: K8sHooks, options: K8sAttestorOptions): Promise<Pod[]> {
  const token = (await readOrFail(hooks, options.tokenPath ?? DEFAULT_TOKEN_PATH)).trim()
  const ca = options.kubeletCaPath === undefined ? undefined : await readOrFail(hooks, options.kubeletCaPath)
  const base = (options.kubeletUrl ?? 'https://127.0.0.1:10250').replace(/\/+$/, '')
  let body: unknown
  try {
    body = await hooks.httpsGetJson(`${base}/pods`, {
      headers: { Authorization: `Bearer ${token}` },
      ...(ca === undefined ? {} : { ca }),
      rejectUnauthorized: !options.skipKubeletVerification,
    })
  } catch (err) {
    throw attestationFailed('k8s', 'kubelet pod list request failed', err)
  }
  const items = (body as { items?: unknown } | null)?.items
  if (!Array.isArray(items)) throw attestationFailed('k8s', 'kubelet pod list has no items')
  return items as Pod[]
}

function findPod(
  pods: readonly Pod[],
  podUid: string,
  containerId: string | undefined,
): { pod: Pod; status?: ContainerStatus } | undefined {
  for (const pod of pods) {
    const uidMatches =
      pod.metadata?.uid === podUid || pod.metadata?.annotations?.['kubernetes.io/config.hash'] === podUid
    if (!uidMatches) continue
    if (containerId === undefined) return { pod }
    const statuses = [
      ...(pod.status?.containerStatuses ?? []),
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.ephemeralContainerStatuses ?? []),
    ]
    const status = statuses.find((s) => s.containerID?.replace(/^[a-z0-9-]+:\/\//, '') === containerId)
    if (status) return { pod, status }
  }
  return undefined
}

function podSelectors(pod: Pod, status: ContainerStatus | undefined): string[] {
  const m = pod.metadata ?? {}
  const out: string[] = []
  const add = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '') out.push(`k8s:${key}:${value}`)
  }
  add('ns', m.namespace)
  add('sa', pod.spec?.serviceAccountName)
  add('pod-name', m.name)
  add('pod-uid', m.uid)
  add('node-name', pod.spec?.nodeName)
  for (const [k, v] of Object.entries(m.labels ?? {})) add('pod-label', `${k}:${v}`)
  for (const owner of m.ownerReferences ?? []) {
    add('pod-owner', owner.kind && owner.name ? `${owner.kind}:${owner.name}` : undefined)
    add('pod-owner-uid', owner.kind && owner.uid ? `${owner.kind}:${owner.uid}` : undefined)
  }
  for (const image of imagesOf(pod.status?.containerStatuses ?? [])) add('pod-image', image)
  for (const image of imagesOf(pod.status?.initContainerStatuses ?? [])) add('pod-init-image', image)
  add('pod-image-count', String(pod.spec?.containers?.length ?? 0))
  add('pod-init-image-count', String(pod.spec?.initContainers?.length ?? 0))
  if (status) {
    add('container-name', status.name)
    for (const image of imagesOf([status])) add('container-image', image)
  }
  return out
}

/** Image and image ID of each status (SPIRE emits both so either form can be registered). */
function imagesOf(statuses: readonly ContainerStatus[]): string[] {
  const images = new Set<string>()
  for (const s of statuses) {
    if (s.imageID) images.add(s.imageID)
    if (s.image) images.add(s.image)
  }
  return [...images]
}

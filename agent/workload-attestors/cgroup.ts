/**
 * Pod UID and container ID from `/proc/<pid>/cgroup`, cgroup v1 (`12:memory:/kubepods/burstable/
 * pod<uid>/<id>`, `/docker/<id>`) and v2 (`0::/kubepods.slice/…-pod<uid>.slice/cri-containerd-<id>.scope`,
 * `/system.slice/docker-<id>.scope`, `crio-<id>.scope`, `libpod-<id>.scope`).
 */
import { attestationFailed } from './attestor.js'

/** What the cgroup paths of a process say about its container. */
export interface CgroupContainer {
  /** Kubernetes pod UID with dashes (`_` from systemd slice names turned into `-`). */
  readonly podUid?: string
  /** 64-hex container ID. */
  readonly containerId?: string
}

const POD_SEGMENT =
  /^(?:kubepods-(?:besteffort-|burstable-|guaranteed-)?)?pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32})(?:\.slice)?$/
const CONTAINER_SEGMENT = /^(?:docker-|crio-|cri-containerd-|containerd-|libpod-)?([0-9a-f]{64})(?:\.scope)?$/

/**
 * The pod UID and container ID named by the cgroup file; empty when the process is in no container.
 * Throws `ERR_WORKLOAD_ATTESTATION_FAILED` when lines disagree about the container.
 */
export function parseCgroupContainer(text: string, attestor: string): CgroupContainer {
  let podUid: string | undefined
  let containerId: string | undefined
  for (const line of text.split('\n')) {
    const first = line.indexOf(':')
    const second = line.indexOf(':', first + 1)
    if (first === -1 || second === -1) continue
    let linePod: string | undefined
    let lineContainer: string | undefined
    for (const segment of line.slice(second + 1).split('/')) {
      const pod = POD_SEGMENT.exec(segment)
      if (pod?.[1]) linePod = pod[1].replace(/_/g, '-')
      const container = CONTAINER_SEGMENT.exec(segment)
      if (container?.[1]) lineContainer = container[1]
    }
    if (lineContainer !== undefined) {
      if (containerId !== undefined && containerId !== lineContainer) {
        throw attestationFailed(attestor, 'cgroup lines name different containers')
      }
      containerId = lineContainer
    }
    if (linePod !== undefined) {
      if (podUid !== undefined && podUid !== linePod) {
        throw attestationFailed(attestor, 'cgroup lines name different pods')
      }
      podUid = linePod
    }
  }
  return {
    ...(podUid === undefined ? {} : { podUid }),
    ...(containerId === undefined ? {} : { containerId }),
  }
}

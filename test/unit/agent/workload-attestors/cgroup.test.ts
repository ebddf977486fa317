import { describe, expect, it } from 'vitest'
import { parseCgroupContainer } from '../../../../agent/workload-attestors/cgroup.js'

const ID = 'a'.repeat(32) + 'b'.repeat(32)
const UID = '2c48913c-b29f-11e7-9350-020968147796'

describe('parseCgroupContainer', () => {
  it.each([
    [
      'cgroup v1 kubepods',
      `12:memory:/kubepods/burstable/pod${UID}/${ID}\n11:cpu:/kubepods/burstable/pod${UID}/${ID}`,
      UID,
      ID,
    ],
    [
      'cgroup v2 systemd containerd',
      `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice/cri-containerd-${ID}.scope`,
      UID,
      ID,
    ],
    [
      'cgroup v2 cri-o',
      `0::/kubepods.slice/kubepods-pod${UID.replace(/-/g, '_')}.slice/crio-${ID}.scope`,
      UID,
      ID,
    ],
    ['kind (nested)', `1:name=systemd:/kubelet/kubepods/besteffort/pod${UID}/${ID}`, UID, ID],
    ['docker v1', `4:memory:/docker/${ID}\n0::/`, undefined, ID],
    ['docker v2 systemd', `0::/system.slice/docker-${ID}.scope`, undefined, ID],
    ['podman', `0::/user.slice/user-1000.slice/libpod-${ID}.scope/container`, undefined, ID],
    [
      'host process',
      '0::/user.slice/user-0.slice/session-1.scope\n4:memory:/process_api/ef05',
      undefined,
      undefined,
    ],
  ])('%s', (_name, text, podUid, containerId) => {
    expect(parseCgroupContainer(text, 'k8s')).toEqual({
      ...(podUid ? { podUid } : {}),
      ...(containerId ? { containerId } : {}),
    })
  })

  it('ignores conmon scopes and rejects lines naming different containers', () => {
    expect(parseCgroupContainer(`0::/machine.slice/crio-conmon-${ID}.scope`, 'docker')).toEqual({})
    const other = 'c'.repeat(64)
    expect(() => parseCgroupContainer(`1:cpu:/docker/${ID}\n2:memory:/docker/${other}`, 'docker')).toThrow(
      expect.objectContaining({ code: 'ERR_WORKLOAD_ATTESTATION_FAILED' }),
    )
  })
})

// The k8s attestor against a real HTTPS server answering like the kubelet's /pods endpoint.
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { attest, type K8sHooks } from '../../../../agent/workload-attestors/k8s.js'
import { systemK8sHooks } from '../../../../agent/workload-attestors/system-hooks.js'
import { FakeClock } from '../../../support/fake-clock.js'
import { FIXTURE_DIR } from '../../../fixtures/workload/fixtures.js'

const UID = '2c48913c-b29f-11e7-9350-020968147796'
const ID = '9'.repeat(64)
const CA_PATH = join(FIXTURE_DIR, 'kubelet.pem')
const TOKEN = 'kubelet-reader-token'

const pod = {
  metadata: {
    name: 'web-7d9f',
    namespace: 'prod',
    uid: UID,
    labels: { app: 'web' },
    ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d', uid: 'rs-uid' }],
  },
  spec: {
    serviceAccountName: 'web-sa',
    nodeName: 'node-1',
    containers: [{ name: 'app' }, { name: 'proxy' }],
  },
  status: {
    containerStatuses: [
      {
        name: 'app',
        image: 'ghcr.io/x/app:1',
        imageID: 'ghcr.io/x/app@sha256:11',
        containerID: `containerd://${ID}`,
      },
      {
        name: 'proxy',
        image: 'envoy:1',
        imageID: 'envoy@sha256:22',
        containerID: `containerd://${'8'.repeat(64)}`,
      },
    ],
  },
}

let server: Server
let url: string
let podList: { items: unknown[] } = { items: [] }
let authorizations: (string | undefined)[] = []

const files = (cgroup: string): Record<string, string> => ({
  '/proc/5/cgroup': cgroup,
  '/token': `${TOKEN}\n`,
  [CA_PATH]: readFileSync(CA_PATH, 'utf8'),
})

function hooks(cgroup: string): K8sHooks {
  const f = files(cgroup)
  return {
    ...systemK8sHooks,
    readFile: async (path) => {
      if (f[path] === undefined) throw new Error('ENOENT')
      return f[path]
    },
  }
}

beforeAll(async () => {
  server = createServer(
    { cert: readFileSync(CA_PATH), key: readFileSync(join(FIXTURE_DIR, 'kubelet.key.pem')) },
    (req, res) => {
      authorizations.push(req.headers.authorization)
      if (req.url !== '/pods') {
        res.statusCode = 404
        res.end()
        return
      }
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', ...podList }))
    },
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

const options = () => ({ kubeletUrl: url, tokenPath: '/token', kubeletCaPath: CA_PATH, maxPollAttempts: 3 })
const cgroupV2 = `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice/cri-containerd-${ID}.scope`

describe('k8s attestor', () => {
  it('emits pod and container selectors from the kubelet, authenticating with the token', async () => {
    podList = { items: [pod] }
    authorizations = []
    const selectors = await attest(5, hooks(cgroupV2), options(), new FakeClock())
    expect(selectors).toEqual(
      expect.arrayContaining([
        'k8s:ns:prod',
        'k8s:sa:web-sa',
        'k8s:pod-name:web-7d9f',
        `k8s:pod-uid:${UID}`,
        'k8s:pod-label:app:web',
        'k8s:pod-owner:ReplicaSet:web-7d',
        'k8s:pod-owner-uid:ReplicaSet:rs-uid',
        'k8s:node-name:node-1',
        'k8s:container-name:app',
        'k8s:container-image:ghcr.io/x/app:1',
        'k8s:container-image:ghcr.io/x/app@sha256:11',
        'k8s:pod-image:envoy:1',
        'k8s:pod-image-count:2',
      ]),
    )
    expect(selectors).not.toContain('k8s:container-name:proxy')
    expect(authorizations).toEqual([`Bearer ${TOKEN}`])
  })

  it('emits nothing for a process outside any pod', async () => {
    expect(await attest(5, hooks('0::/system.slice/sshd.service'), options(), new FakeClock())).toEqual([])
  })

  it('polls until the kubelet reports the container, then fails after maxPollAttempts', async () => {
    const clock = new FakeClock()
    podList = { items: [] }
    const pending = attest(5, hooks(cgroupV2), options(), clock)
    await clock.waitForSleepers(1)
    podList = { items: [pod] }
    clock.advance(500)
    await expect(pending).resolves.toContain('k8s:container-name:app')

    podList = { items: [] }
    const failing = attest(5, hooks(cgroupV2), options(), clock)
    for (let i = 0; i < 2; i++) {
      await clock.waitForSleepers(1)
      clock.advance(500)
    }
    await expect(failing).rejects.toMatchObject({ code: 'ERR_WORKLOAD_ATTESTATION_FAILED' })
  })

  it('refuses a kubelet whose certificate it cannot verify', async () => {
    podList = { items: [pod] }
    const { kubeletCaPath: _ca, ...noCa } = options()
    await expect(
      attest(5, hooks(cgroupV2), { ...noCa, maxPollAttempts: 1 }, new FakeClock()),
    ).rejects.toMatchObject({
      code: 'ERR_WORKLOAD_ATTESTATION_FAILED',
    })
    expect(
      await attest(5, hooks(cgroupV2), { ...noCa, skipKubeletVerification: true }, new FakeClock()),
    ).toContain('k8s:ns:prod')
  })
})

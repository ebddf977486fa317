// The docker attestor against a real HTTP server on a Unix socket answering like the Docker Engine.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { attest, type DockerHooks } from '../../../../agent/workload-attestors/docker.js'
import { systemDockerHooks } from '../../../../agent/workload-attestors/system-hooks.js'

const ID = 'd'.repeat(64)
const requests: string[] = []
let server: Server
let dir: string
let socketPath: string

const container = {
  Id: ID,
  Image: `sha256:${'e'.repeat(64)}`,
  Config: {
    Image: 'nginx:1.27',
    Labels: { app: 'web', 'com.example/tier': 'front' },
    Env: ['MODE=prod', 'PATH=/bin'],
  },
}

const hooks = (cgroup: string): DockerHooks => ({
  ...systemDockerHooks,
  readFile: async () => cgroup,
})

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-docker-'))
  socketPath = join(dir, 'docker.sock')
  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const match = /^\/(?:v[\d.]+\/)?containers\/([0-9a-f]+)\/json$/.exec(req.url ?? '')
    res.setHeader('Content-Type', 'application/json')
    if (req.method === 'GET' && match?.[1] === ID) {
      res.end(JSON.stringify(container))
    } else {
      res.statusCode = 404
      res.end(JSON.stringify({ message: `No such container: ${match?.[1] ?? ''}` }))
    }
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe('docker attestor', () => {
  it('emits labels, image_id, image_config_digest and env of the container', async () => {
    const selectors = await attest(1, hooks(`0::/system.slice/docker-${ID}.scope`), {
      socketPath,
      apiVersion: 'v1.43',
    })
    expect(selectors.sort()).toEqual(
      [
        'docker:label:app:web',
        'docker:label:com.example/tier:front',
        'docker:image_id:nginx:1.27',
        `docker:image_config_digest:sha256:${'e'.repeat(64)}`,
        'docker:env:MODE=prod',
        'docker:env:PATH=/bin',
      ].sort(),
    )
    expect(requests).toContain(`/v1.43/containers/${ID}/json`)
  })

  it('emits nothing for a process in no container and fails for an unknown container', async () => {
    expect(await attest(1, hooks('0::/user.slice/session-1.scope'), { socketPath })).toEqual([])
    await expect(
      attest(1, hooks(`4:memory:/docker/${'f'.repeat(64)}`), { socketPath }),
    ).rejects.toMatchObject({
      code: 'ERR_WORKLOAD_ATTESTATION_FAILED',
    })
    await expect(
      attest(1, hooks(`4:memory:/docker/${ID}`), { socketPath: join(dir, 'missing.sock') }),
    ).rejects.toMatchObject({ code: 'ERR_WORKLOAD_ATTESTATION_FAILED' })
  })
})

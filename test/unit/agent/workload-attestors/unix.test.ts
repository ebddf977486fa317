import { describe, expect, it } from 'vitest'
import { attest, createUnixAttestor, type UnixHooks } from '../../../../agent/workload-attestors/unix.js'

const files: Record<string, string> = {
  '/proc/42/status':
    'Name:\tapp\nUid:\t1000\t1001\t1001\t1001\nGid:\t100\t2000\t2000\t2000\nGroups:\t2000 3000 4000 \n',
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nweb:x:1001:2000::/home/web:/bin/sh\n',
  '/etc/group': 'root:x:0:\nwww-data:x:2000:\nstaff:x:3000:web\n',
}

function hooks(counter = { hashes: 0 }, overrides: Partial<UnixHooks> = {}): UnixHooks {
  return {
    readFile: async (path) => {
      const text = files[path]
      if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' })
      return text
    },
    readLink: async () => '/usr/bin/app (deleted)',
    stat: async () => ({ dev: 1, ino: 2, size: 100, mtimeMs: 3, ctimeMs: 4 }),
    sha256File: async () => {
      counter.hashes++
      return 'ab'.repeat(32)
    },
    ...overrides,
  }
}

describe('unix attestor', () => {
  it('emits effective uid/gid, names, supplementary groups, path and sha256', async () => {
    expect((await attest(42, hooks())).sort()).toEqual(
      [
        'unix:uid:1001',
        'unix:user:web',
        'unix:gid:2000',
        'unix:group:www-data',
        'unix:supplementary_gid:2000',
        'unix:supplementary_group:www-data',
        'unix:supplementary_gid:3000',
        'unix:supplementary_group:staff',
        'unix:supplementary_gid:4000',
        'unix:path:/usr/bin/app',
        `unix:sha256:${'ab'.repeat(32)}`,
      ].sort(),
    )
  })

  it('hashes an unchanged binary once, and skips path selectors or large binaries on request', async () => {
    const counter = { hashes: 0 }
    const attestor = createUnixAttestor(hooks(counter))
    await attestor.attest(42)
    await attestor.attest(42)
    expect(counter.hashes).toBe(1)
    expect(
      (await attest(42, hooks(), { discoverWorkloadPath: false })).some((s) => s.startsWith('unix:path:')),
    ).toBe(false)
    const limited = await attest(42, hooks(), { workloadSizeLimitBytes: 10 })
    expect(limited).toContain('unix:path:/usr/bin/app')
    expect(limited.some((s) => s.startsWith('unix:sha256:'))).toBe(false)
  })

  it('fails with ERR_WORKLOAD_ATTESTATION_FAILED when the process is gone', async () => {
    await expect(attest(7, hooks())).rejects.toMatchObject({ code: 'ERR_WORKLOAD_ATTESTATION_FAILED' })
  })
})

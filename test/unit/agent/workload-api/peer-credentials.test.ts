// The native addon: SO_PEERCRED of a real connected Unix socket.
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  peerCredentialsOfFd,
  readProcessStartTime,
  socketFd,
} from '../../../../agent/workload-api/peer-credentials.js'

describe('peerCredentialsOfFd', () => {
  it('returns the pid, uid and gid of the connecting process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigil-peercred-'))
    const path = join(dir, 's.sock')
    const accepted = new Promise<Socket>((resolve) => {
      const server = createServer((socket) => {
        resolve(socket)
        server.close()
      }).listen(path, () => createConnection(path))
    })
    const socket = await accepted
    try {
      const fd = socketFd(socket)
      expect(fd).toBeTypeOf('number')
      expect(peerCredentialsOfFd(fd!)).toEqual({
        pid: process.pid,
        uid: process.getuid!(),
        gid: process.getgid!(),
      })
    } finally {
      socket.destroy()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('throws with the errno name for a descriptor that is not a socket, and TypeError for a bad fd', () => {
    const fd = openSync(process.execPath, 'r')
    try {
      expect(() => peerCredentialsOfFd(fd)).toThrow(expect.objectContaining({ code: 'ENOTSOCK' }))
    } finally {
      closeSync(fd)
    }
    expect(() => peerCredentialsOfFd(-1)).toThrow(TypeError)
  })

  it('reads the start time of a live process and nothing for a missing one', () => {
    expect(readProcessStartTime(process.pid)).toMatch(/^\d+$/)
    expect(readProcessStartTime(2 ** 30)).toBeUndefined()
  })
})

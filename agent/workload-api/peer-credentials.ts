/**
 * Kernel credentials of a Unix socket peer (SO_PEERCRED through native/peercred) and the process
 * start time used to detect pid reuse.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Socket } from 'node:net'
import { projectFile } from './project-file.js'

/** What the kernel recorded about the peer when it called `connect()`. */
export interface PeerCredentials {
  readonly pid: number
  readonly uid: number
  readonly gid: number
}

interface PeercredAddon {
  getPeerCredentials(fd: number): PeerCredentials
}

let addon: PeercredAddon | undefined

function loadAddon(): PeercredAddon {
  if (!addon) {
    const require = createRequire(import.meta.url)
    addon = require(projectFile('native/peercred/build/Release/peercred.node')) as PeercredAddon
  }
  return addon
}

/** SO_PEERCRED of a connected Unix socket file descriptor; throws (errno name in `code`) on failure. */
export function peerCredentialsOfFd(fd: number): PeerCredentials {
  return loadAddon().getPeerCredentials(fd)
}

/** The file descriptor of an accepted `net.Socket` (Linux pipes expose it as `_handle.fd`). */
export function socketFd(socket: Socket): number | undefined {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } })._handle
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : undefined
}

/**
 * Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot), or `undefined` when the
 * process is gone. The comm field may contain spaces and parentheses, so parse after the last `)`.
 */
export function parseProcessStartTime(stat: string): string | undefined {
  const close = stat.lastIndexOf(')')
  if (close === -1) return undefined
  // fields after comm start at field 3 (state); starttime is field 22
  const fields = stat.slice(close + 2).split(' ')
  return fields[19]
}

/** Reads the start time of `pid` from procfs; `undefined` when the process does not exist. */
export function readProcessStartTime(pid: number, procRoot = '/proc'): string | undefined {
  try {
    return parseProcessStartTime(readFileSync(`${procRoot}/${pid}/stat`, 'latin1'))
  } catch {
    return undefined
  }
}

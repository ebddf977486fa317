/** Who is applying, for the audit log. */
import { userInfo } from 'node:os'

/** `os:<user>` of this process (`os:uid-<n>` when the user has no name). */
export function osActor(): string {
  try {
    return `os:${userInfo().username}`
  } catch {
    return `os:uid-${process.getuid?.() ?? 'unknown'}`
  }
}

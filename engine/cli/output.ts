/** Terminal helpers: colour only on a TTY and never with NO_COLOR; progress only on a TTY and not in CI. */
import type { Writable } from 'node:stream'

export interface Styler {
  readonly enabled: boolean
  red(s: string): string
  green(s: string): string
  yellow(s: string): string
  cyan(s: string): string
  bold(s: string): string
  dim(s: string): string
}

/** Colours for `stream` when it is a TTY and NO_COLOR is unset (FORCE_COLOR=1 forces them on). */
export function stylerFor(stream: Writable & { isTTY?: boolean }): Styler {
  const enabled =
    process.env['FORCE_COLOR'] === '1' ||
    (Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env['TERM'] !== 'dumb')
  const wrap = (open: number, close: number) => (s: string) =>
    enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s
  return {
    enabled,
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    bold: wrap(1, 22),
    dim: wrap(2, 22),
  }
}

/** Progress on stderr, a single rewritten line, only on an interactive terminal outside CI. */
export function progressReporter(label: string): {
  update(done: number, total?: number): void
  done(): void
} {
  const active = Boolean(process.stderr.isTTY) && !process.env['CI']
  let last = 0
  return {
    update(done, total) {
      if (!active) return
      const now = Date.now()
      if (now - last < 100) return
      last = now
      process.stderr.write(`\r${label} ${done}${total ? `/${total}` : ''}\u001b[K`)
    },
    done() {
      if (active) process.stderr.write('\r\u001b[K')
    },
  }
}

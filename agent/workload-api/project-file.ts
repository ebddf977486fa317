/** Locates files shipped beside the code (proto/, native/) from both the sources and dist/. */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/** The absolute path of `relative` in the nearest ancestor directory that has it; throws when none does. */
export function projectFile(relative: string): string {
  let dir = here
  for (;;) {
    const candidate = join(dir, relative)
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`${relative} not found above ${here}`)
    dir = parent
  }
}

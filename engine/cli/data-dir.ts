/** `--data-dir` resolution shared by commands: absolute path, created 0700 when missing. */
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'

/** The default data directory, relative to the working directory. */
export const DEFAULT_DATA_DIR = './.sigil'

/** Resolves `dir` (default `./.sigil`) to an absolute path and creates it with mode 0700 if missing. */
export async function resolveDataDir(dir: string | undefined): Promise<string> {
  const path = resolve(dir ?? DEFAULT_DATA_DIR)
  // mode applies only to directories this call creates; an existing directory is left as the operator set it
  await mkdir(path, { recursive: true, mode: 0o700 })
  return path
}

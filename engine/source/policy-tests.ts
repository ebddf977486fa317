/** Reads the policy unit tests (`*.test.yaml` / `*.test.yml`) of a plain directory. */
import { readdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { EngineError } from '../core/errors.js'
import type { SourceFile } from '../model/types.js'
import { isPolicyTestFile } from '../policy/policy-tests.js'

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Every policy test file under `dir` (or `dir/options.path`), skipping dot-directories and
 * node_modules; paths relative to `dir` with `/`, sorted.
 * @throws EngineError `ERR_SOURCE_IO` when the directory or a file cannot be read.
 */
export async function readPolicyTests(dir: string, options: { path?: string } = {}): Promise<SourceFile[]> {
  const root = resolve(dir)
  const sub = (options.path ?? '').replace(/\\/g, '/').replace(/^\.?\/+|\/+$/g, '')
  const paths: string[] = []
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') await walk(path)
      } else if (isPolicyTestFile(entry.name)) paths.push(path)
    }
  }
  try {
    await walk(sub)
    paths.sort(cmp)
    return await Promise.all(
      paths.map(async (path) => ({ path, text: await readFile(join(root, path), 'utf8') })),
    )
  } catch (err) {
    throw new EngineError(
      'ERR_SOURCE_IO',
      `cannot read policy tests in ${join(root, sub)}: ${(err as Error).message}`,
      {
        cause: err,
        data: { dir: root, path: sub },
      },
    )
  }
}

/** Reads an identity repository from a plain directory (no Git) into a `SourceSnapshot`. */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { EngineError } from '../core/errors.js'
import type { SourceFile, SourceSnapshot } from '../model/types.js'

const YAML = /\.ya?ml$/
// policy unit tests belong to `sigil policy test`, not to the repository
const POLICY_TEST = /\.test\.ya?ml$/

/** True for a repository YAML file name (not a policy test). */
export function isRepositoryYaml(name: string): boolean {
  return YAML.test(name) && !POLICY_TEST.test(name)
}

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  const entries = await readdir(join(root, rel), { withFileTypes: true })
  for (const entry of entries) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`
    let isDir = entry.isDirectory()
    let isFile = entry.isFile()
    if (entry.isSymbolicLink()) {
      // follow links to files; never into linked directories (loops)
      const target = await stat(join(root, path)).catch(() => undefined)
      isDir = false
      isFile = target?.isFile() ?? false
    }
    if (isDir) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue
      await walk(root, path, out)
    } else if (isFile && isRepositoryYaml(entry.name)) out.push(path)
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Every `*.yaml`/`*.yml` under `dir` (or `dir/options.path`), skipping dot-directories, node_modules
 * and `*.test.yaml` policy tests. Paths are relative to `dir` with `/`, sorted.
 * @throws EngineError `ERR_SOURCE_IO` when the directory cannot be read.
 */
export async function readDirectory(dir: string, options: { path?: string } = {}): Promise<SourceSnapshot> {
  const repo = resolve(dir)
  const sub = (options.path ?? '').replace(/\\/g, '/').replace(/^\.?\/+|\/+$/g, '')
  const paths: string[] = []
  try {
    const info = await stat(join(repo, sub))
    if (!info.isDirectory()) throw new Error(`${join(repo, sub)} is not a directory`)
    await walk(repo, sub, paths)
  } catch (err) {
    throw new EngineError('ERR_SOURCE_IO', `cannot read ${join(repo, sub)}: ${(err as Error).message}`, {
      cause: err,
      data: { dir: repo, path: sub },
    })
  }
  paths.sort(cmp)
  const files: SourceFile[] = []
  for (const path of paths) {
    try {
      files.push({ path, text: await readFile(join(repo, path), 'utf8') })
    } catch (err) {
      throw new EngineError('ERR_SOURCE_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err })
    }
  }
  return { repo, path: sub, files }
}

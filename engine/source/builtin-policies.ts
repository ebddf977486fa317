/** Sigil's built-in policy packs: `policies/*.yaml` of the installed package, in the same form as user policies. */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EngineError } from '../core/errors.js'
import { PROJECT_ROOT } from '../cli/version.js'
import { parseModel } from '../model/parse-model.js'
import type { PolicyObject } from '../model/types.js'
import { isRepositoryYaml } from './read-directory.js'

/** The directory holding the built-in packs. */
export const BUILTIN_POLICY_DIR = join(PROJECT_ROOT, 'policies')

/**
 * Reads and parses every built-in policy (sorted by name); `[]` when the directory does not exist.
 * @throws EngineError `ERR_MODEL_INVALID` when a built-in pack is broken (a bug in Sigil, not in the user's repository).
 */
export async function readBuiltinPolicies(dir: string = BUILTIN_POLICY_DIR): Promise<PolicyObject[]> {
  let names: string[]
  try {
    names = (await readdir(dir)).filter(isRepositoryYaml).sort()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new EngineError('ERR_SOURCE_IO', `cannot read ${dir}: ${(err as Error).message}`, { cause: err })
  }
  // file names that cannot collide with a user's policies/ directory when spans are looked up
  const files = await Promise.all(
    names.map(async (name) => ({
      path: `<sigil>/policies/${name}`,
      text: await readFile(join(dir, name), 'utf8'),
    })),
  )
  const model = parseModel({ repo: dir, path: '', files })
  const d = model.desired
  const nonPolicies = [d.scopes, d.roles, d.entries, d.nodes, d.federationBundles].reduce(
    (n, l) => n + l.length,
    0,
  )
  const first = model.diagnostics[0]
  if (first || nonPolicies > 0 || d.trustDomain) {
    const where = first?.span ? `${first.span.file}:${first.span.line}:${first.span.column}` : dir
    const why = first?.message ?? 'only kind Policy is allowed'
    throw new EngineError('ERR_MODEL_INVALID', `built-in policies are broken at ${where}: ${why}`, {
      data: { diagnostics: model.diagnostics },
    })
  }
  return [...model.desired.policies]
}

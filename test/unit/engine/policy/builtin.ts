/** Loads the built-in pack from policies/ as model objects, without the model stage. */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import type { PolicyObject } from '../../../../engine/model/types.js'
import { PROJECT_ROOT } from '../../../support/cli.js'
import { objectFrom } from './desired.js'

/** Every Policy in policies/*.yaml. */
export function builtinPolicies(): PolicyObject[] {
  const dir = join(PROJECT_ROOT, 'policies')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Record<string, unknown>),
    )
    .map((raw, i) => objectFrom(raw, i) as PolicyObject)
}

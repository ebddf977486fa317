// Golden outputs of every fixture repository under test/fixtures/lint/ (update with `vitest -u`).
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Styler } from '../../../../engine/cli/output.js'
import { renderJson } from '../../../../engine/cli/lint-output/json.js'
import { makeReport } from '../../../../engine/cli/lint-output/report.js'
import { renderText } from '../../../../engine/cli/lint-output/text.js'
import { readDirectory } from '../../../../engine/source/read-directory.js'
import { checkRepository } from '../../../../engine/validate/check-repository.js'
import { DIAGNOSTIC_CODES } from '../../../../engine/validate/codes.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/lint')
const CASES = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()
const TODAY_MS = Date.UTC(2026, 0, 1)

const plain = (s: string) => s
const NO_COLOUR: Styler = {
  enabled: false,
  red: plain,
  green: plain,
  yellow: plain,
  cyan: plain,
  bold: plain,
  dim: plain,
}

async function lintFixture(name: string) {
  const snapshot = await readDirectory(join(FIXTURES, name))
  const check = checkRepository(snapshot, { builtinPolicies: [], todayMs: TODAY_MS })
  return { check, report: makeReport(check.diagnostics, snapshot.files, check, check.desired.policies) }
}

describe('lint fixtures', () => {
  it.each(CASES)('%s matches its golden outputs', async (name) => {
    const { report } = await lintFixture(name)
    await expect(renderJson(report)).toMatchFileSnapshot(join(FIXTURES, name, '__golden__', 'lint.json'))
    await expect(renderText(report, NO_COLOUR)).toMatchFileSnapshot(
      join(FIXTURES, name, '__golden__', 'lint.txt'),
    )
  })

  it('the good repository is clean', async () => {
    const { check } = await lintFixture('good')
    expect(check.diagnostics).toEqual([])
    expect(check.files).toBe(4)
    expect(check.objects).toBe(9)
  })

  it('every diagnostic code of the model and validate stages appears in some fixture', async () => {
    const seen = new Set<string>()
    for (const name of CASES) for (const d of (await lintFixture(name)).check.diagnostics) seen.add(d.code)
    const missing = Object.keys(DIAGNOSTIC_CODES).filter((code) => !seen.has(code))
    expect(missing).toEqual([])
  })

  it('every diagnostic about an object names it and carries a path and a span', async () => {
    for (const name of CASES) {
      for (const d of (await lintFixture(name)).check.diagnostics) {
        if (d.code === 'ERR_MODEL_TRUST_DOMAIN_MISSING') continue
        expect(d.span, `${name} ${d.code}`).toBeDefined()
        expect(typeof d.path).toBe('string')
        if (
          d.code !== 'ERR_MODEL_YAML_SYNTAX' &&
          d.code !== 'ERR_SCHEMA_TYPE' &&
          d.code !== 'ERR_SCHEMA_REQUIRED'
        ) {
          expect(d.object, `${name} ${d.code}`).toMatch(/^[A-Za-z]+\/.+/)
        }
      }
    }
  })
})

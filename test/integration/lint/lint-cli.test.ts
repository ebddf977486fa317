// `sigil lint` end to end: the built CLI on fixture repositories, every format, exit codes.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Ajv04Module from 'ajv-draft-04'
import { describe, expect, it } from 'vitest'
import { runSigil } from '../../support/cli.js'
import { tempDir, writeFiles } from '../../support/git.js'

// CommonJS default export: under NodeNext the class is the module's `default`
const Ajv04 = Ajv04Module.default
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/lint')
const fixture = (name: string) => join(FIXTURES, name)

interface JsonOutput {
  diagnostics: {
    code: string
    severity: string
    file: string | null
    line: number | null
    rule: string | null
  }[]
  summary: { errors: number; warnings: number; files: number; objects: number }
}

describe('sigil lint', () => {
  it('exits 0 on a clean repository, with built-in policies', async () => {
    const r = await runSigil(['lint', fixture('good'), '--format', 'json'])
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout) as JsonOutput
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    expect(out.summary).toMatchObject({ errors: 0, files: 4, objects: 9 })
    expect(r.code).toBe(0)
  })

  it('reports every problem of every file at once and exits 1', async () => {
    const r = await runSigil(['lint', fixture('yaml-syntax'), '--format', 'json', '--no-builtin-policies'])
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout) as JsonOutput
    expect(out.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([
      ['ERR_MODEL_YAML_SYNTAX', 'a-broken.yaml', 9],
      ['ERR_MODEL_YAML_SYNTAX', 'a-broken.yaml', 14],
      ['ERR_MODEL_UNKNOWN_SCOPE', 'a-broken.yaml', 21],
      ['ERR_MODEL_SELECTOR_UNKNOWN_KEY', 'b-other.yaml', 7],
      ['ERR_MODEL_YAML_SYNTAX', 'c-tabs.yaml', 4],
    ])
    expect(out.summary).toEqual({ errors: 5, warnings: 0, files: 4, objects: 4 })
  })

  it('prints text with the source line, a caret and the hint', async () => {
    const r = await runSigil(['lint', fixture('yaml-syntax'), '--no-builtin-policies'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('b-other.yaml:7:15 error ERR_MODEL_SELECTOR_UNKNOWN_KEY ')
    expect(r.stdout).toContain(
      '  7 |   selectors: ["k8s:namespace:web"]\n    |               ^^^^^^^^^^^^^^^^^^^\n',
    )
    expect(r.stdout).toContain('hint: did you mean "k8s:ns:web"?')
    expect(r.stdout).toMatch(/\n5 errors, 0 warnings in 4 files, 4 objects\n$/)
    expect(r.stdout).not.toContain('\u001b[')
  })

  it('colours text only when asked', async () => {
    const r = await runSigil(['lint', fixture('no-trust-domain')], { env: { FORCE_COLOR: '1' } })
    expect(r.stdout).toContain('\u001b[31merror\u001b[39m')
  })

  it('emits GitHub workflow commands with escaped values', async () => {
    const dir = tempDir('sigil-lint-gh-')
    writeFiles(dir, {
      'a,b: c.yaml':
        'apiVersion: sigil/v1\nkind: Scope\nmetadata: { name: "100%" }\nspec: { descripton: x }\n',
    })
    const r = await runSigil(['lint', dir, '--format', 'github', '--no-builtin-policies'])
    expect(r.code).toBe(1)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(
      '::error title=ERR_MODEL_TRUST_DOMAIN_MISSING::the repository declares no valid TrustDomain; exactly one is required',
    )
    expect(lines).toContain(
      '::error file=a%2Cb%3A c.yaml,line=4,col=9,endLine=4,endColumn=19,title=ERR_SCHEMA_UNKNOWN_FIELD::unknown field "descripton" in "spec" (allowed: description) [Scope/100%25]%0Adid you mean "description"?',
    )
  })

  it('emits SARIF 2.1.0 that validates against the official schema', async () => {
    const r = await runSigil(['lint', fixture('entries'), '--format', 'sarif'])
    expect(r.code).toBe(1)
    const sarif = JSON.parse(r.stdout) as {
      version: string
      runs: {
        tool: { driver: { rules: { id: string }[] } }
        results: { ruleId: string; locations: unknown[] }[]
      }[]
    }
    const schema = JSON.parse(readFileSync(join(FIXTURES, 'sarif-schema-2.1.0.json'), 'utf8')) as object
    const validate = new Ajv04({ allErrors: true, strict: false }).compile(schema)
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true)
    const run = sarif.runs[0]
    expect(sarif.version).toBe('2.1.0')
    expect(run?.results.length).toBeGreaterThan(20)
    const ruleIds = new Set(run?.tool.driver.rules.map((rule) => rule.id))
    for (const result of run?.results ?? []) expect(ruleIds.has(result.ruleId)).toBe(true)
    expect(ruleIds.has('ERR_MODEL_INVALID_DNS_NAME')).toBe(true)
    expect(run?.results[0]?.locations[0]).toMatchObject({
      physicalLocation: {
        artifactLocation: { uri: 'entries.yaml', uriBaseId: '%SRCROOT%' },
        region: { startLine: 8 },
      },
    })
  })

  it('exits 1 on warnings only with --fail-on-warn', async () => {
    const dir = tempDir('sigil-lint-warn-')
    writeFiles(dir, {
      'repo.yaml': `apiVersion: sigil/v1
kind: TrustDomain
metadata: { name: example.org }
---
apiVersion: sigil/v1
kind: Policy
metadata: { name: team-label }
spec:
  severity: warning
  match: { kinds: [Scope] }
  path: /metadata
  expression: has(object.metadata.labels)
  message: scopes should say which team owns them
---
apiVersion: sigil/v1
kind: Scope
metadata: { name: read }
spec: { description: Read }
`,
    })
    const plain = await runSigil(['lint', dir, '--format', 'json', '--no-builtin-policies'])
    const out = JSON.parse(plain.stdout) as JsonOutput
    expect(out.diagnostics.map((d) => [d.code, d.severity, d.rule])).toEqual([
      ['ERR_POLICY_VIOLATION', 'warning', 'team-label'],
    ])
    expect(plain.code).toBe(0)
    expect((await runSigil(['lint', dir, '--fail-on-warn', '--no-builtin-policies'])).code).toBe(1)
  })

  it('narrows to --path and keeps paths relative to DIR', async () => {
    const r = await runSigil([
      'lint',
      fixture('good'),
      '--path',
      'workloads',
      '--format',
      'json',
      '--no-builtin-policies',
    ])
    const out = JSON.parse(r.stdout) as JsonOutput
    expect(out.summary.files).toBe(1)
    expect(out.diagnostics.map((d) => d.code)).toContain('ERR_MODEL_TRUST_DOMAIN_MISSING')
    expect(out.diagnostics.map((d) => d.file)).toContain('workloads/ml.yaml')
    expect(r.code).toBe(1)
  })

  it('exits 2 when it cannot run', async () => {
    const missing = await runSigil(['lint', join(tempDir(), 'nope')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('ERR_SOURCE_IO')
    expect(missing.stdout).toBe('')
    expect((await runSigil(['lint', fixture('good'), '--format', 'xml'])).code).toBe(2)
  })
})

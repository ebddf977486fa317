/**
 * `npm run bench lint`: end-to-end lint of a generated repository of 100,000 entries (100 files ×
 * 1,000 documents, plus a TrustDomain, nodes, 50 roles and 100 scopes): readDirectory +
 * readBuiltinPolicies + checkRepository. Baseline, same run: a bare `yaml` parseAllDocuments of the
 * same files. Target: under 10 s.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { readBuiltinPolicies } from '../../engine/source/builtin-policies.js'
import { readDirectory } from '../../engine/source/read-directory.js'
import { checkRepository } from '../../engine/validate/check-repository.js'
import { result, type BenchResult } from '../harness.js'

const FILES = 100
const PER_FILE = 1000
const ROLES = 50
const SCOPES = 100
const NODES = 10

function entryDoc(i: number): string {
  const ns = `ns-${i % 400}`
  return `---
apiVersion: sigil/v1
kind: Entry
metadata:
  name: svc-${i}
  labels: { team: team-${i % 20} }
spec:
  spiffeID: spiffe://example.org/${ns}/svc-${i}
  parentID: spiffe://example.org/nodes/cluster-${i % NODES}
  selectors: ["k8s:ns:${ns}", "k8s:sa:svc-${i}"]
  roles: [role-${i % ROLES}]
  x509SVIDTTL: 1h
  dnsNames: [svc-${i}.${ns}.svc]
`
}

function generate(root: string): void {
  let access = `apiVersion: sigil/v1
kind: TrustDomain
metadata: { name: example.org }
spec: { maxX509SVIDTTL: 24h }
`
  for (let s = 0; s < SCOPES; s++) {
    access += `---\napiVersion: sigil/v1\nkind: Scope\nmetadata: { name: "read:data-${s}" }\nspec: { description: Read data set ${s} }\n`
  }
  for (let r = 0; r < ROLES; r++) {
    access += `---\napiVersion: sigil/v1\nkind: Role\nmetadata: { name: role-${r} }\nspec:\n  scopes: ["read:data-${r}", "read:data-${r + ROLES}"]\n`
  }
  for (let n = 0; n < NODES; n++) {
    access += `---\napiVersion: sigil/v1\nkind: Node\nmetadata: { name: cluster-${n} }\nspec:\n  spiffeID: spiffe://example.org/nodes/cluster-${n}\n  selectors: ["k8s_psat:cluster:c${n}"]\n`
  }
  writeFileSync(join(root, 'access.yaml'), access)
  mkdirSync(join(root, 'entries'))
  for (let f = 0; f < FILES; f++) {
    let text = ''
    for (let d = 0; d < PER_FILE; d++) text += entryDoc(f * PER_FILE + d)
    writeFileSync(join(root, 'entries', `entries-${String(f).padStart(3, '0')}.yaml`), text)
  }
}

export default async function lintScenario(): Promise<BenchResult[]> {
  const root = mkdtempSync(join(tmpdir(), 'sigil-bench-lint-'))
  try {
    generate(root)
    const entries = FILES * PER_FILE
    let start = performance.now()
    // CPU time as well: on a shared machine wall time also measures the neighbours
    const cpuStart = process.cpuUsage()
    const snapshot = await readDirectory(root)
    const builtinPolicies = await readBuiltinPolicies()
    const check = checkRepository(snapshot, { builtinPolicies, todayMs: Date.now() })
    const seconds = (performance.now() - start) / 1000
    const cpu = process.cpuUsage(cpuStart)
    const cpuSeconds = (cpu.user + cpu.system) / 1e6
    if (check.desired.entries.length !== entries)
      throw new Error(`expected ${entries} entries, got ${check.desired.entries.length}`)
    const errors = check.diagnostics.filter((d) => d.severity === 'error')
    if (errors.length > 0)
      throw new Error(`generated repository has errors: ${errors[0]?.code} ${errors[0]?.message}`)

    start = performance.now()
    let parsed = 0
    for (const file of snapshot.files) {
      parsed += parseAllDocuments(readFileSync(join(root, file.path), 'utf8')).length
    }
    const yamlParseSeconds = (performance.now() - start) / 1000
    if (parsed < entries) throw new Error(`yaml parsed ${parsed} documents`)
    return [
      result('lint', entries / seconds, 'entries/s', entries / yamlParseSeconds, {
        seconds: Math.round(seconds * 100) / 100,
        cpuSeconds: Math.round(cpuSeconds * 100) / 100,
        entries,
        warnings: check.diagnostics.length,
        yamlParseSeconds: Math.round(yamlParseSeconds * 100) / 100,
        target: 'under 10 s',
      }),
    ]
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

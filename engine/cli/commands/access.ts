/**
 * `sigil access unused --since 30d [--patch DIR]`: the grants (SPIFFE ID, scope, via role) that no
 * allow decision exercised in the window, for principals that existed throughout it, read from the
 * server's decision log (`<data-dir>/decisions.jsonl`, docs/authz.md) and the store. `--patch DIR`
 * removes them from the repository's Role and Entry YAML (comments kept) and prints each change.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { Command } from 'commander'
import { DECISIONS_FILE, readDecisionLog, type DecisionCount } from '../../authz/decision-log.js'
import { patchGrantRemovals } from '../../authz/patch-yaml.js'
import { analyzeUnusedGrants, type UnusedAnalysis } from '../../authz/unused.js'
import { parseDurationMs } from '../../core/duration.js'
import { systemClock } from '../../platform/system-clock.js'
import { action } from '../action.js'
import { CliExit, EXIT } from '../exit.js'
import { addStoreOptions, dataDirOf, type StoreFlags, withStore } from '../store-options.js'

interface UnusedFlags extends StoreFlags {
  readonly since: string
  readonly decisions?: string
  readonly patch?: string
  readonly format: 'text' | 'json'
}

function yamlFiles(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue
      const full = join(d, e.name)
      if (e.isDirectory()) walk(full)
      else if (/\.ya?ml$/i.test(e.name))
        out.push({ path: relative(dir, full), text: readFileSync(full, 'utf8') })
    }
  }
  walk(dir)
  return out
}

function describe(a: UnusedAnalysis, since: string): string {
  const lines: string[] = []
  if (a.partialWindow)
    lines.push(`warning: the decision log starts after the window (${since}); counts may be incomplete`)
  if (a.unused.length === 0) lines.push(`no unused grants in the last ${since}`)
  else {
    lines.push(`${a.unused.length} grant(s) unused in the last ${since}:`)
    for (const u of a.unused) lines.push(`  ${u.spiffeId}  ${u.scope}  via role ${u.role}`)
  }
  if (a.needsNarrowerRole.length > 0)
    lines.push(
      `${a.needsNarrowerRole.length} of them need a narrower role (the role is partly used by that principal)`,
    )
  if (a.tooNew.length > 0) lines.push(`skipped (created inside the window): ${a.tooNew.join(', ')}`)
  return `${lines.join('\n')}\n`
}

export function register(program: Command): void {
  const access = program.command('access').description('least-privilege reports from recorded decisions')
  addStoreOptions(
    access
      .command('unused')
      .description('list grants never exercised in the window; --patch removes them from the repository YAML')
      .option('--since <duration>', 'the window, e.g. 30d', '30d')
      .option('--decisions <file>', `decision log (default <data-dir>/${DECISIONS_FILE})`)
      .option('--patch <dir>', 'edit the Role/Entry YAML under this repository directory')
      .option('--format <format>', 'text or json', 'text'),
  ).action(
    action(async (flags: UnusedFlags) => {
      const windowMs = parseDurationMs(flags.since)
      if (windowMs === undefined || windowMs <= 0)
        throw new CliExit(EXIT.other, `--since ${flags.since} is not a duration`)
      const sinceMs = systemClock.now() - windowMs
      const live = await withStore(flags, { create: false }, (store) => store.readLiveState())
      const records = readDecisionLog(flags.decisions ?? join(dataDirOf(flags), DECISIONS_FILE))
      const analysis = analyzeUnusedGrants({
        entries: live.entries,
        roles: live.roles,
        decisions: records.filter((r): r is DecisionCount => r.type === 'decision'),
        sinceMs,
      })
      const changes: string[] = []
      if (flags.patch !== undefined && analysis.removals.length > 0) {
        for (const file of patchGrantRemovals(yamlFiles(flags.patch), analysis.removals)) {
          writeFileSync(join(flags.patch, file.path), file.text)
          changes.push(...file.changes)
        }
      }
      if (flags.format === 'json')
        process.stdout.write(`${JSON.stringify({ ...analysis, patched: changes })}\n`)
      else {
        process.stdout.write(describe(analysis, flags.since))
        if (flags.patch !== undefined)
          process.stdout.write(
            changes.length > 0
              ? `patched:\n${changes.map((c) => `  ${c}`).join('\n')}\n`
              : 'nothing to patch\n',
          )
      }
      return EXIT.ok
    }),
  )
}

// Builds dist/ once per test run so tests that spawn the real CLI (bin/sigil.js) run current code.
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  if (process.env['SIGIL_SKIP_BUILD'] === '1') return
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
  try {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      { cwd: root, stdio: 'pipe' },
    )
  } catch {
    // type errors still emit JavaScript; `npm run typecheck` is where they fail the run
  }
}

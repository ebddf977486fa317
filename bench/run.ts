/**
 * `npm run bench [scenario...]`: runs every scenario in bench/scenarios (or the named ones) and prints
 * one JSON line per result on stdout.
 */
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Scenario } from './harness.js'

const dir = join(dirname(fileURLToPath(import.meta.url)), 'scenarios')
const wanted = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.js'))
  .map((f) => f.slice(0, -3))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort()

if (wanted.length > 0 && files.length !== wanted.length) {
  console.error(
    `unknown scenario; available: ${readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.slice(0, -3))
      .join(', ')}`,
  )
  process.exit(2)
}

for (const name of files) {
  const mod = (await import(pathToFileURL(join(dir, `${name}.js`)).href)) as { default: Scenario }
  for (const r of await mod.default()) console.log(JSON.stringify(r))
}

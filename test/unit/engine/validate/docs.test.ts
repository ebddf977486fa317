import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { KINDS } from '../../../../engine/model/types.js'
import { DIAGNOSTIC_CODES } from '../../../../engine/validate/codes.js'

const DOCS = join(dirname(fileURLToPath(import.meta.url)), '../../../../docs')

describe('documentation', () => {
  it('docs/lint.md explains every diagnostic code', () => {
    const text = readFileSync(join(DOCS, 'lint.md'), 'utf8')
    expect(Object.keys(DIAGNOSTIC_CODES).filter((code) => !text.includes(`| \`${code}\` |`))).toEqual([])
  })

  it('docs/repository-format.md has a section per kind', () => {
    const text = readFileSync(join(DOCS, 'repository-format.md'), 'utf8')
    expect(KINDS.filter((kind) => !text.includes(`\n## ${kind}\n`))).toEqual([])
  })
})

// The fast subset loader must agree with js-yaml on every file it accepts (and bail on the rest).
import { loadAll } from 'js-yaml'
import { describe, expect, it } from 'vitest'
import { fastLoadAll } from '../../../../engine/model/fast-yaml.js'
import { LineIndex } from '../../../../engine/model/line-index.js'
import { scanSegments } from '../../../../engine/model/load-yaml.js'
import { seededRandom } from '../../../support/seeded-random.js'

function jsYaml(text: string): unknown[] | 'error' {
  try {
    return loadAll(text)
  } catch {
    return 'error'
  }
}

function agree(text: string): 'fast' | 'bail' {
  const fast = fastLoadAll(text)
  if (!fast) return 'bail'
  const js = jsYaml(text)
  expect(js, `js-yaml rejects what the fast path accepted:\n${text}`).not.toBe('error')
  expect(fast.values, text).toEqual(js)
  expect(
    fast.segments.map(({ start, end }) => ({ start, end })),
    text,
  ).toEqual(scanSegments(text))
  const lines = new LineIndex('f.yaml', text)
  for (const seg of fast.segments) {
    expect({ file: 'f.yaml', column: 1, ...seg.span }, text).toEqual(lines.span(seg.start, seg.end))
  }
  return 'fast'
}

const ACCEPTED = [
  'a: 1\n',
  '# c\n---\napiVersion: sigil/v1\nkind: Entry\nmetadata:\n  name: x\n  labels: { team: "a b", tier: gold }\nspec:\n  selectors: ["k8s:ns:x", k8s:sa:y]\n  ttl: 1h # comment\n',
  'a:\n- x\n- "y"\nb: ~\nc:\n',
  'a:\n    b:\n        c: [1, 2, true, null, "3"]\n',
  'x: "read:training-data"\ny: \'single\'\nz: https://partner.example:8443/\n',
  '---\n---\na: {}\nb: []\n---\n',
  'a: 10%\nb: 1h30m\nc: 007x\ne: a#b\n',
  '- a\n- b # c\n',
]

const BAILS = [
  'a: &x 1\nb: *x\n',
  'a: !!str 1\n',
  'a: |\n  text\n',
  'a: "esc\\n"\n',
  "a: 'it''s'\n",
  'a: 1\na: 2\n',
  'a: 1.5\n',
  'a: 0x1F\n',
  'a: [a, [b]]\n',
  'a: b: c\n',
  'a:\n  multi\n  line\n',
  '<<: {a: 1}\n',
  'a: 1\r\n',
  'a:\tb\n',
  '%YAML 1.2\n---\na: 1\n',
  'a: 1\n...\n',
  '- a: 1\n',
  'null: 1\n',
  'a: [x,]\n',
  'a: {b: 1, b: 2}\n',
  'a: -1\n',
  'a: .5\n',
  '"quoted key": 1\n',
]

describe('fastLoadAll', () => {
  it.each(ACCEPTED)('accepts and agrees with js-yaml: %j', (text) => {
    expect(agree(text)).toBe('fast')
  })

  it.each(['a: b\u00a0\n', '\u00a0a: 1\n', 'a: [\u00a0b ]\n', 'a: "x"\u00a0\n', 'a: \u3000\n'])(
    'treats only spaces as whitespace, like js-yaml: %j',
    (text) => {
      agree(text)
    },
  )

  it.each(BAILS)('leaves unusual YAML to js-yaml: %j', (text) => {
    expect(fastLoadAll(text)).toBeUndefined()
  })

  it('agrees with js-yaml on thousands of generated documents', () => {
    const random = seededRandom(7)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random.unit() * xs.length)] as T
    // mostly ordinary tokens, sometimes tricky ones, so both paths get exercised
    const mostly = <T>(safe: readonly T[], weird: readonly T[]): T =>
      pick(random.unit() < 0.96 ? safe : weird)
    const KEYS = ['a', 'spec', 'x_y', 'app.io/name', 'k-', 'selectors', 'B2']
    const WEIRD_KEYS = ['null', 'True', '1', 'a b', '<<', '__proto__', 'a:b', 'toString', '"q"', '']
    const SCALARS = [
      'plain',
      'k8s:ns:x',
      'spiffe://e.org/a',
      '1',
      '0',
      '1h',
      '10%',
      'true',
      'False',
      'yes',
      '~',
    ]
    SCALARS.push(
      'null',
      'NULL',
      '',
      'a#c',
      '"q"',
      "'s'",
      '"a: b"',
      '"#"',
      'é',
      'a,b',
      '""',
      '" spaced "',
      'x y z',
    )
    SCALARS.push('12345678901234567', '123456789012345')
    const WEIRD = [
      '01',
      '1.5',
      '1e3',
      '0x1F',
      '0o7',
      '+1',
      '-1',
      '.5',
      '.inf',
      '.NaN',
      'a: b',
      'a #c',
      '*.x',
      '&a',
    ]
    WEIRD.push(
      '!t',
      '|',
      '>',
      '"a\\"b"',
      "'it''s'",
      'a]',
      '@x',
      '`x',
      '%x',
      '?x',
      ':x',
      '- x',
      '-x',
      'x:',
      '"open',
    )
    const FLOWS = [
      '[]',
      '{}',
      '[a, b]',
      '[ "x" , y ]',
      '{a: 1}',
      '{a: 1, b: "c d"}',
      '[a b, c]',
      '["a", \'b\']',
    ]
    FLOWS.push('[a] # c', '[x:y]', '{ team: ml, tier: "1" }')
    const WEIRD_FLOWS = [
      '[a,]',
      '[a, [b]]',
      '{a: 1, a: 2}',
      '{a:1}',
      '{ a: [1] }',
      '[1, 2.5]',
      '[a] x',
      '{a: x: y}',
    ]
    WEIRD_FLOWS.push('[a #b]', '[a, b', '{a: b}}', '[,]', '{a: b, }')
    const value = (depth: number, indent: string): string => {
      const r = random.unit()
      if (r < 0.55 || depth > 2)
        return ` ${random.unit() < 0.8 ? mostly(SCALARS, WEIRD) : mostly(FLOWS, WEIRD_FLOWS)}${random.unit() < 0.1 ? ' # note' : ''}`
      const step = pick(['  ', '    ', ' '])
      if (r < 0.75) return `\n${block(depth + 1, indent + step)}`
      const seqIndent = random.unit() < 0.3 ? indent : indent + step
      return `\n${Array.from({ length: 1 + Math.floor(random.unit() * 3) }, () => `${seqIndent}- ${mostly(SCALARS, WEIRD)}`).join('\n')}`
    }
    const block = (depth: number, indent: string): string =>
      Array.from({ length: 1 + Math.floor(random.unit() * 4) }, () => {
        const extra = random.unit() < 0.05 ? `${indent}# comment\n` : random.unit() < 0.05 ? '\n' : ''
        return `${extra}${indent}${mostly(KEYS, WEIRD_KEYS)}:${value(depth, indent)}`
      }).join('\n')
    let fast = 0
    let total = 0
    for (let n = 0; n < 4000; n++) {
      const docs = Array.from({ length: 1 + Math.floor(random.unit() * 3) }, () => block(0, ''))
      const text = (random.unit() < 0.5 ? '---\n' : '') + docs.join('\n---\n') + '\n'
      total++
      if (agree(text) === 'fast') fast++
    }
    // the generator is adversarial; a meaningful share must still take the fast path
    expect(fast).toBeGreaterThan(total / 5)
  })
})

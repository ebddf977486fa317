import { closest } from '../core/selector.js'

const letters = (s: string) => [...s.toLowerCase()].sort().join('')

/** The candidate `word` was probably meant to be: edit distance, then case or swapped letters. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  return (
    closest(word, candidates) ??
    candidates.find((c) => c.toLowerCase() === word.toLowerCase()) ??
    candidates.find((c) => c.length === word.length && letters(c) === letters(word))
  )
}

/** `did you mean "x"?` or `undefined`. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const near = suggest(word, candidates)
  return near === undefined ? undefined : `did you mean "${near}"?`
}

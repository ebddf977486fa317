import type { SourceSpan } from '../core/diagnostics.js'

/** Offsets → 1-based line/column inside one file's text; built once per file, binary search per lookup. */
export class LineIndex {
  private lazyStarts: number[] | undefined

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  // built on first use: most files of a large repository never need a position
  private get starts(): number[] {
    if (!this.lazyStarts) {
      const starts = [0]
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1)
      this.lazyStarts = starts
    }
    return this.lazyStarts
  }

  /** 1-based line and column (UTF-16 units) of a 0-based offset. */
  position(offset: number): { line: number; column: number } {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((this.starts[mid] as number) <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - (this.starts[lo] as number) + 1 }
  }

  /** The span of `[start, end)`, trailing whitespace and line breaks trimmed; never empty. */
  span(start: number, end: number): SourceSpan {
    let stop = Math.min(end, this.text.length)
    while (stop > start + 1 && /[ \t\r\n]/.test(this.text[stop - 1] as string)) stop--
    const from = this.position(start)
    const to = this.position(Math.max(stop, start + 1))
    return { file: this.file, line: from.line, column: from.column, endLine: to.line, endColumn: to.column }
  }

  /** The text of a 1-based line without its line break. */
  lineText(line: number): string {
    const start = this.starts[line - 1]
    if (start === undefined) return ''
    const next = this.starts[line]
    return this.text.slice(start, next === undefined ? undefined : next - 1).replace(/\r$/, '')
  }
}

/** Splits concatenated DER structures (Workload API `x509_svid` and `bundle` fields). PURE. */

/**
 * The DER SEQUENCEs in `data`, in order. Throws `TypeError` for bytes that are not a plain
 * concatenation of definite-length DER values.
 */
export function splitDer(data: Buffer): Buffer[] {
  const out: Buffer[] = []
  let offset = 0
  while (offset < data.length) {
    if (data.length - offset < 2) throw new TypeError('truncated der value')
    const first = data[offset + 1]!
    let length: number
    let header: number
    if (first < 0x80) {
      length = first
      header = 2
    } else {
      const bytes = first & 0x7f
      if (bytes === 0 || bytes > 4 || offset + 2 + bytes > data.length) throw new TypeError('bad der length')
      length = 0
      for (let i = 0; i < bytes; i++) length = length * 256 + data[offset + 2 + i]!
      header = 2 + bytes
    }
    const end = offset + header + length
    if (end > data.length) throw new TypeError('truncated der value')
    out.push(data.subarray(offset, end))
    offset = end
  }
  return out
}

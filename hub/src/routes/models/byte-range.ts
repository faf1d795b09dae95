/** What to send for a `Range` request header [RFC 9110 §14]. */
export type RangeAnswer =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' }

/**
 * Reads a `Range` header for a representation of `size` bytes: one `bytes=N-`, `bytes=N-M` or
 * `bytes=-N` range gives the (inclusive) bytes to send; a first byte at or past the end is
 * unsatisfiable (416). Anything else — no header, another unit, several ranges, a malformed value,
 * or an `If-Range` that does not name the current ETag — is answered with the whole file, as §14.2
 * allows a server to ignore the header.
 */
export function parseByteRange(header: string | undefined, size: number, o: { ifRange?: string | undefined; etag?: string } = {}): RangeAnswer {
  if (header === undefined) return { kind: 'full' }
  // [RFC 9110 §13.1.5] a range that is not for the validator the client holds gets the whole new file
  if (o.ifRange !== undefined && o.ifRange !== o.etag) return { kind: 'full' }
  const match = /^bytes=(\d*)-(\d*)$/i.exec(header.trim())
  if (!match) return { kind: 'full' }
  const [, first = '', last = ''] = match
  if (first === '' && last === '') return { kind: 'full' }
  if (first === '') {
    // suffix range: the last N bytes [RFC 9110 §14.1.2]
    const length = Number(last)
    if (length === 0) return { kind: 'unsatisfiable' }
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 }
  }
  const start = Number(first)
  if (last !== '' && Number(last) < start) return { kind: 'full' }
  if (start >= size) return { kind: 'unsatisfiable' }
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  return { kind: 'partial', start, end }
}

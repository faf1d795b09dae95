import { describe, expect, it } from 'vitest'
import { parseByteRange } from './byte-range.ts'

describe('parseByteRange', () => {
  it('answers one range with the inclusive bytes to send', () => {
    expect(parseByteRange('bytes=0-99', 1000)).toEqual({ kind: 'partial', start: 0, end: 99 })
    expect(parseByteRange('bytes=500-', 1000)).toEqual({ kind: 'partial', start: 500, end: 999 })
    expect(parseByteRange('bytes=900-5000', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 })
    expect(parseByteRange('bytes=-100', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 })
    expect(parseByteRange('bytes=-5000', 1000)).toEqual({ kind: 'partial', start: 0, end: 999 })
    expect(parseByteRange('bytes=999-999', 1000)).toEqual({ kind: 'partial', start: 999, end: 999 })
  })

  it('refuses a range that starts at or past the end', () => {
    expect(parseByteRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' })
    expect(parseByteRange('bytes=2000-3000', 1000)).toEqual({ kind: 'unsatisfiable' })
    expect(parseByteRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' })
  })

  it('sends the whole file for no, malformed, multiple or other-unit ranges', () => {
    for (const header of [undefined, 'bytes=', 'bytes=-', 'bytes=5-1', 'bytes=0-1,5-9', 'items=0-1', 'bytes=a-b', 'bytes 0-1']) {
      expect(parseByteRange(header, 1000), String(header)).toEqual({ kind: 'full' })
    }
  })

  it('honours If-Range: a range only for the ETag the client holds', () => {
    expect(parseByteRange('bytes=10-', 1000, { ifRange: '"abc"', etag: '"abc"' })).toEqual({ kind: 'partial', start: 10, end: 999 })
    expect(parseByteRange('bytes=10-', 1000, { ifRange: '"old"', etag: '"abc"' })).toEqual({ kind: 'full' })
  })
})

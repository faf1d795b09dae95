import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { splitLines } from './split-lines.ts'

async function lines(chunks: string[]): Promise<string[]> {
  const out: string[] = []
  for await (const l of splitLines(Readable.from(chunks.map((c) => Buffer.from(c))))) out.push(l)
  return out
}

describe('splitLines', () => {
  it('splits across chunk boundaries and handles CRLF and a missing final newline', async () => {
    expect(await lines(['a,1\r\nb,', '2\nc,3'])).toEqual(['a,1', 'b,2', 'c,3'])
  })
  it('keeps a quoted field with a newline in one record', async () => {
    expect(await lines(['"x\n', 'y",1\nz,2\n'])).toEqual(['"x\ny",1', 'z,2'])
  })
  it('decodes multi-byte UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('é,1\n')
    const out: string[] = []
    for await (const l of splitLines(Readable.from([bytes.subarray(0, 1), bytes.subarray(1)]))) out.push(l)
    expect(out).toEqual(['é,1'])
  })
})

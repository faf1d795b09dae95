import type { Readable } from 'node:stream'

/**
 * Yields the lines of a byte stream (LF or CRLF). A record whose quotes are unbalanced continues on
 * the next line, so quoted CSV fields may contain newlines.
 */
export async function* splitLines(stream: Readable, signal?: AbortSignal): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8')
  let rest = ''
  let pending = ''
  for await (const chunk of stream) {
    if (signal?.aborted) return
    const text = rest + decoder.decode(chunk as Uint8Array, { stream: true })
    let start = 0
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const line = text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl)
      start = nl + 1
      const record = pending ? `${pending}\n${line}` : line
      if (record.includes('"') && countQuotes(record) % 2 === 1) {
        pending = record
        continue
      }
      pending = ''
      yield record
    }
    rest = text.slice(start)
  }
  const last = pending ? `${pending}\n${rest}` : rest + decoder.decode()
  if (last.length > 0) yield last
}

function countQuotes(s: string): number {
  let n = 0
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++
  return n
}

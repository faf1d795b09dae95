import { createServer, get, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { EventStream } from './event-stream.ts'

let server: Server | undefined

afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((r) => server?.close(r) ?? r(undefined))
})

/** A server whose one response is an EventStream; resolves with it and the client's response. */
async function serve(o: ConstructorParameters<typeof EventStream>[1]): Promise<{ stream: EventStream; res: IncomingMessage }> {
  let stream!: EventStream
  server = createServer((_req, raw) => {
    stream = new EventStream(raw, o)
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  const res = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${port}/`, resolve))
  return { stream, res }
}

describe('EventStream', () => {
  it('frames events as server-sent events and pings while idle', async () => {
    const { stream, res } = await serve({ pingMs: 50 })
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(res.headers['cache-control']).toBe('no-cache, no-transform')
    let text = ''
    res.setEncoding('utf8').on('data', (c: string) => (text += c))
    stream.send('alert', { alert: { id: 'a1' } })
    await new Promise((r) => setTimeout(r, 200))
    expect(text).toContain('event: alert\ndata: {"alert":{"id":"a1"}}\n\n')
    expect(text).toContain(': ping\n\n')
  })

  it('cuts off a client that stops reading instead of buffering without bound', async () => {
    const ended: string[] = []
    const { stream, res } = await serve({ maxBufferedBytes: 64 * 1024, onEnd: (reason) => ended.push(reason) })
    res.pause()
    const big = { blob: 'x'.repeat(100_000) }
    for (let i = 0; i < 200 && stream.open; i++) {
      stream.send('device', big)
      await new Promise((r) => setImmediate(r))
    }
    expect(stream.open).toBe(false)
    expect(ended).toEqual(['slow-client'])
  })

  it('reports a client that goes away once', async () => {
    const ended: string[] = []
    const { stream, res } = await serve({ onEnd: (reason) => ended.push(reason) })
    res.destroy()
    await new Promise((r) => setTimeout(r, 100))
    stream.close()
    expect(ended).toEqual(['client-closed'])
  })
})

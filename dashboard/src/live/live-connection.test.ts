import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ApiError } from '../api/api-error.ts'
import { device } from '../test-fixtures.ts'
import { LiveConnection, type LiveStatus } from './live-connection.ts'
import type { LiveMessage } from './live-events.ts'

/** A stand-in for the hub's `GET /api/v1/live` on an ephemeral port (the dashboard may not depend on the hub package). */
async function sseServer(handle: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<{ server: Server; origin: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = []
  const server = createServer((req, res) => {
    requests.push(req)
    handle(req, res, requests.length)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }
}

const frame = (event: string, body: unknown) => `event: ${event}\ndata: ${JSON.stringify(body)}\n\n`

let cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn()
  cleanup = []
})

function connect(origin: string, authorization = 'Bearer ops.secret') {
  const messages: LiveMessage[] = []
  const statuses: LiveStatus[] = []
  const unauthorized: ApiError[] = []
  const connection = new LiveConnection({
    authorization,
    fetch: (url, init) => fetch(new URL(String(url), origin), init),
    random: () => 0,
    onMessage: (m) => messages.push(m),
    onStatus: (s) => statuses.push(s),
    onUnauthorized: (e) => unauthorized.push(e),
  })
  connection.start()
  cleanup.push(async () => connection.close())
  return { messages, statuses, unauthorized }
}

async function serve(handle: Parameters<typeof sseServer>[0]) {
  const s = await sseServer(handle)
  cleanup.push(() => new Promise<void>((resolve) => {
    s.server.closeAllConnections()
    s.server.close(() => resolve())
  }))
  return s
}

describe('live connection', () => {
  it('sends the token, turns live on ready, hands events on, and reconnects after the hub ends the stream', async () => {
    const { origin, requests } = await serve((_req, res, n) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(': ping\n\n')
      res.write(frame('ready', { at: n, hubVersion: '0.1.0' }))
      // an event split over two writes, and a type this dashboard does not know
      const d = frame('device', { device: device(`pi-0${n}`) })
      res.write(d.slice(0, 20))
      setTimeout(() => {
        res.write(d.slice(20))
        res.write(frame('telemetry', { telemetry: {} }))
        if (n === 1) res.end()
      }, 10)
    })
    const c = connect(origin)
    await vi.waitFor(() => expect(c.messages.filter((m) => m.type === 'ready')).toHaveLength(2), { timeout: 10_000 })
    await vi.waitFor(() => expect(c.messages).toHaveLength(4))

    expect(requests[0]?.headers.authorization).toBe('Bearer ops.secret')
    expect(requests[0]?.headers.accept).toBe('text/event-stream')
    expect(c.messages.map((m) => (m.type === 'device' ? `device ${m.body.device.id}` : m.type))).toEqual(['ready', 'device pi-01', 'ready', 'device pi-02'])
    expect(c.statuses.map((s) => s.state)).toEqual(['live', 'reconnecting', 'live'])
    expect(c.statuses[1]?.problem).toMatch(/the hub closed the live stream; retrying in 1 s/)
  })

  it("stops for good on 401 and reports the hub's message", async () => {
    const { origin, requests } = await serve((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ statusCode: 401, code: 'HUB_UNAUTHORIZED', error: 'Unauthorized', message: 'unknown or revoked operator token' }))
    })
    const c = connect(origin, 'Bearer ops.wrong')
    await vi.waitFor(() => expect(c.unauthorized).toHaveLength(1))
    expect(c.unauthorized[0]?.message).toBe('unknown or revoked operator token')
    expect(c.statuses).toEqual([])
    expect(requests).toHaveLength(1)
  })

  it("retries with the reason shown while the hub has no live stream (an older hub's 404)", async () => {
    const { origin } = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ statusCode: 404, error: 'Not Found', message: 'Route GET:/api/v1/live not found' }))
    })
    const c = connect(origin)
    await vi.waitFor(() => expect(c.statuses.length).toBeGreaterThan(0))
    expect(c.statuses[0]).toEqual({ state: 'reconnecting', problem: 'Route GET:/api/v1/live not found; retrying in 1 s' })
  })
})

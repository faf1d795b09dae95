import { createServer, request as forward, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** One request the proxy forwarded. */
export interface ProxiedRequest {
  method: string
  url: string
  /** the request's `Range` header, if any */
  range: string | undefined
  /** the upstream's status, once it answered */
  status?: number
  /** body bytes sent to the client so far */
  sent: number
}

/** A slow link in front of an HTTP server: what a device on a poor connection sees. */
export interface ThrottleProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** every request, in arrival order */
  readonly requests: readonly ProxiedRequest[]
  /**
   * From now on, lets `bytes` more bytes of throttled bodies through (all responses together), then
   * holds them until the next call; `Infinity` (the default) never holds.
   */
  allow(bytes: number): void
  close(): Promise<void>
}

/** Options of {@link startThrottleProxy}. */
export interface ThrottleProxyOptions {
  /** the server to forward to, `http://host:port` */
  target: string
  /** which responses go slowly (the others pass as they come) */
  throttle: (url: string) => boolean
  /** bytes sent per tick (default 2048) */
  chunkBytes?: number
  /** ms between ticks (default 100) */
  intervalMs?: number
}

/**
 * Starts an HTTP proxy on an ephemeral loopback port that forwards every request (method, path,
 * headers) to `target` and sends the bodies of throttled responses a chunk per tick, within the
 * byte allowance set by {@link ThrottleProxy.allow}. Records each request and its `Range` header.
 */
export async function startThrottleProxy(o: ThrottleProxyOptions): Promise<ThrottleProxy> {
  const target = new URL(o.target)
  const chunkBytes = o.chunkBytes ?? 2048
  const intervalMs = o.intervalMs ?? 100
  const requests: ProxiedRequest[] = []
  let allowance = Infinity
  let closed = false

  const server = createServer((req, res) => {
    const record: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', range: header(req.headers, 'range'), sent: 0 }
    requests.push(record)
    const upstream = forward({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (up) => {
      record.status = up.statusCode
      if (!o.throttle(record.url)) {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.on('data', (d: Buffer) => (record.sent += d.length))
        up.pipe(res)
        return
      }
      const parts: Buffer[] = []
      up.on('data', (d: Buffer) => parts.push(d))
      up.on('error', () => res.destroy())
      up.on('end', () => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        void trickle(Buffer.concat(parts), record, res)
      })
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })

  async function trickle(body: Buffer, record: ProxiedRequest, res: ServerResponse): Promise<void> {
    let offset = 0
    while (offset < body.length) {
      if (closed || res.destroyed) return
      const n = Math.min(chunkBytes, body.length - offset, allowance)
      if (n > 0) {
        allowance -= n
        res.write(body.subarray(offset, offset + n))
        offset += n
        record.sent += n
      }
      await sleep(intervalMs)
    }
    res.end()
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    allow(bytes) {
      allowance = bytes
    },
    async close() {
      closed = true
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One file served by a {@link TestOrigin}, with the faults to inject. */
export interface OriginRoute {
  body: Uint8Array
  /**
   * On the first request, send this many body bytes, then hold the response open until
   * `dropHeld()`: the test drops it once the client has written some bytes (a ReadableStream
   * that errors discards chunks not yet read, so a plain mid-body close is racy).
   */
  holdAfter?: number
  /** Answer the first `failTimes` requests with this status. */
  failStatus?: number
  failTimes?: number
  /** Answer 200 with the whole body even to a Range request. */
  ignoreRange?: boolean
  /** Send the headers, then never the body. */
  stall?: boolean
}

/** A request the origin received. */
export interface OriginRequest {
  path: string
  range: string | undefined
  status: number
}

/** A local HTTP server standing in for the upstream hosts in tests (127.0.0.1, ephemeral port). */
export interface TestOrigin {
  /** `http://127.0.0.1:<port>` */
  url: string
  requests: OriginRequest[]
  /** Drops the connections of responses held by `holdAfter`. */
  dropHeld(): void
  close(): Promise<void>
}

const ETAG = '"test-v1"'

/** Serves `routes` (path → file) with Range support (206, Content-Range, If-Range) like a CDN. */
export async function startOrigin(routes: Record<string, OriginRoute>): Promise<TestOrigin> {
  const requests: OriginRequest[] = []
  const served = new Map<string, number>()
  const held = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://origin').pathname
    const route = routes[path]
    const count = (served.get(path) ?? 0) + 1
    served.set(path, count)
    const status = route ? respond(route, count, req, res, held) : notFound(res)
    requests.push({ path, range: req.headers.range, status })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    dropHeld: () => {
      for (const res of held) res.socket?.destroy()
      held.clear()
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}

function notFound(res: ServerResponse): number {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
  return 404
}

function respond(
  route: OriginRoute,
  count: number,
  req: IncomingMessage,
  res: ServerResponse,
  held: Set<ServerResponse>,
): number {
  if (route.failStatus !== undefined && count <= (route.failTimes ?? 1)) {
    res.writeHead(route.failStatus).end()
    return route.failStatus
  }
  const size = route.body.byteLength
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
  const ifRange = req.headers['if-range']
  const partial = range !== null && !route.ignoreRange && (ifRange === undefined || ifRange === ETAG)
  const start = partial ? Number(range[1]) : 0
  if (partial && start >= size) {
    res.writeHead(416, { 'content-range': `bytes */${size}` }).end()
    return 416
  }
  const status = partial ? 206 : 200
  res.writeHead(status, {
    'content-type': 'application/octet-stream',
    'content-length': String(size - start),
    'accept-ranges': 'bytes',
    etag: ETAG,
    ...(partial ? { 'content-range': `bytes ${start}-${size - 1}/${size}` } : {}),
  })
  if (route.stall) return status
  const body = route.body.subarray(start)
  if (route.holdAfter !== undefined && count === 1) {
    res.write(body.subarray(0, route.holdAfter))
    held.add(res)
    return status
  }
  res.end(body)
  return status
}

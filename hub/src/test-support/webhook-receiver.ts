import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request the receiver got. */
export interface ReceivedHook {
  method: string
  headers: IncomingHttpHeaders
  body: string
}

/** What to answer the n-th request (0-based): a status, a status with headers, or never. */
export type HookAnswer = number | { status: number; headers: Record<string, string> } | 'hang'

export interface WebhookReceiver {
  url: string
  requests: ReceivedHook[]
  close(): Promise<void>
}

/** A real HTTP server on a loopback port that answers each webhook as `answer` says. */
export async function startWebhookReceiver(answer: (n: number) => HookAnswer): Promise<WebhookReceiver> {
  const requests: ReceivedHook[] = []
  const hanging: ServerResponse[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (d: string) => (body += d))
    req.on('end', () => {
      const a = answer(requests.length)
      requests.push({ method: req.method ?? '', headers: req.headers, body })
      if (a === 'hang') return void hanging.push(res)
      const { status, headers } = typeof a === 'number' ? { status: a, headers: {} } : a
      res.writeHead(status, headers).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks/alerts`,
    requests,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

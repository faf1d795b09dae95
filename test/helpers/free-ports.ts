import { createServer, type AddressInfo, type Server } from 'node:net'

/**
 * Loopback ports the OS hands out as free right now, all held at once so that they differ, then
 * released: for a server a test starts (or restarts) on a known port, or a port nobody listens on.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<Server>((resolve, reject) => {
      const s = createServer()
      s.once('error', reject)
      s.listen(0, '127.0.0.1', () => resolve(s))
    })),
  )
  const ports = servers.map((s) => (s.address() as AddressInfo).port)
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  return ports
}

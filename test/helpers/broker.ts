import { createServer, type AddressInfo, type Server } from 'node:net'
import { Aedes } from 'aedes'

export interface TestBroker {
  url: string
  broker: Aedes
  close(): Promise<void>
}

/** A real aedes broker on an ephemeral loopback port. */
export async function startBroker(): Promise<TestBroker> {
  const broker = await Aedes.createBroker()
  const server: Server = createServer(broker.handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `mqtt://127.0.0.1:${port}`,
    broker,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

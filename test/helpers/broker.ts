import { createServer, type AddressInfo, type Server } from 'node:net'
import { Aedes, type AuthenticateError } from 'aedes'
import { freePorts } from './free-ports.ts'

export interface TestBroker {
  url: string
  port: number
  broker: Aedes
  close(): Promise<void>
}

/** Options of {@link startBroker}. */
export interface BrokerOptions {
  /** listen on this port (default: an ephemeral one), e.g. to bring a broker back where agents expect it */
  port?: number
  /**
   * Admit only these clients, as the hub does: user name → password, and the client id must equal
   * the user name (the hub binds client id to device id). Refusals are CONNACK 4 (bad user name or password).
   */
  users?: Record<string, string>
}

/** A real aedes broker on a loopback port. */
export async function startBroker(o: BrokerOptions = {}): Promise<TestBroker> {
  const broker = await Aedes.createBroker()
  if (o.users) {
    const users = o.users
    broker.authenticate = (client, username, password, done) => {
      if (username !== undefined && users[username] === password?.toString() && client.id === username) return done(null, true)
      done(Object.assign(new Error('bad user name or password'), { returnCode: 4 }) as AuthenticateError, false)
    }
  }
  const server: Server = createServer(broker.handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    broker,
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => broker.close(() => resolve()))
        await new Promise<void>((resolve) => server.close(() => resolve()))
      })()
      return closed
    },
  }
}


/** A loopback port that nothing listens on (yet): for a broker that starts after its clients. */
export const freePort = async (): Promise<number> => (await freePorts(1))[0]!

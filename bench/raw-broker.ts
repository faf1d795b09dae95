/**
 * The baseline of the hub-ingest benchmark: a plain aedes 1.2 broker (default in-memory persistence,
 * no authentication, no hooks) on a free loopback port, in a process of its own. Prints its URL on
 * stdout when it listens; closes on SIGTERM.
 */
import { createServer, type AddressInfo } from 'node:net'
import { Aedes } from 'aedes'

const broker = await Aedes.createBroker()
const server = createServer(broker.handle)
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`raw aedes ready\n  MQTT     mqtt://127.0.0.1:${(server.address() as AddressInfo).port}\n`)
})
process.once('SIGTERM', () => {
  setTimeout(() => process.exit(0), 5000).unref()
  broker.close(() => server.close(() => process.exit(0)))
})

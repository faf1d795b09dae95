import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { build, loadHubConfig } from '@edgefleet/hub'
import { deviceTopic, examples } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import mqtt from 'mqtt'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { freePorts } from './helpers/free-ports.ts'
import { makeTestPki, type TestPki } from './helpers/tls.ts'

let pki: TestPki
let app: FastifyInstance
let dataDir: string
let ports: { http: number; mqtt: number; ws: number }
let secret: string
const clients: mqtt.MqttClient[] = []

beforeAll(() => {
  pki = makeTestPki()
})
afterAll(() => pki.close())

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ef-hub-tls-'))
  // a fixed WebSocket port, so that the agent page can name it
  const [wsPort] = await freePorts(1)
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort, httpPort: 0, logLevel: 'silent', tlsCert: pki.certFile, tlsKey: pki.keyFile }, {}) })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const broker = await app.broker.start()
  ports = { http: (app.server.address() as { port: number }).port, mqtt: broker.mqttPort!, ws: broker.wsPort! }
  secret = (await app.registry.addDevice('dev-a')).secret
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await app.close()
  rmSync(dataDir, { recursive: true, force: true })
})

/** GET over real TLS, trusting `ca`. */
function httpsGet(path: string, ca: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ports.http, path, ca, servername: 'localhost' }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject).end()
  })
}

async function connect(url: string, o: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId: 'dev-a', username: 'dev-a', password: secret, reconnectPeriod: 0, connectTimeout: 5000, ...o })
  clients.push(client)
  return client
}

/** The error a connection attempt ends with (mqtt.js rejects connectAsync with it). */
async function connectError(url: string, o: mqtt.IClientOptions = {}): Promise<Error & { code?: string }> {
  const client = mqtt.connect(url, { clientId: 'dev-a', username: 'dev-a', password: secret, reconnectPeriod: 0, connectTimeout: 3000, ...o })
  clients.push(client)
  return new Promise((resolve) => {
    client.once('error', (err) => resolve(err as Error & { code?: string }))
    client.once('close', () => resolve(Object.assign(new Error('closed without CONNACK'), { code: 'CLOSED' })))
  })
}

const prediction = (seq: number): string =>
  JSON.stringify({ ...examples.pred, deviceId: 'dev-a', seq, ts: Date.now(), items: examples.pred.items.map((p) => ({ ...p, ts: Date.now() })) })

describe('hub over TLS', () => {
  it('serves the REST API over https to a client that trusts the CA, and refuses one that does not', async () => {
    const health = await httpsGet('/healthz', pki.caPem)
    expect(health.status).toBe(200)
    await expect(httpsGet('/healthz', undefined)).rejects.toMatchObject({ code: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/) })
  })

  it('names wss in the agent page config when the page came over https', async () => {
    const config = JSON.parse((await httpsGet('/agent/config.json', pki.caPem)).body) as { mqttUrl: string | null }
    expect(config.mqttUrl).toBe(`wss://127.0.0.1:${ports.ws}/mqtt`)
  })

  it('takes a device over mqtts with the CA and stores what it publishes', async () => {
    const client = await connect(`mqtts://127.0.0.1:${ports.mqtt}`, { ca: pki.caPem, servername: 'localhost' })
    await client.publishAsync(deviceTopic('dev-a', 'pred'), prediction(1), { qos: 1 })
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-a' })).toBe(examples.pred.items.length)
  })

  it('takes a device over wss with the CA', async () => {
    const client = await connect(`wss://localhost:${ports.ws}/mqtt`, { ca: pki.caPem })
    await client.publishAsync(deviceTopic('dev-a', 'pred'), prediction(2), { qos: 1 })
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-a' })).toBe(examples.pred.items.length)
  })

  it('a client without the CA, or one reaching the hub under a name the certificate does not carry, fails its handshake', async () => {
    expect((await connectError(`mqtts://127.0.0.1:${ports.mqtt}`)).code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/)
    expect((await connectError(`mqtts://127.0.0.1:${ports.mqtt}`, { ca: await import('node:fs').then((fs) => fs.readFileSync(pki.otherCaFile, 'utf8')) })).code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/)
    expect((await connectError(`mqtts://127.0.0.1:${ports.mqtt}`, { ca: pki.caPem, servername: 'hub.example.org' })).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
    expect((await connectError(`wss://localhost:${ports.ws}/mqtt`)).message).toMatch(/unable to verify|self.signed/i)
  })

  it('plain MQTT and plain HTTP to the TLS ports get no answer they can use', async () => {
    expect((await connectError(`mqtt://127.0.0.1:${ports.mqtt}`)).code).not.toBeUndefined()
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-a' })).toBe(0)
    const status = await fetch(`http://127.0.0.1:${ports.http}/healthz`).then((r) => r.status, () => 0)
    expect(status === 0 || status >= 400).toBe(true)
  })

  it('offers TLS 1.2 and up only (default --tls-min-version)', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: ports.mqtt, ca: pki.caPem, servername: 'localhost', minVersion: 'TLSv1', maxVersion: 'TLSv1.1' })
      socket.once('secureConnect', () => resolve(`connected ${socket.getProtocol()}`))
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    })
    expect(outcome).not.toMatch(/^connected/)
  })
})

describe('TLS settings', () => {
  it('refuses a certificate without its key, and a key that is not the certificate\'s', async () => {
    expect(() => loadHubConfig({ dataDir, tlsCert: pki.certFile }, {})).toThrow(/--tls-cert and --tls-key go together/)
    expect(() => loadHubConfig({ dataDir }, { EDGEFLEET_TLS_KEY: pki.keyFile })).toThrow(/HUB_CONFIG_INVALID|go together/)
    const mismatched = loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent', tlsCert: pki.certFile, tlsKey: join(pki.dir, 'ca.key') }, {})
    await expect(build({ config: mismatched })).rejects.toMatchObject({ code: 'HUB_TLS_INVALID', message: expect.stringMatching(/key values mismatch/) })
    const missing = loadHubConfig({ dataDir, tlsCert: join(pki.dir, 'nope.crt'), tlsKey: pki.keyFile }, {})
    await expect(build({ config: missing })).rejects.toMatchObject({ code: 'HUB_TLS_INVALID', message: expect.stringMatching(/cannot read --tls-cert/) })
  })
})

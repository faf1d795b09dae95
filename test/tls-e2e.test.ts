import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteRegistry, hubPaths } from '@edgefleet/hub'
import { REPO_ROOT, dataPaths, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import { deviceTopic, examples } from '@edgefleet/protocol'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAgent, runCli } from './helpers/agent-process.ts'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'
import { gasSensorVariant } from './helpers/model-variants.ts'
import { makeTestPki, type TestPki } from './helpers/tls.ts'

/**
 * A hub process serving TLS with a certificate from a CA made in the test: an agent CLI process with
 * --ca sends predictions over mqtts and downloads a model over https; an mqtt.js client connects over
 * wss; clients without the CA, and plain MQTT, are refused; the agent without --ca stops with a coded error.
 */
let dir: string
let pki: TestPki
let hub: HubProcess
let ports: { http: number; mqtt: number; ws: number }
let token: string
const secrets = new Map<string, string>()
let agent: ChildProcess | undefined
let agentStderr = ''
const clients: mqtt.MqttClient[] = []
const gasDir = dataPaths(resolveDataDir()).gasSensor

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ef-tls-e2e-'))
  pki = makeTestPki()
  const dataDir = join(dir, 'hub')
  for (const pkg of [shippedPackageDir('gas-sensor'), gasSensorVariant(dir, '1.1.0')]) {
    const pushed = await runCli('hub/src/cli/main.ts', ['model', 'push', pkg, '--data-dir', dataDir])
    expect(pushed.code, pushed.stderr).toBe(0)
  }
  const registry = await SqliteRegistry.open(hubPaths(dataDir).registry)
  try {
    for (const id of ['tls-01', 'tls-02', 'tls-03']) secrets.set(id, (await registry.addDevice(id)).secret)
    token = `ops.${(await registry.addCredential('operator', 'ops', 'operator')).secret}`
  } finally {
    await registry.close()
  }
  const [http, mqttPort, ws] = (await freePorts(3)) as [number, number, number]
  ports = { http, mqtt: mqttPort, ws }
  hub = await startHubProcess({ dataDir, ports: [http, mqttPort, ws], extraArgs: ['--tls-cert', pki.certFile, '--tls-key', pki.keyFile] })
}, 300_000)

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  agent?.kill('SIGKILL')
  await hub?.stop('SIGKILL')
  pki?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A JSON request to the hub's REST API over TLS, trusting the test CA. */
function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ports.http, method, path, ca: pki.caPem, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => (res.statusCode! < 300 ? resolve(JSON.parse(text) as T) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))))
    })
    req.on('error', reject).end(body ? JSON.stringify(body) : undefined)
  })
}

interface DeviceView { counters: { predictions: number }; model?: { name: string; version: string } | null }

const agentArgs = (id: string, extra: string[]): string[] => [
  'run', '--model', shippedPackageDir('gas-sensor'), '--csv', join(gasDir, 'batch1.csv'), '--rate', '40', '--columns', 'gas,concentration,*',
  '--hub', `mqtts://127.0.0.1:${ports.mqtt}`, '--device-id', id, '--state-dir', join(dir, 'agents', id),
  '--hub-public-key', join(dir, 'hub', 'keys', 'model-signing.pub'), '--status-interval', '1', '--format', 'none', '--log-level', 'info', ...extra,
]

describe('TLS end to end', () => {
  it('an agent with --ca sends predictions over mqtts and downloads a model over https', async () => {
    agent = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'edge-agent/src/cli/main.ts'), ...agentArgs('tls-01', ['--ca', pki.caFile])], {
      cwd: REPO_ROOT, env: { ...process.env, EDGEFLEET_DEVICE_SECRET: secrets.get('tls-01') }, stdio: ['ignore', 'ignore', 'pipe'],
    })
    agent.stderr!.setEncoding('utf8').on('data', (d: string) => (agentStderr += d))
    await expect.poll(async () => (await api<DeviceView>('GET', '/api/v1/devices/tls-01')).counters.predictions, { timeout: 120_000, interval: 500 }).toBeGreaterThan(0)
    // the desired state names https download URLs (the default publicUrl follows TLS)
    const desired = await api<{ active: { url: string } | null }>('PUT', '/api/v1/devices/tls-01/desired', { model: 'gas-sensor@1.1.0' })
    expect(desired.active?.url).toMatch(/^https:\/\/127\.0\.0\.1:/)
    await expect.poll(async () => (await api<DeviceView>('GET', '/api/v1/devices/tls-01')).model?.version, { timeout: 120_000, interval: 500 }).toBe('1.1.0')
    expect(agentStderr).not.toMatch(/AGENT_HUB_TLS_FAILED/)
  }, 300_000)

  it('an mqtt.js client with the CA connects over wss; without it, or over plain MQTT, it is refused', async () => {
    // a generous CONNACK wait: the hub shares two cores with the agent of the test before
    const options = { clientId: 'tls-02', username: 'tls-02', password: secrets.get('tls-02'), reconnectPeriod: 0, connectTimeout: 30_000 }
    const wss = await mqtt.connectAsync(`wss://localhost:${ports.ws}/mqtt`, { ...options, ca: pki.caPem })
    clients.push(wss)
    const item = { ...examples.pred.items[0]!, ts: Date.now() }
    await wss.publishAsync(deviceTopic('tls-02', 'pred'), JSON.stringify({ ...examples.pred, deviceId: 'tls-02', seq: 1, ts: Date.now(), items: [item] }), { qos: 1 })
    expect((await api<DeviceView>('GET', '/api/v1/devices/tls-02')).counters.predictions).toBe(1)
    await wss.endAsync()

    const refused = async (url: string, o: mqtt.IClientOptions = {}): Promise<string> => {
      const c = mqtt.connect(url, { ...options, ...o })
      clients.push(c)
      return new Promise((resolve) => {
        c.once('error', (err: Error & { code?: unknown }) => resolve(String(err.code ?? err.message)))
        c.once('close', () => resolve('closed'))
      })
    }
    expect(await refused(`mqtts://127.0.0.1:${ports.mqtt}`)).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/)
    expect(await refused(`wss://localhost:${ports.ws}/mqtt`)).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|unable to verify|self.signed/i)
    expect(await refused(`mqtt://127.0.0.1:${ports.mqtt}`)).not.toBe('connected')
  }, 120_000)

  it('an agent without --ca stops with AGENT_HUB_TLS_FAILED, saying to give the CA', async () => {
    const r = await runAgent(agentArgs('tls-03', []), { env: { EDGEFLEET_DEVICE_SECRET: secrets.get('tls-03') } })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/AGENT_HUB_TLS_FAILED/)
    expect(r.stderr).toMatch(/--ca FILE/)
  }, 120_000)

  it('the edgefleet CLI reaches the https API with NODE_EXTRA_CA_CERTS, and says what to do without it', async () => {
    const env = { EDGEFLEET_TOKEN: token, EDGEFLEET_HUB_API: `https://127.0.0.1:${ports.http}` }
    const withCa = await runCli('hub/src/cli/main.ts', ['rollout', 'list', '--json'], { env: { ...env, NODE_EXTRA_CA_CERTS: pki.caFile } })
    expect(withCa.code, withCa.stderr).toBe(0)
    const without = await runCli('hub/src/cli/main.ts', ['rollout', 'list', '--json'], { env })
    expect(without.code).not.toBe(0)
    expect(without.stderr).toMatch(/HUB_TLS_UNTRUSTED|NODE_EXTRA_CA_CERTS/)
    expect(readFileSync(pki.caFile, 'utf8')).toContain('BEGIN CERTIFICATE')
  }, 120_000)
})

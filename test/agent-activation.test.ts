import { generateKeyPairSync, sign } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import mqtt from 'mqtt'
import { RUN_DEFAULTS, startAgent, type RunConfig } from '@edgefleet/edge-agent'
import { shippedPackageDir, signingKeyId } from '@edgefleet/models'
import { decodeChannel, deviceTopic, encodeChannel, parseDeviceTopic, signedPayload, type DeployEvent, type Desired, type Manifest, type Status } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { startBroker } from './helpers/broker.ts'
import { liveSource } from './helpers/live-source.ts'

const DEVICE = 'pi-07'
const SECRET = 'agent-activation-secret'
const USERS = { [DEVICE]: SECRET, observer: 'observer-secret' }

const cleanup: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

/** The shipped package as version 2.0.0, signed by a key made as the hub makes its own. */
function signedV2(): { manifest: Manifest; onnx: Buffer; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const dir = shippedPackageDir('gas-sensor')
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest
  manifest.version = '2.0.0'
  const expiresAt = Date.now() + 86_400_000
  const payload = signedPayload({ name: manifest.name, version: manifest.version, sha256: manifest.model.sha256, expiresAt })
  manifest.signature = { alg: 'ed25519', keyId: signingKeyId(publicKeyPem), expiresAt, value: sign(null, Buffer.from(payload), privateKey).toString('base64') }
  return { manifest, onnx: readFileSync(join(dir, manifest.model.file)), publicKeyPem }
}

/** The hub's download endpoint, reduced to what the agent uses: Basic auth and two files. */
async function modelServer(files: Record<string, Buffer>): Promise<string> {
  const auth = `Basic ${Buffer.from(`${DEVICE}:${SECRET}`).toString('base64')}`
  const server = createServer((req, res) => {
    const body = files[req.url ?? '']
    if (req.headers.authorization !== auth || !body) return void res.writeHead(req.headers.authorization !== auth ? 401 : 404).end('{}')
    res.writeHead(200, { 'content-length': body.length }).end(body)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanup.push(() => new Promise((r) => server.close(r)))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('startAgent with a hub', () => {
  it('activates the desired version while serving, reports every step and the new model in status, and restarts on it', async () => {
    const broker = await startBroker({ users: USERS })
    cleanup.push(() => broker.close())
    const v2 = signedV2()
    const base = await modelServer({ '/m/manifest.json': Buffer.from(JSON.stringify(v2.manifest)), '/m/model.onnx': v2.onnx })
    const dir = mkdtempSync(join(tmpdir(), 'ef-activation-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'hub.pub'), v2.publicKeyPem)

    const observer = await mqtt.connectAsync(broker.url, { clientId: 'observer', username: 'observer', password: USERS.observer })
    cleanup.push(() => observer.endAsync())
    const events: DeployEvent[] = []
    const statuses: Status[] = []
    observer.on('message', (topic, payload) => {
      const channel = parseDeviceTopic(topic)?.channel
      if (channel === 'events') {
        const e = decodeChannel('events', payload).event
        if (e.type === 'deploy') events.push(e)
      } else if (channel === 'status') statuses.push(decodeChannel('status', payload))
    })
    await observer.subscribeAsync([deviceTopic(DEVICE, 'events'), deviceTopic(DEVICE, 'status')], { qos: 1 })
    const desired: Desired = {
      v: 1, ts: Date.now(), generation: 3, rollback: false, rolloutId: 'r-7',
      active: { name: 'gas-sensor', version: '2.0.0', sha256: v2.manifest.model.sha256, size: v2.onnx.length, url: `${base}/m/model.onnx`, manifestUrl: `${base}/m/manifest.json`, signature: v2.manifest.signature! },
    }
    await observer.publishAsync(deviceTopic(DEVICE, 'desired'), encodeChannel('desired', desired), { qos: 1, retain: true })

    const config: RunConfig = { ...RUN_DEFAULTS, model: 'gas-sensor', hub: broker.url, deviceId: DEVICE, secret: SECRET, stateDir: join(dir, 'state'), hubPublicKey: join(dir, 'hub.pub'), statusInterval: 1, batchSize: 8, logLevel: 'silent' }
    const agent = await startAgent(config, { sources: [liveSource(v2.manifest)] })
    cleanup.push(() => (agent.stop(), agent.done.catch(() => {})))
    expect(agent.served().version).toBe('1.0.0')
    await expect.poll(() => events.at(-1)?.step, { timeout: 60_000 }).toBe('active')
    expect(events.filter((e) => e.state !== 'progress').map((e) => `${e.step} ${e.state}`)).toEqual([
      'received succeeded', 'download started', 'download succeeded', 'verify-digest started', 'verify-digest succeeded',
      'verify-signature started', 'verify-signature succeeded', 'load started', 'load succeeded', 'self-test started', 'self-test succeeded',
      'swap started', 'swap succeeded', 'active succeeded',
    ])
    expect(events.every((e) => e.rolloutId === 'r-7' && e.generation === 3)).toBe(true)
    expect(agent.served().version).toBe('2.0.0')
    // the status names the served model and its health since it was loaded
    await expect.poll(() => statuses.findLast((s) => s.model?.version === '2.0.0' && (s.counters?.inferenceRuns ?? 0) > 0), { timeout: 60_000 }).toBeDefined()
    const status = statuses.findLast((s) => s.model?.version === '2.0.0')!
    expect(status).toMatchObject({ model: { name: 'gas-sensor', version: '2.0.0', sha256: v2.manifest.model.sha256 }, counters: { inferenceErrors: 0 } })
    agent.stop()
    const stats = await agent.done
    expect(stats.failedReadings).toBe(0)
    expect(agent.report().model.version).toBe('2.0.0')

    // a restart serves 2.0.0 from the store, and the re-delivered retained desired state does nothing
    const seen = events.length
    const again = await startAgent({ ...config, model: 'gas-sensor' }, { sources: [liveSource(v2.manifest)] })
    cleanup.push(() => (again.stop(), again.done.catch(() => {})))
    expect(again.served().version).toBe('2.0.0')
    await once(again.link!, 'desired')
    await again.deployer!.idle()
    again.stop()
    await again.done
    expect(events.length).toBe(seen)
  })
})

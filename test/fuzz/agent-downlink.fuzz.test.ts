import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import type { PublishPacket } from 'aedes'
import { RUN_DEFAULTS, startAgent, type AgentHandle } from '@edgefleet/edge-agent'
import { signingKeyId } from '@edgefleet/models'
import { decodeChannel, deviceTopic, examples, signedPayload, type DeployEvent, type Desired, type Manifest } from '@edgefleet/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBroker, type TestBroker } from '../helpers/broker.ts'
import { liveSource } from '../helpers/live-source.ts'
import { malformedPayload, type Malformed } from './malformed.ts'
import { damagedPackage, intactPackage, sha256, type DamagedPackage } from './package-mutations.ts'

/**
 * Property-based fuzzing of a running agent's downlink: generated malformed `desired` and `cmd`
 * messages, published through a real broker as the hub publishes them, and schema-valid, correctly
 * signed desired states whose model packages (served by a local HTTP server) are damaged. The agent
 * must keep serving its current model, count every invalid message, refuse every damaged package
 * with a coded deploy event, and never swap to it.
 */

const SEED = 20_261_131
const DEVICE = 'fuzz-agent'
const SECRET = 'fuzz-agent-secret'
const PER_CHANNEL = 1500
const DAMAGED = 70

let broker: TestBroker
let agent: AgentHandle
let dir: string
let privateKey: KeyObject
let publicKeyPem: string
let base: string
const files = new Map<string, Buffer>()
const events: DeployEvent[] = []
const counts: Record<string, number> = {}
const tally = (category: string, n = 1): void => void (counts[category] = (counts[category] ?? 0) + n)
const closers: (() => Promise<unknown> | void)[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ef-fuzz-agent-'))
  const pair = generateKeyPairSync('ed25519')
  privateKey = pair.privateKey
  publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  writeFileSync(join(dir, 'hub.pub'), publicKeyPem)
  broker = await startBroker({ users: { [DEVICE]: SECRET } })
  closers.push(() => broker.close())
  // the hub's artifact endpoint, reduced to what the agent uses: Basic auth and the files of each generation
  const auth = `Basic ${Buffer.from(`${DEVICE}:${SECRET}`).toString('base64')}`
  const server = createServer((req, res) => {
    const body = files.get(req.url ?? '')
    if (req.headers.authorization !== auth || !body) return void res.writeHead(req.headers.authorization !== auth ? 401 : 404).end('{}')
    res.writeHead(200, { 'content-length': body.length }).end(body)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => new Promise((r) => server.close(r)))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const pkg = intactPackage()
  agent = await startAgent(
    { ...RUN_DEFAULTS, model: 'gas-sensor', hub: broker.url, deviceId: DEVICE, secret: SECRET, stateDir: join(dir, 'state'), hubPublicKey: join(dir, 'hub.pub'), statusInterval: 1, batchSize: 8, logLevel: 'silent' },
    { sources: [liveSource(pkg.manifest)], onDeployEvent: (e) => events.push(e), download: { attempts: 1 } },
  )
  closers.push(() => (agent.stop(), agent.done.catch(() => {})))
  await until(() => agent.link!.connected && agent.stats.predictions > 0)
  // connected is not yet subscribed: a message published before the SUBACK reaches nobody, so probe until one is counted
  await until(() => {
    if (agent.link!.figures().invalidDownlink > 0) return true
    void publish('cmd', Buffer.from('probe'))
    return false
  })
  tally('cmd:readiness-probe', agent.link!.figures().invalidDownlink)
}, 120_000)

/** Resolves once `ready()` holds (the hook's own timeout bounds the wait). */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 20))
}

afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c()
  rmSync(dir, { recursive: true, force: true })
  console.log(`agent-downlink fuzz inputs by category: ${JSON.stringify(counts)}; total ${Object.values(counts).reduce((a, b) => a + b, 0)}`)
})

/** Publishes as the hub does: from the broker itself, QoS 1, not retained. */
function publish(channel: 'desired' | 'cmd', payload: Uint8Array): Promise<void> {
  const packet = { cmd: 'publish', topic: deviceTopic(DEVICE, channel), payload: Buffer.from(payload), qos: 1, retain: false, dup: false } as PublishPacket
  return new Promise((resolve, reject) => broker.broker.publish(packet, (err) => (err ? reject(err) : resolve())))
}

const isValid = (channel: 'desired' | 'cmd', bytes: Uint8Array): boolean => {
  try {
    decodeChannel(channel, bytes)
    return true
  } catch {
    return false
  }
}

describe('a running agent under generated malformed downlink messages', () => {
  it('counts every invalid desired and cmd message and keeps serving its model', async () => {
    const before = agent.link!.figures().invalidDownlink
    const predictionsBefore = agent.stats.predictions
    let sent = 0
    for (const [c, channel] of (['desired', 'cmd'] as const).entries()) {
      // an empty payload clears a retained message (not an error), and a valid one is no malformed input
      const malformed = malformedPayload(examples[channel]).filter((m: Malformed) => m.bytes.length > 0 && !isValid(channel, m.bytes))
      await fc.assert(
        fc.asyncProperty(malformed, async (m) => {
          await publish(channel, m.bytes)
          tally(`${channel}:${m.category}`)
          sent++
        }),
        { seed: SEED + c, numRuns: PER_CHANNEL },
      )
    }
    await expect.poll(() => agent.link!.figures().invalidDownlink - before, { timeout: 60_000 }).toBe(sent)
    expect(sent).toBe(2 * PER_CHANNEL)
    expect(agent.served().version).toBe('1.0.0')
    expect(events).toEqual([])
    await expect.poll(() => agent.stats.predictions, { timeout: 30_000 }).toBeGreaterThan(predictionsBefore)
    expect(agent.link!.connected).toBe(true)
  }, 240_000)

  it('refuses every damaged model package a signed desired state points at, with a coded event, and never swaps', async () => {
    const pkg = intactPackage()
    const v2 = { ...pkg, manifest: { ...pkg.manifest, version: '2.0.0' } }
    const outcomes: Record<string, number> = {}
    let generation = 100
    /** Publishes a signed desired state for this package and resolves with the activation's last event. */
    const activate = async (d: Pick<DamagedPackage, 'manifest' | 'onnx'>): Promise<DeployEvent> => {
      const gen = ++generation
      files.set(`/g${gen}/manifest.json`, d.manifest)
      files.set(`/g${gen}/model.onnx`, d.onnx)
      let claimed: { sha256?: unknown; size?: unknown } | undefined
      try {
        claimed = (JSON.parse(d.manifest.toString('utf8')) as Manifest).model
      } catch {
        claimed = undefined
      }
      const digest = typeof claimed?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(claimed.sha256) ? claimed.sha256 : sha256(d.onnx)
      const expiresAt = Date.now() + 86_400_000
      const signature = {
        alg: 'ed25519' as const, keyId: signingKeyId(publicKeyPem), expiresAt,
        value: sign(null, Buffer.from(signedPayload({ name: 'gas-sensor', version: '2.0.0', sha256: digest, expiresAt })), privateKey).toString('base64'),
      }
      const desired: Desired = {
        v: 1, ts: Date.now(), generation: gen, rollback: false,
        active: { name: 'gas-sensor', version: '2.0.0', sha256: digest, size: Math.max(1, d.onnx.length), url: `${base}/g${gen}/model.onnx`, manifestUrl: `${base}/g${gen}/manifest.json`, signature },
      }
      const done = new Promise<DeployEvent>((resolve) => {
        const timer = setInterval(() => {
          const last = events.findLast((e) => e.generation === gen && (e.state === 'failed' || e.step === 'active'))
          if (last) (clearInterval(timer), resolve(last))
        }, 10)
      })
      await publish('desired', Buffer.from(JSON.stringify(desired)))
      const last = await done
      await agent.deployer!.idle()
      return last
    }
    // categories that may leave a working model (a flipped bit in a name or a description, a field the schema
    // allows) are left out: every package here must be refused
    const mustFail = damagedPackage(v2).filter((d) => !['onnx-bitflip-rehashed', 'manifest-bitflip', 'manifest-field-mutation'].includes(d.category))
    await fc.assert(
      fc.asyncProperty(mustFail, async (d) => {
        const last = await activate(d)
        tally(`package:${d.category}`)
        outcomes[`${last.step} ${last.state} ${last.code ?? ''}`] = (outcomes[`${last.step} ${last.state} ${last.code ?? ''}`] ?? 0) + 1
        if (last.state !== 'failed' || !last.code) throw new Error(`${d.category}: the agent ended with ${JSON.stringify(last)}`)
        return agent.served().version === '1.0.0'
      }),
      { seed: SEED + 10, numRuns: DAMAGED, endOnFailure: true },
    )
    console.log(`agent-downlink damaged packages, last event by step and code: ${JSON.stringify(outcomes)}`)
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(DAMAGED)
    // still serving, and still able to take a good version after all that
    const predictions = agent.stats.predictions
    await expect.poll(() => agent.stats.predictions, { timeout: 30_000 }).toBeGreaterThan(predictions)
    const good = await activate({ manifest: Buffer.from(JSON.stringify(v2.manifest)), onnx: v2.onnx })
    expect(`${good.step} ${good.state}`).toBe('active succeeded')
    expect(agent.served().version).toBe('2.0.0')
  }, 240_000)
})

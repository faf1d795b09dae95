import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { build, hubPaths, loadHubConfig, SqliteRegistry } from '@edgefleet/hub'
import { dataPaths, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import {
  deviceTopic, encodeChannel, modelArtifactPaths, signedPayload,
  type Desired, type DeviceDeployment, type Manifest, type ModelTarget,
} from '@edgefleet/protocol'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startAgent, type AgentChild } from './helpers/agent-child.ts'
import { runCli } from './helpers/agent-process.ts'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'
import { gasSensorVariant } from './helpers/model-variants.ts'
import { startThrottleProxy, type ThrottleProxy } from './helpers/throttle-proxy.ts'

/**
 * A device refuses a model it must not trust, and survives a kill -9 in the middle of an activation:
 * real agent processes replaying the gas-sensor data, a hub process (its downloads behind a throttling
 * proxy, so a kill lands mid-transfer), and an in-process hub for desired states only a compromised or
 * buggy hub would send. Every case reads what the device reported to the hub (REST) and what it serves.
 */
const gasDir = dataPaths(resolveDataDir()).gasSensor
const DEVICES = ['pi-tampered', 'pi-other-key', 'pi-kill-download', 'pi-kill-swap', 'pi-authority']
/** ~160 s of readings at 20 a second: longer than any case */
const CSV = [1, 2, 3].flatMap((b) => ['--csv', join(gasDir, `batch${b}.csv`)])
const WAIT_MS = 90_000

let root: string
/** a hub data directory with gas-sensor 1.0.0 (shipped), 1.1.0 and 1.2.0 registered, copied by each hub */
let registered: string
const manifests = new Map<string, Manifest>()
const cleanup: (() => Promise<unknown> | void)[] = []

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ef-activation-crash-'))
  registered = join(root, 'registered')
  for (const pkg of [shippedPackageDir('gas-sensor'), gasSensorVariant(root, '1.1.0'), gasSensorVariant(root, '1.2.0')]) {
    const pushed = await runCli('hub/src/cli/main.ts', ['model', 'push', pkg, '--data-dir', registered])
    expect(pushed.code, pushed.stderr).toBe(0)
    const manifest = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8')) as Manifest
    manifests.set(manifest.version, manifest)
  }
})

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true })
})

/** What the tests need of a hub, process or in-process. */
interface Hub {
  httpUrl: string
  mqttUrl: string
  dataDir: string
  token: string
  secrets: Map<string, string>
}

/** A copy of the registered data directory with the devices and an operator token added. */
async function hubDataDir(name: string): Promise<Omit<Hub, 'httpUrl' | 'mqttUrl'>> {
  const dataDir = join(root, name)
  cpSync(registered, dataDir, { recursive: true })
  const registry = await SqliteRegistry.open(hubPaths(dataDir).registry)
  const secrets = new Map<string, string>()
  try {
    for (const id of DEVICES) secrets.set(id, (await registry.addDevice(id)).secret)
    return { dataDir, secrets, token: `ops.${(await registry.addCredential('operator', 'ops', 'operator')).secret}` }
  } finally {
    await registry.close()
  }
}

async function api<T>(hub: Hub, method: 'GET' | 'PUT', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${hub.httpUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${hub.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`)
  return JSON.parse(text) as T
}

const deployment = (hub: Hub, id: string) => api<DeviceDeployment>(hub, 'GET', `/devices/${id}/deployment`)
const putDesired = (hub: Hub, id: string, model: string) => api<Desired>(hub, 'PUT', `/devices/${id}/desired`, { model })

/** Polls `probe` until it returns something; fails naming `what` (and the last thing seen) after a generous bound. */
async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, seen?: () => unknown): Promise<T> {
  const end = Date.now() + WAIT_MS
  for (;;) {
    const got = await probe()
    if (got !== undefined) return got
    if (Date.now() > end) throw new Error(`${what}: not within ${WAIT_MS / 1000} s; last seen ${JSON.stringify(seen?.() ?? null)}`)
    await sleep(200)
  }
}

/** How the activation of `generation` ended, as the device reported it: its failed step, or `active` succeeded. */
async function outcome(hub: Hub, id: string, generation: number): Promise<DeviceDeployment['deployments'][number]> {
  let last: DeviceDeployment | undefined
  return until(`${id} to finish generation ${generation}`, async () => {
    last = await deployment(hub, id)
    const row = last.deployments.find((d) => d.role === 'active' && d.generation === generation)
    return row && (row.state === 'failed' || (row.step === 'active' && row.state === 'succeeded')) ? row : undefined
  }, () => last)
}

/**
 * The model the device serves, from its status messages received after `since`: two in a row on the
 * same model, the second with more inference runs (predictions flow).
 */
async function serving(hub: Hub, id: string, since: number): Promise<string> {
  let prev: NonNullable<DeviceDeployment['health']> | undefined
  let last: DeviceDeployment['health'] | undefined
  const found = await until(`${id} to predict on a model`, async () => {
    const h = (last = (await deployment(hub, id)).health)
    if (!h?.online || h.at <= since || !h.model || h.inferenceRuns === undefined || (prev && h.at === prev.at)) return undefined
    const flowing = prev !== undefined && prev.model!.sha256 === h.model.sha256 && h.inferenceRuns > prev.inferenceRuns!
    prev = h
    return flowing ? h : undefined
  }, () => last)
  return `${found.model!.name}@${found.model!.version}`
}

/** `edgefleet-agent run` as a real process, on the shipped gas-sensor 1.0.0, connected to `hub`. */
function runAgent(hub: Hub, id: string, o: { stateDir: string; publicKey?: string }): AgentChild {
  const agent = startAgent([
    'run', '--model', 'gas-sensor', ...CSV, '--columns', 'gas,concentration,*', '--label-column', 'gas', '--rate', '20',
    '--hub', hub.mqttUrl, '--device-id', id, '--state-dir', o.stateDir, '--hub-public-key', o.publicKey ?? join(hub.dataDir, 'keys', 'model-signing.pub'),
    '--status-interval', '1', '--format', 'none', '--log-level', 'debug',
  ], { env: { EDGEFLEET_DEVICE_SECRET: hub.secrets.get(id)! } })
  cleanup.push(() => agent.stop())
  return agent
}

type LogEntry = Record<string, unknown> & { msg?: string }

/** The agent's JSON log lines (stderr) so far. */
function logOf(agent: AgentChild): LogEntry[] {
  return agent.stderr.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return []
    try {
      return [JSON.parse(line) as LogEntry]
    } catch {
      return []
    }
  })
}

/** The model the agent loaded on start (its first `model loaded and self-tested` line). */
const startedOn = (agent: AgentChild): Promise<string> =>
  until('the agent to load its model', () => logOf(agent).find((e) => e.msg === 'model loaded and self-tested')?.model as string | undefined, () => agent.stderr.slice(-2000))

/** SIGKILLs the agent the moment it logs a line `match` accepts; resolves with that line. */
function sigkillOn(agent: AgentChild, match: (e: LogEntry) => boolean): Promise<LogEntry> {
  return new Promise((resolve) => {
    let buffered = ''
    const onData = (d: string): void => {
      buffered += d
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        let entry: LogEntry
        try {
          entry = JSON.parse(line) as LogEntry
        } catch {
          continue
        }
        if (match(entry)) {
          agent.child.kill('SIGKILL')
          agent.child.stderr!.off('data', onData)
          return resolve(entry)
        }
      }
    }
    agent.child.stderr!.on('data', onData)
  })
}

async function killed(agent: AgentChild): Promise<void> {
  if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL')
  await agent.exited
  expect(agent.child.signalCode).toBe('SIGKILL')
}

/** Bytes of the partly downloaded ONNX file (`*.part`) in the agent's model store, if any. */
function partialDownload(stateDir: string): number | undefined {
  const incoming = join(stateDir, 'models', 'incoming')
  let names: string[]
  try {
    names = readdirSync(incoming, { recursive: true }) as string[]
  } catch {
    return undefined
  }
  const part = names.find((n) => n.endsWith('.onnx.part'))
  return part === undefined ? undefined : statSync(join(incoming, part)).size
}

describe('agents against a hub process, its downloads behind a slow link', { timeout: 180_000 }, () => {
  let hub: Hub
  let hubProcess: HubProcess
  let proxy: ThrottleProxy

  beforeAll(async () => {
    const data = await hubDataDir('hub-process')
    const ports = await freePorts(3)
    // 2 KB every 100 ms: the 43 KB ONNX file takes ~2 s, so a kill can land in the middle of it
    proxy = await startThrottleProxy({ target: `http://127.0.0.1:${ports[0]}`, throttle: (url) => url.endsWith('/model.onnx') })
    hubProcess = await startHubProcess({ dataDir: data.dataDir, ports, extraArgs: ['--public-url', proxy.url] })
    hub = { ...data, httpUrl: hubProcess.httpUrl, mqttUrl: hubProcess.mqttUrl }
  })

  afterAll(async () => {
    await hubProcess?.stop('SIGKILL')
    await proxy?.close()
  })

  afterEach(() => proxy.allow(Infinity))

  it('refuses an ONNX file with one byte flipped on the hub (verify-digest, MODEL_DIGEST_MISMATCH) and keeps serving 1.0.0', async () => {
    const id = 'pi-tampered'
    const { sha256, size } = manifests.get('1.2.0')!.model
    const blob = join(hub.dataDir, 'models', `${sha256}.onnx`)
    const bytes = readFileSync(blob)
    bytes[bytes.length >> 1]! ^= 0x01
    writeFileSync(blob, bytes)

    const agent = runAgent(hub, id, { stateDir: join(root, id) })
    expect(await startedOn(agent)).toBe('gas-sensor@1.0.0')
    const desired = await putDesired(hub, id, 'gas-sensor@1.2.0')
    const refused = await outcome(hub, id, desired.generation)
    expect(refused).toMatchObject({ model: { name: 'gas-sensor', version: '1.2.0' }, step: 'verify-digest', state: 'failed', code: 'MODEL_DIGEST_MISMATCH' })
    expect(refused.message).toContain(sha256)
    // the whole (same-size) file came, and was judged by its digest
    expect(proxy.requests.filter((r) => r.url.endsWith('/1.2.0/model.onnx')).map((r) => r.sent)).toEqual([size])
    expect(await serving(hub, id, Date.now())).toBe('gas-sensor@1.0.0')
    expect(agent.child.exitCode).toBeNull()
  })

  it('refuses a version signed with a key other than the one it trusts (verify-signature, AGENT_SIGNATURE_INVALID) and keeps serving 1.0.0', async () => {
    const id = 'pi-other-key'
    const otherKey = join(root, 'other-key.pub')
    writeFileSync(otherKey, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }))
    const agent = runAgent(hub, id, { stateDir: join(root, id), publicKey: otherKey })
    expect(await startedOn(agent)).toBe('gas-sensor@1.0.0')
    const desired = await putDesired(hub, id, 'gas-sensor@1.1.0')
    expect(await outcome(hub, id, desired.generation)).toMatchObject({
      model: { name: 'gas-sensor', version: '1.1.0' }, step: 'verify-signature', state: 'failed', code: 'AGENT_SIGNATURE_INVALID',
    })
    expect(await serving(hub, id, Date.now())).toBe('gas-sensor@1.0.0')
  })

  it('killed -9 during the download: restarts serving 1.0.0 at once, resumes with a Range request and ends on 1.1.0', async () => {
    const id = 'pi-kill-download'
    const stateDir = join(root, id)
    const modelUrl = (r: { url: string }) => r.url.endsWith('/1.1.0/model.onnx') && r.url.includes('gas-sensor')
    const before = proxy.requests.length
    // the first 16 KiB of the ONNX file get through, then the link holds
    const HELD_AT = 16 * 1024
    proxy.allow(HELD_AT)
    const first = runAgent(hub, id, { stateDir })
    expect(await startedOn(first)).toBe('gas-sensor@1.0.0')
    const desired = await putDesired(hub, id, 'gas-sensor@1.1.0')
    await until('16 KiB of the ONNX file on the device', () => (partialDownload(stateDir) === HELD_AT ? true : undefined), () => partialDownload(stateDir))
    await killed(first)

    const restartedAt = Date.now()
    const second = runAgent(hub, id, { stateDir })
    // the link still holds: what the device serves now, it serves without the new version
    expect(await startedOn(second)).toBe('gas-sensor@1.0.0')
    expect(await serving(hub, id, restartedAt)).toBe('gas-sensor@1.0.0')
    const requests = await until('the resumed request', () => {
      const r = proxy.requests.slice(before).filter(modelUrl)
      return r.length === 2 ? r : undefined
    }, () => proxy.requests)
    expect(requests.map((r) => r.range)).toEqual([undefined, `bytes=${HELD_AT}-`])
    expect(requests[1]!.status).toBe(206)

    proxy.allow(Infinity)
    expect(await outcome(hub, id, desired.generation)).toMatchObject({ model: { version: '1.1.0' }, step: 'active', state: 'succeeded' })
    expect(await serving(hub, id, Date.now())).toBe('gas-sensor@1.1.0')
    const downloaded = logOf(second).find((e) => e.step === 'download' && e.state === 'succeeded')
    expect(downloaded?.msg).toMatch(new RegExp(`${manifests.get('1.1.0')!.model.size} bytes in 1 request\\(s\\), resumed from byte ${HELD_AT}$`))
    expect(requests[1]!.sent).toBe(manifests.get('1.1.0')!.model.size - HELD_AT)
  })

  it('killed -9 at the swap: restarts serving a valid model at once and ends on 1.1.0', async () => {
    const id = 'pi-kill-swap'
    const stateDir = join(root, id)
    const first = runAgent(hub, id, { stateDir })
    expect(await startedOn(first)).toBe('gas-sensor@1.0.0')
    const atSwap = sigkillOn(first, (e) => e.step === 'swap' && e.state === 'started')
    const desired = await putDesired(hub, id, 'gas-sensor@1.1.0')
    expect(await atSwap).toMatchObject({ model: 'gas-sensor@1.1.0', generation: desired.generation })
    await killed(first)

    const restartedAt = Date.now()
    const second = runAgent(hub, id, { stateDir })
    // before the swap's pointer write the old version is valid, after it the new one: either serves at once
    const startModel = await startedOn(second)
    expect(['gas-sensor@1.0.0', 'gas-sensor@1.1.0']).toContain(startModel)
    expect(['gas-sensor@1.0.0', 'gas-sensor@1.1.0']).toContain(await serving(hub, id, restartedAt))
    expect(await outcome(hub, id, desired.generation)).toMatchObject({ model: { version: '1.1.0' }, step: 'active', state: 'succeeded' })
    expect(await serving(hub, id, Date.now())).toBe('gas-sensor@1.1.0')
  })
})

describe('desired states only a compromised hub would send', { timeout: 180_000 }, () => {
  let app: FastifyInstance
  let hub: Hub

  beforeAll(async () => {
    const data = await hubDataDir('hub-in-process')
    // in this process, so the test can publish desired states the REST API never makes
    app = await build({ config: loadHubConfig({ dataDir: data.dataDir, host: '127.0.0.1', httpPort: 0, mqttPort: 0, wsPort: 0, logLevel: 'silent' }, {}) })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const { mqttPort } = await app.broker.start()
    hub = { ...data, httpUrl: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, mqttUrl: `mqtt://127.0.0.1:${mqttPort}` }
  })

  afterAll(async () => {
    await app?.close()
  })

  /** The target the hub makes for a registered version, with its real signature. */
  async function target(version: string): Promise<ModelTarget> {
    const v = (await app.registry.getModelVersion('gas-sensor', version))!
    const paths = modelArtifactPaths(v)
    return { name: v.name, version: v.version, sha256: v.sha256, size: v.size, url: `${hub.httpUrl}${paths.model}`, manifestUrl: `${hub.httpUrl}${paths.manifest}`, signature: v.manifest.signature! }
  }

  /** Stores (so the device may download what it names) and publishes, retained, a desired state as the hub would. */
  async function publish(id: string, d: Pick<Desired, 'active' | 'rollback'>): Promise<Desired> {
    const now = Date.now()
    const stored = await app.registry.putDesired(id, { v: 1, ts: now, generation: now, ...d }, now)
    await app.broker.publish(deviceTopic(id, 'desired'), encodeChannel('desired', stored), { retain: true, qos: 1 })
    return stored
  }

  it('refuses an expired signature, then a downgrade without a rollback signature, and serves what it had', async () => {
    const id = 'pi-authority'
    const agent = runAgent(hub, id, { stateDir: join(root, id) })
    expect(await startedOn(agent)).toBe('gas-sensor@1.0.0')

    // 1.1.0 signed by the hub's own key, but the signature expired a minute ago
    const v11 = await target('1.1.0')
    const expiresAt = Date.now() - 60_000
    const key = createPrivateKey(readFileSync(join(hub.dataDir, 'keys', 'model-signing.key')))
    const value = sign(null, Buffer.from(signedPayload({ name: v11.name, version: v11.version, sha256: v11.sha256, expiresAt })), key).toString('base64')
    const expired = await publish(id, { active: { ...v11, signature: { ...v11.signature, expiresAt, value } }, rollback: false })
    expect(await outcome(hub, id, expired.generation)).toMatchObject({ model: { version: '1.1.0' }, step: 'verify-signature', state: 'failed', code: 'AGENT_SIGNATURE_EXPIRED' })
    expect(await serving(hub, id, Date.now())).toBe('gas-sensor@1.0.0')

    // the hub's real, fresh signature: accepted
    const upgrade = await putDesired(hub, id, 'gas-sensor@1.1.0')
    expect(await outcome(hub, id, upgrade.generation)).toMatchObject({ step: 'active', state: 'succeeded' })
    expect(await serving(hub, id, Date.now())).toBe('gas-sensor@1.1.0')

    // back to 1.0.0 with its valid upgrade signature: not a rollback, so a downgrade
    const v10 = await target('1.0.0')
    for (const [what, d] of [
      ['rollback: false', { active: v10, rollback: false }],
      ['rollback: true without a rollback signature', { active: v10, rollback: true }],
    ] as const) {
      const down = await publish(id, d)
      expect(await outcome(hub, id, down.generation), what).toMatchObject({ model: { version: '1.0.0' }, step: 'verify-signature', state: 'failed', code: 'AGENT_DOWNGRADE_REFUSED' })
    }
    // nor does the upgrade signature pass for a rollback one: it does not sign `rollback: true`
    const replayed = await publish(id, { active: { ...v10, rollbackSignature: v10.signature }, rollback: true })
    expect(await outcome(hub, id, replayed.generation)).toMatchObject({ model: { version: '1.0.0' }, step: 'verify-signature', state: 'failed', code: 'AGENT_SIGNATURE_INVALID' })
    expect(await serving(hub, id, Date.now())).toBe('gas-sensor@1.1.0')
    expect(agent.child.exitCode).toBeNull()
  })
})

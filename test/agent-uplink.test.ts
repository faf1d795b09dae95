import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import mqtt from 'mqtt'
import { HubLink } from '@edgefleet/edge-agent'
import { dataPaths, resolveDataDir } from '@edgefleet/models'
import { decodeChannel, deviceTopic, parseDeviceTopic, UPLINK_CHANNELS, type Command, type Desired, type DriftSummary, type Predictions, type Status } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { startAgent, type AgentChild } from './helpers/agent-child.ts'
import { runAgent } from './helpers/agent-process.ts'
import { freePort, startBroker, type BrokerOptions, type TestBroker } from './helpers/broker.ts'

const DEVICE = 'pi-01'
const SECRET = 'correct-horse-battery-staple'
/** the test's stand-in for the hub's device registry: the device, and an observer that watches its topics */
const USERS = { [DEVICE]: SECRET, observer: 'observer-secret' }
const ENV = { EDGEFLEET_DEVICE_SECRET: SECRET }
const GAS_ARGS = ['--columns', 'gas,concentration,*', '--label-column', 'gas']
const gasDir = dataPaths(resolveDataDir()).gasSensor
const batch = (n: number): string => join(gasDir, `batch${n}.csv`)
const rowIds = (n: number): string[] =>
  readFileSync(batch(n), 'utf8').split('\n').filter((l) => l.length > 0).map((_, i) => `batch${n}.csv:${i + 1}`)

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ef-agent-state-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function broker(o: BrokerOptions = {}): Promise<TestBroker> {
  const b = await startBroker({ users: USERS, ...o })
  cleanup.push(() => b.close())
  return b
}

function agent(args: readonly string[], env: NodeJS.ProcessEnv = ENV): AgentChild {
  const a = startAgent(args, { env })
  cleanup.push(() => a.stop())
  return a
}

// these tests count predictions and drift messages by seq: training samples (on by default) would take seqs between them
const hubArgs = (url: string, dir: string): string[] => ['run', '--model', 'gas-sensor', '--hub', url, '--device-id', DEVICE, '--state-dir', dir, '--no-samples']
const lastJson = (stderr: string): { uplink: { enqueued: number; sent: number; dropped: number; droppedByChannel: Record<string, number>; left: number } } =>
  JSON.parse(stderr.trim().split('\n').at(-1)!)

/** A message from the device as the broker accepted it (recorded before its PUBACK, where the hub's hook sits). */
interface Arrival {
  channel: string
  payload: string
  retain: boolean
}

/** Records the device's publishes on `b` into `into`; `delayMs` holds each prediction's PUBACK back (a slow hub). */
function recordUplink(b: TestBroker, into: Arrival[], o: { delayMs?: number } = {}): void {
  b.broker.authorizePublish = (client, packet, done) => {
    const channel = parseDeviceTopic(packet.topic)?.channel ?? packet.topic
    if (client?.id === DEVICE) into.push({ channel, payload: packet.payload.toString(), retain: packet.retain })
    if (o.delayMs && channel === 'pred') setTimeout(() => done(null), o.delayMs)
    else done(null)
  }
}

/** An MQTT client watching everything under the device's topics, as a dashboard would. */
async function observe(url: string): Promise<{ received: Arrival[] }> {
  const received: Arrival[] = []
  const client = await mqtt.connectAsync(url, { clientId: 'observer', username: 'observer', password: USERS.observer })
  cleanup.push(() => client.endAsync())
  client.on('message', (topic, payload, packet) => received.push({ channel: parseDeviceTopic(topic)?.channel ?? topic, payload: payload.toString(), retain: packet.retain }))
  await client.subscribeAsync(UPLINK_CHANNELS.map((c) => deviceTopic(DEVICE, c)), { qos: 1 })
  return { received }
}

const preds = (arrivals: readonly Arrival[]): Predictions[] => arrivals.filter((a) => a.channel === 'pred').map((a) => decodeChannel('pred', a.payload))
/** Every message numbered by the outbox: predictions and the drift summaries of each closed window. */
const numbered = (arrivals: readonly Arrival[]): Numbered[] =>
  arrivals.filter((a) => a.channel === 'pred' || a.channel === 'drift').map((a) => (a.channel === 'pred' ? decodeChannel('pred', a.payload) : decodeChannel('drift', a.payload)))
type Numbered = Predictions | DriftSummary
const isPredictions = (m: Numbered): m is Predictions => 'items' in m
const statuses = (arrivals: readonly Arrival[]): Status[] => arrivals.filter((a) => a.channel === 'status').map((a) => decodeChannel('status', a.payload))
const itemIds = (messages: readonly Predictions[]): string[] => messages.flatMap((m) => m.items.map((p) => p.id))

/**
 * The hub's view: (deviceId, seq) is stored once. Checks that seqs are contiguous across predictions
 * and drift summaries and that a repeated seq is only a QoS 1 redelivery of the identical message;
 * returns the messages in seq order.
 */
function storedOnce(messages: readonly Numbered[]): Numbered[] {
  const bySeq = new Map<number, string>()
  for (const m of messages) {
    const text = JSON.stringify(m)
    const earlier = bySeq.get(m.seq)
    if (earlier !== undefined) expect(text, `seq ${m.seq} arrived twice with different content`).toBe(earlier)
    bySeq.set(m.seq, text)
  }
  const seqs = [...bySeq.keys()].sort((a, b) => a - b)
  expect(seqs, 'seqs are contiguous').toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i))
  return seqs.map((s) => JSON.parse(bySeq.get(s)!) as Numbered)
}

/** The predictions the hub stores, in seq order (drift summaries in between checked, then left out). */
const storedPreds = (arrivals: readonly Arrival[]): Predictions[] => storedOnce(numbered(arrivals)).filter(isPredictions)

/** Waits for a retained status as a newly connecting client sees it. */
async function retainedStatus(url: string): Promise<Status> {
  const client = await mqtt.connectAsync(url, { clientId: 'observer', username: 'observer', password: USERS.observer })
  try {
    const got = new Promise<Status>((resolve) => client.on('message', (_t, payload, packet) => packet.retain && resolve(decodeChannel('status', payload))))
    await client.subscribeAsync(deviceTopic(DEVICE, 'status'), { qos: 1 })
    return await got
  } finally {
    await client.endAsync()
  }
}

describe('edgefleet-agent run --hub', () => {
  it('delivers every prediction exactly once in seq order; status is retained online, then offline on shutdown', async () => {
    const b = await broker()
    const { received } = await observe(b.url)
    const r = await runAgent([...hubArgs(b.url, stateDir()), '--secret', SECRET, '--csv', batch(3), ...GAS_ARGS, '--format', 'none', '--summary', '--json', '--log-level', 'debug'], { env: {} })
    expect(r.code, r.stderr).toBe(0)
    await expect.poll(() => statuses(received).at(-1)?.state).toBe('offline')

    const messages = preds(received)
    const all = numbered(received)
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: all.length }, (_, i) => all[0]!.seq + i))
    expect(itemIds(messages)).toEqual(rowIds(3))
    expect(messages[0]).toMatchObject({ v: 1, deviceId: DEVICE, model: { name: 'gas-sensor' } })
    expect(messages[0]!.items[0]).not.toHaveProperty('actual')
    const [online, offline] = [statuses(received)[0]!, statuses(received).at(-1)!]
    expect(online).toMatchObject({ state: 'online', deviceId: DEVICE, keepaliveS: 30, queue: { dropped: 0 }, model: { name: 'gas-sensor' } })
    expect(offline).toMatchObject({ state: 'offline', reason: 'shutdown' })
    expect(await retainedStatus(b.url)).toMatchObject({ state: 'offline', reason: 'shutdown' })
    expect(lastJson(r.stderr).uplink).toEqual({ enqueued: all.length, sent: all.length, dropped: 0, droppedByChannel: {}, left: 0, invalidDownlink: 0 })
    expect(r.stderr + r.stdout).not.toContain(SECRET)
  })

  it('leaves a retained offline status (the last will) when the agent is SIGKILLed', async () => {
    const b = await broker()
    const { received } = await observe(b.url)
    const a = agent([...hubArgs(b.url, stateDir()), '--csv', batch(1), ...GAS_ARGS, '--rate', '20', '--format', 'none'])
    await expect.poll(() => statuses(received).at(-1)?.state, { timeout: 30_000 }).toBe('online')
    expect(await retainedStatus(b.url)).toMatchObject({ state: 'online' })
    a.child.kill('SIGKILL')
    await expect.poll(() => statuses(received).at(-1), { timeout: 30_000 }).toMatchObject({ state: 'offline', reason: 'lwt' })
    expect(await retainedStatus(b.url)).toMatchObject({ state: 'offline', reason: 'lwt' })
  })

  it('on SIGTERM, drains what it has made, leaves the offline status and exits 0', async () => {
    const b = await broker()
    const { received } = await observe(b.url)
    const a = agent([...hubArgs(b.url, stateDir()), '--csv', batch(1), ...GAS_ARGS, '--rate', '50', '--format', 'none', '--summary', '--json'])
    await expect.poll(() => preds(received).length, { timeout: 30_000 }).toBeGreaterThan(0)
    a.child.kill('SIGTERM')
    const r = await a.exited
    expect(r.code, r.stderr).toBe(0)
    const { uplink } = lastJson(r.stderr)
    expect(uplink).toMatchObject({ sent: uplink.enqueued, left: 0 })
    await expect.poll(() => statuses(received).at(-1)).toMatchObject({ state: 'offline', reason: 'shutdown' })
    expect(storedOnce(numbered(received))).toHaveLength(uplink.enqueued)
  })

  it('buffers while the hub is down at start and drains everything, in order, once it is up', async () => {
    const port = await freePort()
    const a = agent([...hubArgs(`mqtt://127.0.0.1:${port}`, stateDir()), '--csv', batch(1), ...GAS_ARGS, '--format', 'none', '--drain-timeout', '120', '--log-level', 'info', '--summary', '--json'])
    // every reading is predicted and stored before the hub exists
    await expect.poll(() => a.stderr, { timeout: 60_000 }).toContain('readings done; sending what the outbox holds')
    const arrivals: Arrival[] = []
    recordUplink(await broker({ port }), arrivals)
    const r = await a.exited
    expect(r.code, r.stderr).toBe(0)
    const messages = storedPreds(arrivals)
    expect(itemIds(messages)).toEqual(rowIds(1))
    const all = numbered(arrivals).length
    expect(lastJson(r.stderr).uplink).toMatchObject({ enqueued: all, sent: all, dropped: 0, left: 0 })
  })

  it('loses nothing when the hub goes away mid-stream and comes back: seqs contiguous, repeats only as redelivery', async () => {
    const first = await broker()
    const arrivals: Arrival[] = []
    recordUplink(first, arrivals)
    const a = agent([...hubArgs(first.url, stateDir()), '--csv', batch(2), ...GAS_ARGS, '--rate', '400', '--batch-wait-ms', '20', '--format', 'none', '--drain-timeout', '120', '--summary', '--json'])
    await expect.poll(() => preds(arrivals).length, { timeout: 60_000 }).toBeGreaterThanOrEqual(10)
    await first.close()
    const duringOutage = preds(arrivals).length
    await sleep(500)
    recordUplink(await broker({ port: first.port }), arrivals)
    const r = await a.exited
    expect(r.code, r.stderr).toBe(0)
    expect(preds(arrivals).length).toBeGreaterThan(duringOutage)
    const messages = storedPreds(arrivals)
    expect(itemIds(messages)).toEqual(rowIds(2))
    expect(lastJson(r.stderr).uplink).toMatchObject({ dropped: 0, left: 0 })
  })

  it('after a SIGKILL, a restart with the same state dir drains the outbox and continues the seqs', async () => {
    const b = await broker()
    const arrivals: Arrival[] = []
    // a slow hub: acknowledgements lag, so the outbox holds a backlog when the agent dies
    recordUplink(b, arrivals, { delayMs: 30 })
    const dir = stateDir()
    const first = agent([...hubArgs(b.url, dir), '--csv', batch(1), ...GAS_ARGS, '--rate', '300', '--batch-wait-ms', '10'])
    await expect.poll(() => first.stdout.split('\n').length, { timeout: 60_000 }).toBeGreaterThan(150)
    first.child.kill('SIGKILL')
    await first.exited
    // a printed prediction was enqueued first (the hub sink runs before the local one)
    const printed = first.stdout.split('\n').slice(0, -1).map((l) => (JSON.parse(l) as { id: string }).id)

    const r = await runAgent([...hubArgs(b.url, dir), '--csv', batch(4), ...GAS_ARGS, '--format', 'none', '--drain-timeout', '120', '--summary', '--json'], { env: ENV })
    expect(r.code, r.stderr).toBe(0)
    const messages = storedPreds(arrivals)
    const beforeKill = messages.filter((m) => m.items[0]!.id.startsWith('batch1'))
    const afterRestart = messages.filter((m) => m.items[0]!.id.startsWith('batch4'))
    expect(beforeKill.length + afterRestart.length).toBe(messages.length)
    // everything the first agent enqueued arrived, with no hole, and the restart numbered on from there
    const ids = itemIds(beforeKill)
    expect(ids.length).toBeGreaterThanOrEqual(printed.length)
    expect(ids).toEqual(rowIds(1).slice(0, ids.length))
    expect(itemIds(afterRestart)).toEqual(rowIds(4))
    // storedOnce checked that seqs run on without a gap across both runs (drift summaries included)
    expect(afterRestart[0]!.seq).toBeGreaterThan(beforeKill.at(-1)!.seq)
    expect(lastJson(r.stderr).uplink.left).toBe(0)
  })

  it('when the outbox is full, drops the oldest predictions, counts them and reports them in status', async () => {
    const port = await freePort()
    const a = agent([...hubArgs(`mqtt://127.0.0.1:${port}`, stateDir()), '--csv', batch(2), '--csv', batch(3), '--csv', batch(6), ...GAS_ARGS, '--scores', '--outbox-max-mb', '0.5', '--format', 'none', '--drain-timeout', '120', '--log-level', 'info', '--summary', '--json'])
    await expect.poll(() => a.stderr, { timeout: 60_000 }).toContain('readings done; sending what the outbox holds')
    const arrivals: Arrival[] = []
    recordUplink(await broker({ port }), arrivals)
    const r = await a.exited
    expect(r.code, r.stderr).toBe(0)
    const { uplink } = lastJson(r.stderr)
    expect(uplink.dropped).toBeGreaterThan(0)
    expect(uplink).toMatchObject({ sent: uplink.enqueued - uplink.dropped, left: 0 })
    // the oldest telemetry goes first: predictions, and the drift summaries among them
    expect(uplink.droppedByChannel.pred! + (uplink.droppedByChannel.drift ?? 0)).toBe(uplink.dropped)
    expect(statuses(arrivals)[0]).toMatchObject({ state: 'online', queue: { dropped: uplink.dropped } })
    // the oldest went: what arrived is the newest, contiguous up to the last prediction made
    const stored = storedOnce(numbered(arrivals))
    expect(stored).toHaveLength(uplink.sent)
    const ids = itemIds(stored.filter(isPredictions))
    expect(ids).toEqual([...rowIds(2), ...rowIds(3), ...rowIds(6)].slice(-ids.length))
  })

  it('stops with AGENT_HUB_AUTH_FAILED on a wrong secret, after one attempt, without echoing the secret', async () => {
    const b = await broker()
    let attempts = 0
    const authenticate = b.broker.authenticate
    b.broker.authenticate = (...args) => {
      attempts++
      authenticate.apply(b.broker, args)
    }
    const wrong = 'not-the-secret-7f3a'
    // readings from stdin, held open: the run never ends by itself, only the refusal can end it
    const a = startAgent([...hubArgs(b.url, stateDir()), '--stdin'], { env: { EDGEFLEET_DEVICE_SECRET: wrong }, stdin: 'open' })
    cleanup.push(() => a.stop())
    const r = await a.exited
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error AGENT_HUB_AUTH_FAILED')
    expect(r.stderr).toContain('--secret')
    expect(r.stderr + r.stdout).not.toContain(wrong)
    expect(attempts).toBe(1)
  })
})

describe('HubLink (library)', () => {
  const ts = 1_764_300_000_000
  const desired: Desired = {
    v: 1, ts, generation: 3, rollback: false,
    active: {
      name: 'gas-sensor', version: '1.1.0', sha256: 'a'.repeat(64), size: 40_321, url: 'http://hub.local:8080/api/v1/models/gas-sensor/1.1.0/model.onnx',
      manifestUrl: 'http://hub.local:8080/api/v1/models/gas-sensor/1.1.0/manifest.json',
      signature: { alg: 'ed25519', keyId: 'hub-2026', expiresAt: ts + 86_400_000, value: 'c2lnbmF0dXJl' },
    },
  }
  const command: Command = { v: 1, id: 'cmd-1', ts, cmd: { type: 'resend', fromSeq: 40 } }

  it('emits valid desired state and commands, counts invalid ones, and sends events through the outbox', async () => {
    const b = await broker()
    const arrivals: Arrival[] = []
    recordUplink(b, arrivals)
    const hub = await mqtt.connectAsync(b.url, { clientId: 'observer', username: 'observer', password: USERS.observer })
    cleanup.push(() => hub.endAsync())
    // the retained desired state is waiting when the device connects
    await hub.publishAsync(deviceTopic(DEVICE, 'desired'), JSON.stringify(desired), { qos: 1, retain: true })

    const link = await HubLink.create({ url: b.url, deviceId: DEVICE, secret: SECRET, stateDir: stateDir() })
    cleanup.push(async () => void (await link.close({ timeoutMs: 0 })))
    const got = { desired: [] as Desired[], commands: [] as Command[] }
    link.on('desired', (d) => got.desired.push(d))
    link.on('command', (c) => got.commands.push(c))
    await expect.poll(() => got.desired).toEqual([desired])

    await hub.publishAsync(deviceTopic(DEVICE, 'cmd'), JSON.stringify({ ...command, cmd: { type: 'format-disk' } }), { qos: 1 })
    await hub.publishAsync(deviceTopic(DEVICE, 'cmd'), Buffer.from([0xff, 0x00]), { qos: 1 })
    await hub.publishAsync(deviceTopic(DEVICE, 'cmd'), JSON.stringify(command), { qos: 1 })
    await expect.poll(() => got.commands).toEqual([command])
    expect(link.figures().invalidDownlink).toBe(2)

    const seq = link.enqueue('events', (s) => ({ v: 1, deviceId: DEVICE, seq: s, ts, event: { type: 'command-result', commandId: 'cmd-1', ok: true } }))
    await expect.poll(() => arrivals.filter((a) => a.channel === 'events').map((a) => decodeChannel('events', a.payload).seq)).toEqual([seq])
    expect(await link.close()).toMatchObject({ enqueued: 1, sent: 1, left: 0 })
  })
})

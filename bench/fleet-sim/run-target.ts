/**
 * One target's run: connect the fleet (idle memory), then publish at the fleet rate (warm-up,
 * measured window), drain, and account for every message — stored by the hub (read back through its
 * REST API) or delivered to the baselines' subscriber.
 */
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { allDevicesFilter } from '@edgefleet/protocol'
import { REPO_ROOT } from '@edgefleet/models'
import { cpuSeconds, startIpcChild, type IpcChild } from '../bench-processes.ts'
import type { MemorySample } from '../broker-runs.ts'
import { fetchHubStored } from '../hub-report.ts'
import type { HistogramData } from './histogram.ts'
import { LatencyHistogram } from './histogram.ts'
import { metricSum } from './metrics-text.ts'
import { devicesOfProcess } from './schedule.ts'
import type { SimCommand, SimDevice, SimReport, SubscriberCommand, SubscriberReport } from './sim-ipc.ts'
import type { Target } from './targets.ts'

export interface RunOptions {
  /** the whole fleet, in index order (with secrets for the hub) */
  devices: SimDevice[]
  processes: number
  rate: number
  items: number
  invalidRatio: number
  keepaliveS: number
  settleS: number
  warmupS: number
  seconds: number
  drainS: number
  fdLimit: number
  /** hub only: operator token for the REST check */
  token?: string
  progress(line: string): void
}

/** Everything measured of one target. */
export interface TargetFigures {
  target: string
  loadAtStart: number[]
  connected: number
  connectFailed: number
  connectS: number
  memory: { before: MemorySample; idle: MemorySample }
  /** the measured window */
  windowS: number
  /** the window on the monotonic clock, µs (to cut CPU profiles to it) */
  windowUs: { fromUs: number; toUs: number }
  /** stored (hub, its /metrics) or delivered (baselines, the subscriber) in the window */
  ingested: number
  brokerCpuS: number
  simCpuS: number
  subscriberCpuS?: number
  /** publish → PUBACK, valid messages published in the window */
  ackLatency: HistogramData
  /** publish → delivery at the subscriber (baselines), messages delivered in the window */
  deliveryLatency?: HistogramData
  /** how late the simulator published against its schedule, in the window */
  lag: HistogramData
  /** whole run, every device */
  published: number
  acked: number
  /** stored (hub, REST API) or delivered once (baselines) */
  arrived: number
  /** published, never stored/delivered */
  dropped: number
  /** acknowledged, yet not stored (hub: would break ack-after-store) */
  ackedNotArrived: number
  /** stored or delivered more than once */
  duplicates: number
  invalidSent: number
  invalidAcked: number
  /** hub: /metrics invalid pred messages; baselines: malformed payloads the subscriber got */
  invalidCounted: number
  disconnected: number
  firstError?: string
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n)

type Sim = IpcChild<SimCommand, SimReport>
type Subscriber = IpcChild<SubscriberCommand, SubscriberReport>

export async function runTarget(target: Target, o: RunOptions): Promise<TargetFigures> {
  const loadAtStart = loadavg()
  const url = new URL(target.broker.mqttUrl)
  const host = url.hostname
  const port = Number(url.port)
  const sims: Sim[] = []
  let subscriber: Subscriber | undefined
  try {
    if (target.name !== 'hub') {
      subscriber = await startIpcChild<SubscriberCommand, SubscriberReport>(join(REPO_ROOT, 'bench', 'fleet-sim', 'subscriber.ts'), 1024, { kind: 'stop' })
      subscriber.send({ kind: 'subscribe', host, port, filter: allDevicesFilter('pred') })
      await subscriber.next('subscribed', 60_000)
    }
    await sleep(o.settleS * 1000)
    const before = await target.memory()

    o.progress(`${target.broker.name}: ${o.devices.length} devices connect (${o.processes} processes), publish their retained status, idle`)
    sims.push(...await Promise.all(Array.from({ length: o.processes }, () => startIpcChild<SimCommand, SimReport>(join(REPO_ROOT, 'bench', 'fleet-sim', 'sim-child.ts'), o.fdLimit, { kind: 'stop' }))))
    const connects = await Promise.all(sims.map((sim, p) => {
      const devices = devicesOfProcess(o.devices.length, o.processes, p).map((g) => o.devices[g]!)
      sim.send({ kind: 'connect', host, port, devices, total: o.devices.length, keepaliveS: o.keepaliveS, concurrency: 50, items: o.items })
      return sim.next('connected', 600_000)
    }))
    const connected = connects.reduce((n, c) => n + c.connected, 0)
    await sleep(o.settleS * 1000)
    const idle = await target.memory()

    o.progress(`${target.broker.name}: publishing ${o.rate} msg/s per device, warm-up ${o.warmupS} s, measured ${o.seconds} s`)
    const startAt = Date.now() + 500
    for (const sim of sims) sim.send({ kind: 'publish', startAt, rate: o.rate, invalidRatio: o.invalidRatio })
    await sleep(500 + o.warmupS * 1000)
    const ingested = async (): Promise<number> => {
      if (subscriber) {
        subscriber.send({ kind: 'count' })
        return (await subscriber.next('count')).delivered
      }
      return metricSum(await scrape(target.broker.httpUrl!), 'edgefleet_messages_total', { channel: 'pred', outcome: 'stored' })
    }
    const simCpu = (): number => sims.reduce((s, sim) => s + cpuSeconds(sim.pid), 0)
    for (const child of [...sims, ...(subscriber ? [subscriber] : [])]) child.send({ kind: 'window-start' })
    const t0 = performance.now()
    const fromUs = monotonicUs()
    const cpu0 = { broker: cpuSeconds(target.broker.pid), sim: simCpu(), sub: subscriber ? cpuSeconds(subscriber.pid) : 0 }
    const got0 = await ingested()
    await sleep(o.seconds * 1000)
    const got1 = await ingested()
    const cpu1 = { broker: cpuSeconds(target.broker.pid), sim: simCpu(), sub: subscriber ? cpuSeconds(subscriber.pid) : 0 }
    const windowS = (performance.now() - t0) / 1000
    const windowUs = { fromUs, toUs: monotonicUs() }

    o.progress(`${target.broker.name}: draining, then accounting for every message`)
    const finished = await Promise.all(sims.map((sim) => {
      sim.send({ kind: 'finish', drainS: o.drainS })
      return sim.next('finished', (o.drainS + 120) * 1000)
    }))
    const perDevice = finished.flatMap((f) => f.devices)
    const published = perDevice.reduce((n, d) => n + d[1], 0)
    const acked = perDevice.reduce((n, d) => n + d[2], 0)
    const invalidSent = finished.reduce((n, f) => n + f.invalid, 0)
    const accounting = subscriber
      ? await deliveredAccount(subscriber, perDevice, acked, o.drainS)
      : await storedAccount(target, o, perDevice)
    const firstError = connects.find((c) => c.firstError)?.firstError ?? finished.find((f) => f.firstError)?.firstError
    return {
      target: target.broker.name,
      loadAtStart,
      connected,
      connectFailed: connects.reduce((n, c) => n + c.failed, 0),
      connectS: Math.max(...connects.map((c) => c.seconds)),
      memory: { before, idle },
      windowS,
      windowUs,
      ingested: got1 - got0,
      brokerCpuS: cpu1.broker - cpu0.broker,
      simCpuS: cpu1.sim - cpu0.sim,
      ...(subscriber ? { subscriberCpuS: cpu1.sub - cpu0.sub } : {}),
      ackLatency: LatencyHistogram.from(finished.map((f) => f.ackLatency)).toJSON(),
      lag: LatencyHistogram.from(finished.map((f) => f.lag)).toJSON(),
      published,
      acked,
      ...accounting,
      invalidSent,
      invalidAcked: finished.reduce((n, f) => n + f.invalidAcked, 0),
      disconnected: finished.reduce((n, f) => n + f.disconnected, 0),
      ...(firstError ? { firstError } : {}),
    }
  } finally {
    await Promise.all([...sims, ...(subscriber ? [subscriber] : [])].map((c) => c.stop()))
  }
}

type Account = Pick<TargetFigures, 'arrived' | 'dropped' | 'ackedNotArrived' | 'duplicates' | 'invalidCounted' | 'deliveryLatency'>

/**
 * Baselines: what the subscriber received of each device. QoS 1 delivery to the subscriber may trail
 * the publishers' PUBACKs, so this waits until it has everything acknowledged, or until deliveries stop
 * for 10 s (what is missing then is dropped), or `drainS` at most.
 */
async function deliveredAccount(subscriber: Subscriber, perDevice: [string, number, number][], acked: number, drainS: number): Promise<Account> {
  const deadline = performance.now() + drainS * 1000
  let last = -1
  let lastChange = performance.now()
  while (performance.now() < deadline && performance.now() - lastChange < 10_000) {
    subscriber.send({ kind: 'count' })
    const { delivered } = await subscriber.next('count')
    if (delivered >= acked) break
    if (delivered !== last) [last, lastChange] = [delivered, performance.now()]
    await sleep(250)
  }
  subscriber.send({ kind: 'report' })
  const r = await subscriber.next('report', 120_000)
  let arrived = 0
  let dropped = 0
  let ackedNotArrived = 0
  let duplicates = 0
  for (const [id, pub, ack] of perDevice) {
    const d = r.devices[id] ?? { count: 0, maxSeq: 0, repeated: 0 }
    const once = d.count - d.repeated
    arrived += once
    duplicates += d.repeated
    dropped += Math.max(0, pub - once)
    ackedNotArrived += Math.max(0, ack - once)
  }
  return { arrived, dropped, ackedNotArrived, duplicates, invalidCounted: r.invalid, deliveryLatency: r.latency }
}

/** Hub: each device's stored predictions through the REST API, against what it published. */
async function storedAccount(target: Target, o: RunOptions, perDevice: [string, number, number][]): Promise<Account> {
  const httpUrl = target.broker.httpUrl!
  const stored = await fetchHubStored(httpUrl, o.token!, perDevice.map((d) => d[0]), Date.now() - 3_600_000, 8)
  let arrived = 0
  let dropped = 0
  let ackedNotArrived = 0
  let duplicates = 0
  perDevice.forEach(([, pub, ack], i) => {
    const messages = stored.perDevice[i]! / o.items
    arrived += messages
    duplicates += Math.max(0, messages - pub)
    dropped += Math.max(0, pub - messages)
    ackedNotArrived += Math.max(0, ack - messages)
  })
  const metrics = await scrape(httpUrl)
  return { arrived, dropped, ackedNotArrived, duplicates, invalidCounted: metricSum(metrics, 'edgefleet_messages_total', { channel: 'pred', outcome: 'invalid' }) }
}

/** The hub's /metrics text; retried, since a loaded hub may drop an idle keep-alive connection just as it is reused. */
async function scrape(httpUrl: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${httpUrl}/metrics`)
      if (!res.ok) throw new Error(`GET /metrics: ${res.status}`)
      return await res.text()
    } catch (err) {
      if (attempt === 5) throw new Error(`GET ${httpUrl}/metrics failed 5 times: ${(err as Error).message} (${String((err as Error).cause ?? '')})`, { cause: err })
      await sleep(500 * attempt)
    }
  }
}

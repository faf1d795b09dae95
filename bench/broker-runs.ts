/**
 * The two measurements of the hub-ingest benchmark, run the same way against any broker process:
 * ingest rate with CPU cost, and memory per idle connected device.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuSeconds, rssKB, startFleet, type BrokerProcess, type FleetProcess } from './bench-processes.ts'
import type { ChildMessage, FleetDevice, IngestJob } from './fleet-ipc.ts'

/** Ingest figures of one broker over the measured window. */
export interface IngestFigures {
  /** messages counted in the window: acknowledged (hub: acknowledged = stored) or delivered (raw) */
  messages: number
  seconds: number
  brokerCpuS: number
  fleetCpuS: number
  /** CPU of this (orchestrating) process: the raw subscriber's cost */
  benchCpuS: number
  /** the window on the monotonic clock, µs (to cut CPU profiles to it) */
  windowUs: { fromUs: number; toUs: number }
  done: Extract<ChildMessage, { kind: 'ingest-done' }>
}

export interface IngestOptions extends Omit<IngestJob, 'kind' | 'url' | 'devices'> {
  devices: FleetDevice[]
  fdLimit: number
  /** counts what the broker delivered (raw aedes: a subscriber's received messages); default: acknowledged */
  delivered?: () => number
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n)

/** Runs the publishing fleet against `broker`: warm-up, measured window, drain. */
export async function measureIngest(broker: BrokerProcess, o: IngestOptions): Promise<IngestFigures> {
  const fleet = await startFleet(o.fdLimit)
  try {
    const { devices, fdLimit: _, delivered, ...job } = o
    fleet.send({ kind: 'ingest', url: broker.mqttUrl, devices, ...job })
    await fleet.next('connected', 120_000)
    const start = await fleet.next('window-start')
    const cpu0 = cpuSeconds(broker.pid)
    const bench0 = process.cpuUsage()
    const got0 = delivered?.() ?? start.acked
    const from = monotonicUs()
    const end = await fleet.next('window-end')
    const cpu1 = cpuSeconds(broker.pid)
    const bench = process.cpuUsage(bench0)
    const got1 = delivered?.() ?? end.acked
    const to = monotonicUs()
    const done = await fleet.next('ingest-done', 60_000)
    return { messages: got1 - got0, seconds: (end.at - start.at) / 1000, brokerCpuS: cpu1 - cpu0, fleetCpuS: end.cpuS - start.cpuS, benchCpuS: (bench.user + bench.system) / 1e6, windowUs: { fromUs: from, toUs: to }, done }
  } finally {
    await fleet.stop()
  }
}

/** Memory of a broker process: RSS, and V8's figures after full GCs (memory-probe.ts). */
export interface MemorySample {
  rssKB: number
  /** VmRSS after the probe's full GCs */
  rssAfterGcKB: number
  heapUsedKB: number
  externalKB: number
}

/** Reads VmRSS, asks the probe for a full GC and memoryUsage, then reads VmRSS again. */
export async function sampleMemory(broker: BrokerProcess, probeFile: string): Promise<MemorySample> {
  const rss = rssKB(broker.pid)
  rmSync(probeFile, { force: true })
  broker.signal('SIGUSR2')
  for (let i = 0; i < 100 && !existsSync(probeFile); i++) await sleep(50)
  await sleep(100) // the probe writes synchronously; let a large file finish
  const usage = JSON.parse(readFileSync(probeFile, 'utf8')) as { heapUsed: number; external: number }
  return { rssKB: rss, rssAfterGcKB: rssKB(broker.pid), heapUsedKB: usage.heapUsed / 1024, externalKB: usage.external / 1024 }
}

export interface IdleFigures {
  /** devices connected when `after` was read */
  devices: number
  /** before any device connected (after the warm-up) */
  before: MemorySample
  after: MemorySample
  /** time to connect this step's devices and have their retained statuses acknowledged */
  connectS: number
  failed: number
  firstError?: string
}

export interface IdleOptions {
  /** at least max(counts) devices */
  devices: FleetDevice[]
  /** connected devices at which memory is read, ascending: 1000, 5000 connects 1000, reads, 4000 more, reads */
  counts: number[]
  keepaliveS: number
  settleS: number
  /** devices per fleet process (each holds one socket per device) */
  perProcess: number
  fdLimit: number
  probeFile: string
}

/** Devices that connect and disconnect before the baseline, so one-time costs (code, caches) are not counted per device. */
const WARM_UP_DEVICES = 50

/**
 * Memory per idle device, on one broker process: a few devices connect and leave (warm-up), the
 * process settles, baseline; then devices connect (and publish their retained status) up to each
 * count in turn, settle, read again. Every device stays connected until the end.
 */
export async function measureIdle(broker: BrokerProcess, o: IdleOptions): Promise<IdleFigures[]> {
  const fleets: FleetProcess[] = []
  try {
    const warm = await startFleet(o.fdLimit)
    fleets.push(warm)
    warm.send({ kind: 'idle', url: broker.mqttUrl, devices: o.devices.slice(0, WARM_UP_DEVICES), keepaliveS: o.keepaliveS, concurrency: 50 })
    await warm.next('idle-connected')
    await warm.stop()
    await sleep(o.settleS * 1000)
    const before = await sampleMemory(broker, o.probeFile)
    const figures: IdleFigures[] = []
    let connected = 0
    let failed = 0
    for (const count of o.counts) {
      const slices: FleetDevice[][] = []
      for (let i = connected + failed; i < count; i += o.perProcess) slices.push(o.devices.slice(i, Math.min(i + o.perProcess, count)))
      // boot every fleet process first (each takes a moment), then they all connect at once
      const started = await Promise.all(slices.map(async (devices) => {
        const fleet = await startFleet(o.fdLimit)
        fleets.push(fleet)
        return { fleet, devices }
      }))
      const results = await Promise.all(started.map(({ fleet, devices }) => {
        fleet.send({ kind: 'idle', url: broker.mqttUrl, devices, keepaliveS: o.keepaliveS, concurrency: 100 })
        return fleet.next('idle-connected')
      }))
      connected += results.reduce((n, r) => n + r.connected, 0)
      failed += results.reduce((n, r) => n + r.failed, 0)
      await sleep(o.settleS * 1000)
      const firstError = results.find((r) => r.firstError)?.firstError
      figures.push({
        devices: connected,
        before,
        after: await sampleMemory(broker, o.probeFile),
        connectS: Math.max(...results.map((r) => r.seconds)),
        failed,
        ...(firstError ? { firstError } : {}),
      })
    }
    return figures
  } finally {
    await Promise.all(fleets.map((f) => f.stop()))
  }
}

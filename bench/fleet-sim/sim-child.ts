/**
 * One process of simulated devices (forked by main.ts; talks over IPC, see sim-ipc.ts): lean MQTT
 * clients over loopback, no onnxruntime. Each device connects with its own client id (and its
 * registered credentials at the hub) and a last will, publishes its retained status at QoS 1, and then,
 * when told, publishes protocol-valid `Predictions` at QoS 1 with strictly increasing seq at a fixed
 * rate, start times spread evenly over the fleet. One timer drives every device of the process.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { deviceTopic } from '@edgefleet/protocol'
import { LatencyHistogram } from './histogram.ts'
import { LeanClient } from './lean-client.ts'
import { malformedPayload, predictionsBuilder, statusPayload, type PredictionsBuilder } from './payload.ts'
import { DueCursor, isInvalidAt, spreadOffsetMs } from './schedule.ts'
import type { SimCommand, SimDevice, SimReport } from './sim-ipc.ts'

const TICK_MS = 5
const PING_CHECK_MS = 5_000

interface Device {
  sim: SimDevice
  client: LeanClient
  topic: string
  build: PredictionsBuilder
  seq: number
  acked: number
}

const devices: Device[] = []
let publishing = false
let ticker: NodeJS.Timeout | undefined
let windowStartMs = Number.POSITIVE_INFINITY
let ackLatency = new LatencyHistogram()
let lag = new LatencyHistogram()
let invalid = 0
let invalidAcked = 0
let disconnected = 0
let firstError: string | undefined

const send = (m: SimReport): void => void process.send?.(m)

async function connectAll(job: Extract<SimCommand, { kind: 'connect' }>): Promise<void> {
  const t0 = performance.now()
  let failed = 0
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < job.devices.length) {
      const sim = job.devices[next++]!
      const status = deviceTopic(sim.id, 'status')
      try {
        const client = await LeanClient.connect({
          host: job.host,
          port: job.port,
          clientId: sim.id,
          ...(sim.secret !== undefined ? { username: sim.id, password: sim.secret } : {}),
          keepaliveS: job.keepaliveS,
          will: { topic: status, payload: statusPayload(sim.id, 'offline', job.keepaliveS), qos: 1, retain: true },
        })
        await new Promise<void>((resolve) => client.publish(status, statusPayload(sim.id, 'online', job.keepaliveS), 1, true, resolve))
        client.onClose = (reason) => {
          disconnected++
          firstError ??= `${sim.id}: ${reason}`
        }
        devices.push({ sim, client, topic: deviceTopic(sim.id, 'pred'), build: predictionsBuilder(sim.id, job.items), seq: 0, acked: 0 })
      } catch (err) {
        failed++
        firstError ??= (err as Error).message
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.devices.length) }, lane))
  // the schedule walks devices in start-offset order
  devices.sort((a, b) => a.sim.index - b.sim.index)
  setInterval(() => {
    const now = performance.now()
    for (const d of devices) d.client.pingIfIdle(now)
  }, PING_CHECK_MS).unref()
  send({ kind: 'connected', connected: devices.length, failed, seconds: (performance.now() - t0) / 1000, ...(firstError ? { firstError } : {}) })
  // a connection lost while idle is an error too, but the count starts with the traffic
  disconnected = 0
}

function startPublishing(job: Extract<SimCommand, { kind: 'publish' }>, total: number): void {
  const periodMs = 1000 / job.rate
  const cursor = new DueCursor(devices.map((d) => spreadOffsetMs(d.sim.index, total, periodMs)), periodMs)
  const origin = performance.now() + (job.startAt - Date.now())
  let n = 0
  publishing = true
  const publishOne = (i: number, round: number): void => {
    const d = devices[i]!
    if (!d.client.connected) return
    const now = performance.now()
    if (now >= windowStartMs) lag.record(Math.max(0, now - origin - (round * periodMs + spreadOffsetMs(d.sim.index, total, periodMs))))
    if (isInvalidAt(n++, job.invalidRatio)) {
      invalid++
      d.client.publish(d.topic, malformedPayload(d.sim.id, invalid), 1, false, () => void invalidAcked++)
      return
    }
    const payload = d.build(++d.seq, Date.now(), String(process.hrtime.bigint() / 1000n))
    const inWindow = now >= windowStartMs
    d.client.publish(d.topic, payload, 1, false, () => {
      d.acked++
      if (inWindow) ackLatency.record(performance.now() - now)
    })
  }
  ticker = setInterval(() => {
    if (publishing) cursor.takeDue(performance.now() - origin, publishOne)
  }, TICK_MS)
}

async function finish(drainS: number): Promise<void> {
  publishing = false
  clearInterval(ticker)
  const deadline = performance.now() + drainS * 1000
  while (performance.now() < deadline && devices.some((d) => d.client.connected && d.client.inflight > 0)) await sleep(100)
  send({
    kind: 'finished',
    devices: devices.map((d) => [d.sim.id, d.seq, d.acked]),
    invalid,
    invalidAcked,
    ackLatency: ackLatency.toJSON(),
    lag: lag.toJSON(),
    disconnected,
    ...(firstError ? { firstError } : {}),
  })
}

/** Disconnects every device gracefully (DISCONNECT: no last wills) and exits. */
async function shutdown(code: number): Promise<never> {
  publishing = false
  clearInterval(ticker)
  for (const d of devices) d.client.onClose = undefined
  await Promise.race([Promise.all(devices.map((d) => d.client.end())), sleep(10_000)])
  process.exit(code)
}

let total = 0
process.on('message', (m: SimCommand) => {
  const fail = (err: Error): void => send({ kind: 'failed', message: err.stack ?? err.message })
  switch (m.kind) {
    case 'connect':
      total = m.total
      return void connectAll(m).catch(fail)
    case 'publish':
      return startPublishing(m, total)
    case 'window-start':
      windowStartMs = performance.now()
      ackLatency = new LatencyHistogram()
      lag = new LatencyHistogram()
      return
    case 'finish':
      return void finish(m.drainS).catch(fail)
    case 'stop':
      return void shutdown(0)
  }
})
// the parent went away: do not linger with thousands of sockets
process.on('disconnect', () => void shutdown(1))
send({ kind: 'ready' })

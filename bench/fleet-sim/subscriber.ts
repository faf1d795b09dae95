/**
 * The baselines' consumer (forked by main.ts; IPC, see sim-ipc.ts): one QoS 1 subscriber to every
 * device's predictions, in a process of its own. Counts what is delivered per device (seq gaps and
 * repeats), malformed payloads, and publish → delivery latency from the send stamp the simulator
 * writes into each payload (monotonic clock µs: same machine, same clock).
 */
import { LatencyHistogram } from './histogram.ts'
import { LeanClient } from './lean-client.ts'
import { stampOf } from './payload.ts'
import type { DeviceDelivery, SubscriberCommand, SubscriberReport } from './sim-ipc.ts'

let client: LeanClient | undefined
let delivered = 0
let invalid = 0
let latency = new LatencyHistogram()
const devices = new Map<string, DeviceDelivery>()
const send = (m: SubscriberReport): void => void process.send?.(m)

function onMessage(_topic: string, payload: Buffer): void {
  const nowUs = process.hrtime.bigint() / 1000n
  const text = payload.toString('utf8')
  let message: { deviceId?: unknown; seq?: unknown }
  try {
    message = JSON.parse(text) as typeof message
  } catch {
    invalid++
    return
  }
  const stamp = stampOf(text)
  if (typeof message.deviceId !== 'string' || typeof message.seq !== 'number' || stamp === undefined) {
    invalid++
    return
  }
  delivered++
  latency.record(Number(nowUs - BigInt(stamp)) / 1000)
  const d = devices.get(message.deviceId) ?? { count: 0, maxSeq: 0, repeated: 0 }
  devices.set(message.deviceId, d)
  d.count++
  if (message.seq <= d.maxSeq) d.repeated++
  else d.maxSeq = message.seq
}

process.on('message', (m: SubscriberCommand) => {
  switch (m.kind) {
    case 'subscribe':
      LeanClient.connect({ host: m.host, port: m.port, clientId: `fleet-sim-subscriber-${process.pid}`, keepaliveS: 60 })
        .then(async (c) => {
          client = c
          c.onMessage = onMessage
          c.onClose = (reason) => send({ kind: 'failed', message: `subscriber: ${reason}` })
          setInterval(() => c.pingIfIdle(), 5_000).unref()
          await c.subscribe(m.filter, 1)
          send({ kind: 'subscribed' })
        })
        .catch((err: Error) => send({ kind: 'failed', message: err.message }))
      return
    case 'window-start':
      latency = new LatencyHistogram()
      return
    case 'count':
      return send({ kind: 'count', delivered, invalid })
    case 'report':
      return send({ kind: 'report', delivered, invalid, devices: Object.fromEntries(devices), latency: latency.toJSON() })
    case 'stop':
      if (client) client.onClose = undefined
      void (client?.end() ?? Promise.resolve()).finally(() => process.exit(0))
  }
})
process.on('disconnect', () => process.exit(1))
send({ kind: 'ready' })

/**
 * The simulated devices' payloads. A `Predictions` message is built and validated once per device by
 * the protocol (`encodeChannel`); each publish then only writes its seq, timestamp and send stamp into
 * that template, so a device costs string concatenation per message rather than schema validation,
 * and every payload is exactly what `encodeChannel` would produce.
 */
import { encodeChannel } from '@edgefleet/protocol'

const LABELS = ['Ethanol', 'Ethylene', 'Ammonia', 'Acetaldehyde', 'Acetone', 'Toluene'] as const
const MODEL = { name: 'gas-sensor', version: '1.0.0' }
// values no real field takes, swapped for the real ones on every publish
const SEQ_MARK = 987654321
const TS_MARK = 1700000000123
const STAMP_MARK = 'stampmark'
const MARKS = new RegExp(`(${SEQ_MARK}|${TS_MARK}|${STAMP_MARK})`)

/** Builds one device's `Predictions` payloads. */
export type PredictionsBuilder = (seq: number, tsMs: number, stamp: string) => string

/**
 * A builder of `Predictions` for `deviceId` with `items` gas-sensor predictions. `stamp` goes into
 * every prediction id (`<stamp>-<i>`): the simulator puts the send time there (µs on the monotonic
 * clock) so a subscriber on the same machine can measure delivery latency.
 */
export function predictionsBuilder(deviceId: string, items: number): PredictionsBuilder {
  const template = encodeChannel('pred', {
    v: 1,
    deviceId,
    seq: SEQ_MARK,
    ts: TS_MARK,
    model: MODEL,
    items: Array.from({ length: items }, (_, i) => ({
      id: `${STAMP_MARK}-${i}`,
      ts: TS_MARK,
      latencyMs: 0.004,
      label: LABELS[i % LABELS.length]!,
      classIndex: i % LABELS.length,
      confidence: 0.5 + (i % 50) / 100,
    })),
  })
  const parts = template.split(MARKS)
  return (seq, tsMs, stamp) => {
    let out = ''
    for (const part of parts) {
      if (part === String(SEQ_MARK)) out += seq
      else if (part === String(TS_MARK)) out += tsMs
      else if (part === STAMP_MARK) out += stamp
      else out += part
    }
    return out
  }
}

/** The send stamp a builder put into a `Predictions` payload, or undefined (malformed, or not ours). */
export function stampOf(payload: string): string | undefined {
  return payload.match(/"id":"([^"-]+)-0"/)?.[1]
}

/** A payload the hub must refuse as invalid (counted, never stored): alternately not JSON and schema-invalid. */
export function malformedPayload(deviceId: string, n: number): string {
  return n % 2 === 0 ? `{"v":1,"deviceId":"${deviceId}","seq":` : JSON.stringify({ v: 1, deviceId, seq: 'not a number', items: [] })
}

/** The retained status a device publishes on connect (and, offline, as its last will). */
export function statusPayload(deviceId: string, state: 'online' | 'offline', keepaliveS: number): string {
  return encodeChannel('status', {
    v: 1,
    deviceId,
    state,
    ts: Date.now(),
    ...(state === 'offline' ? { reason: 'lwt' as const } : { agentVersion: '0.1.0', backend: 'wasm' as const, keepaliveS, model: { ...MODEL, sha256: 'a'.repeat(64) } }),
  })
}

import { encodeChannel } from '@edgefleet/protocol'

/** The gas-sensor model's classes, in output order. */
const LABELS = ['Ethanol', 'Ethylene', 'Ammonia', 'Acetaldehyde', 'Acetone', 'Toluene'] as const
const MODEL = { name: 'gas-sensor', version: '1.0.0' }
const SHA256 = 'a'.repeat(64)

/**
 * A `Predictions` message as the agent sends it for the gas-sensor model: `items` predictions with
 * label, class index and confidence, fresh timestamps, validated and encoded by the protocol.
 */
export function predictionsMessage(deviceId: string, seq: number, items: number): string {
  const now = Date.now()
  const first = seq * items
  return encodeChannel('pred', {
    v: 1,
    deviceId,
    seq,
    ts: now,
    model: MODEL,
    items: Array.from({ length: items }, (_, i) => {
      const classIndex = (first + i) % LABELS.length
      return {
        id: `batch${1 + (seq % 10)}.csv:${first + i}`,
        ts: now - (items - i),
        latencyMs: 0.004,
        label: LABELS[classIndex]!,
        classIndex,
        confidence: 0.5 + ((first + i) % 50) / 100,
      }
    }),
  })
}

/** The retained status an agent publishes on connect (and, offline, as its last will). */
export function statusMessage(deviceId: string, state: 'online' | 'offline', keepaliveS: number): string {
  return encodeChannel('status', {
    v: 1,
    deviceId,
    state,
    ts: Date.now(),
    ...(state === 'offline' ? { reason: 'lwt' as const } : { agentVersion: '0.1.0', backend: 'wasm' as const, keepaliveS, model: { ...MODEL, sha256: SHA256 } }),
  })
}

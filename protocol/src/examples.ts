import type { ChannelPayloads } from './codec.ts'
import type { Alert } from './schemas/hub-messages.ts'
import type { ReadingPayload } from './schemas/reading.ts'

/**
 * One documented example of every message, used by the tests and by docs/PROTOCOL.md.
 * Each must validate; each is the smallest realistic message of its kind.
 */
const ts = 1_764_300_000_000
const model = { name: 'gas-sensor', version: '1.0.0' }
const sha256 = 'a'.repeat(64)
const target = {
  ...model,
  sha256,
  size: 40_321,
  url: 'http://hub.local:8080/api/v1/models/gas-sensor/1.0.0/model.onnx',
  manifestUrl: 'http://hub.local:8080/api/v1/models/gas-sensor/1.0.0/manifest.json',
  signature: { alg: 'ed25519' as const, keyId: 'hub-2026', expiresAt: ts + 86_400_000, value: 'c2lnbmF0dXJl' },
}

export const examples = {
  status: {
    v: 1, deviceId: 'pi-kitchen-01', state: 'online', ts, agentVersion: '0.1.0', backend: 'wasm', keepaliveS: 30,
    model: { ...model, sha256 }, uptimeS: 3600, queue: { depth: 0, dropped: 0 },
    counters: { predictions: 120_000, invalidReadings: 3, droppedReadings: 0, errors: 0 }, latencyMs: 0.02,
    drift: { state: 'ok', features: [] },
  },
  statusOffline: { v: 1, deviceId: 'pi-kitchen-01', state: 'offline', ts, reason: 'lwt' },
  pred: {
    v: 1, deviceId: 'pi-kitchen-01', seq: 42, ts, model,
    items: [{ id: 'batch3:17', ts, latencyMs: 0.004, label: 'Ethanol', classIndex: 0, confidence: 0.97 }],
  },
  predDetection: {
    v: 1, deviceId: 'cam-door', seq: 7, ts, model: { name: 'ultraface', version: '1.0.0' },
    items: [{ id: 'frame-0001', ts, latencyMs: 62, detections: [{ box: [0.1, 0.2, 0.3, 0.5], score: 0.99, label: 'face' }] }],
  },
  drift: {
    v: 1, deviceId: 'pi-kitchen-01', seq: 43, ts, model, window: { start: ts - 60_000, end: ts, count: 200 },
    features: [{ name: 's01_dr', count: 200, missing: 0, mean: 10_000, m2: 1.1e10, min: 900, max: 50_000,
      bins: [0, 50, 50, 50, 50, 0], ties: [[0, 1], [4, 1]] }],
    outputs: { classCounts: [40, 40, 30, 30, 30, 30], confidenceBins: [0, 0, 0, 0, 0, 0, 0, 10, 40, 150], entropySum: 12.5 },
  },
  samples: {
    v: 1, deviceId: 'pi-kitchen-01', seq: 44, ts, model,
    items: [{ id: 's-1', ts, reason: 'low-confidence', features: [1.5, null, 3], prediction: { id: 'r-1', ts, latencyMs: 0.01, label: 'Acetone', confidence: 0.41 } }],
  },
  labels: { v: 1, deviceId: 'pi-kitchen-01', seq: 45, ts, items: [{ sampleId: 's-1', label: 'Toluene', ts, source: 'lab' }] },
  events: {
    v: 1, deviceId: 'pi-kitchen-01', seq: 46, ts,
    event: { type: 'deploy', rolloutId: 'r-9', model: { name: 'gas-sensor', version: '1.1.0' }, step: 'verify-signature', state: 'failed', code: 'AGENT_SIGNATURE_INVALID', message: 'signature does not verify with the hub key' },
  },
  desired: { v: 1, ts, generation: 3, active: target, rollback: false, rolloutId: 'r-9' },
  cmd: { v: 1, id: 'cmd-1', ts, cmd: { type: 'resend', fromSeq: 40 } },
} satisfies Record<string, ChannelPayloads[keyof ChannelPayloads]>

export const alertExample: Alert = {
  v: 1, id: 'al-1', ts, kind: 'data-drift', state: 'raised', severity: 'warning', model, scope: 'device',
  deviceId: 'pi-kitchen-01', window: { start: ts - 600_000, end: ts, count: 1000 },
  signals: [
    { feature: 's01_dr', metric: 'psi', value: 0.41, threshold: 0.2 },
    { feature: 's01_dr', metric: 'ks', value: 0.31, threshold: 0.17, pValue: 0.0004 },
    { metric: 'drift-share', value: 0.023, threshold: 0.1 },
  ],
  message: '3 of 128 features drifted (psi): s01_dr, s02_dr, s05_dr',
}

export const readingExamples: ReadingPayload[] = [
  { id: 'r-1', ts, s01_dr: 15596.16, s01_dr_norm: '1.868', s01_ema_i_001: null },
  [{ s01_dr: 1 }, { s01_dr: 2, label: 'Ethanol' }],
]

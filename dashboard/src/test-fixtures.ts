import type { AlertView, DeviceView, DriftWindowView, ModelVersionSummary, PredictionBuckets, RolloutView } from '@edgefleet/protocol'
import type { LiveMessage } from './live/live-events.ts'

/** Builders of hub views for unit tests: a valid view with the fields a test cares about overridden. */

export function device(id: string, over: Partial<DeviceView> = {}): DeviceView {
  return {
    id, tags: {}, online: true, createdAt: 1_000, firstSeen: 1_000, lastSeen: 2_000,
    model: { name: 'gas-sensor', version: '1.0.0', sha256: 'a'.repeat(64) },
    agentVersion: '0.1.0', backend: 'wasm', keepaliveS: 30,
    counters: { messages: 1, invalid: 0, predictions: 0, duplicates: 0 },
    health: null,
    ...over,
  }
}

export function alert(id: string, over: Partial<AlertView['alert']> = {}, ack: AlertView['ack'] = null): AlertView {
  return {
    alert: {
      v: 1, id, ts: 10_000, kind: 'data-drift', state: 'raised', severity: 'warning',
      model: { name: 'gas-sensor', version: '1.0.0' }, scope: 'device', deviceId: 'pi-01',
      window: { start: 0, end: 10_000, count: 500 }, signals: [], message: `drift ${id}`,
      ...over,
    },
    ack,
  }
}

export function rollout(id: string, over: Partial<RolloutView> = {}): RolloutView {
  return {
    id, model: { name: 'gas-sensor', version: '1.1.0' }, previousVersion: '1.0.0', target: 'all', waves: [10, 50, 100],
    soakMs: 300_000, waveTimeoutMs: 1_800_000, minDevicesPerWave: 1, gates: {}, shadow: null, state: 'rolling', wave: 0,
    reason: null, createdAt: 5_000,
    progress: { targeted: 0, unassigned: 0, waves: [], shadow: null },
    verdict: { passed: true, decided: false, executed: 0, results: [] },
    history: [],
    ...over,
  }
}

export function version(name: string, v: string, over: Partial<ModelVersionSummary> = {}): ModelVersionSummary {
  return {
    name, version: v, sha256: 'b'.repeat(64), size: 1234, parentVersion: null, createdAt: 1_000,
    signature: { alg: 'ed25519', keyId: 'k', expiresAt: 9_000_000_000_000, value: 'c2ln' },
    artifacts: { model: `/api/v1/models/${name}/${v}/model.onnx`, manifest: `/api/v1/models/${name}/${v}/manifest.json` },
    ...over,
  }
}

export function buckets(from: number, to: number, every: number, list: PredictionBuckets['buckets']): PredictionBuckets {
  return { deviceId: 'pi-01', from, to, every, total: list.reduce((n, b) => n + b.count, 0), buckets: list }
}

/** A judged window: each feature's PSI (JS a tenth of it), its PSI threshold 0.2 unless `psiThresholds` names another. */
export function driftWindow(ts: number, features: Record<string, number>, psiThresholds: Record<string, number> = {}): DriftWindowView {
  return {
    ts, start: ts - 1000, scope: 'device', deviceId: 'pi-01', seq: 1, model: { name: 'gas-sensor', version: '1.0.0' }, count: 100,
    driftShare: 0, dataDrift: false,
    features: Object.entries(features).map(([name, psi]) => {
      const threshold = psiThresholds[name] ?? 0.2
      return {
        name, count: 100, missingRate: 0, psi, jensenShannon: psi / 10, ks: 0, ksPValue: 1, wasserstein: 0,
        thresholds: { psi: threshold, jensenShannon: 0.02, ks: 0.1, wasserstein: 1 }, drifted: psi > threshold,
      }
    }),
  }
}

export const deviceEvent = (d: DeviceView): LiveMessage => ({ type: 'device', body: { device: d } })
export const alertEvent = (a: AlertView): LiveMessage => ({ type: 'alert', body: { alert: a } })
export const rolloutEvent = (r: RolloutView): LiveMessage => ({ type: 'rollout', body: { rollout: r } })

import { mulberry32, type DriftSummary, type ReferenceStatistics } from '@edgefleet/protocol'
import { featureReference } from '@edgefleet/models'
import { DriftWindow } from '@edgefleet/models/drift'
import type { ReferenceSource } from '../drift/model-references.ts'

/** The model version the fixtures describe: six standard-normal features, no outputs. */
export const DEMO_MODEL = { name: 'demo', version: '1.0.0' } as const
const FEATURES = 6

function gaussian(next: () => number, mean: number): number {
  return mean + Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
}

const next = mulberry32(5)
const reference: ReferenceStatistics = {
  sampleCount: 4000,
  source: 'test',
  features: Array.from({ length: FEATURES }, (_, j) => featureReference(`f${j}`, Array.from({ length: 4000 }, () => gaussian(next, 0)))),
  outputs: {},
}

/** Reference statistics of {@link DEMO_MODEL} without a model file; raise and clear after two windows. */
export const demoReferences: ReferenceSource = {
  get: async (name, version) => (name === DEMO_MODEL.name && version === DEMO_MODEL.version
    ? { name, version, reference, drift: { windowSamples: 100, windowSeconds: 60, raiseAfter: 2, clearAfter: 2 } }
    : null),
}

/**
 * A device's `drift` message as an agent sends it (`DriftWindow` over the demo reference): `n`
 * samples 10 ms apart from `start`, features f0–f2 shifted by `shift` standard deviations.
 */
export function demoSummary(o: { deviceId: string; seq: number; start: number; n?: number; shift?: number; seed?: number }): DriftSummary {
  const rnd = mulberry32(o.seed ?? o.seq)
  const w = new DriftWindow(reference.features, null)
  const row = new Float64Array(FEATURES)
  for (let i = 0; i < (o.n ?? 100); i++) {
    for (let j = 0; j < FEATURES; j++) row[j] = gaussian(rnd, j < 3 ? (o.shift ?? 0) : 0)
    w.add(o.start + i * 10, row, 0)
  }
  return { v: 1, deviceId: o.deviceId, seq: o.seq, ts: o.start + (o.n ?? 100) * 10, model: { ...DEMO_MODEL }, ...w.take() }
}

import type { LabelItem, Samples } from '@edgefleet/protocol'

/** Test data: one `samples` message. */
export interface SampleSpec {
  id: string
  ts: number
  /** default `random` */
  reason?: Samples['items'][number]['reason']
  /** default [ts, 1] */
  features?: (number | null)[]
  /** the predicted label (default none) */
  predicted?: string
  classIndex?: number
}

export function samplesMessage(o: { deviceId?: string; model?: string; version?: string; seq?: number; items: SampleSpec[] }): Samples {
  return {
    v: 1,
    deviceId: o.deviceId ?? 'pi-01',
    seq: o.seq ?? 1,
    ts: Math.max(...o.items.map((i) => i.ts)),
    model: { name: o.model ?? 'gas-sensor', version: o.version ?? '1.0.0' },
    items: o.items.map((i) => ({
      id: i.id,
      ts: i.ts,
      reason: i.reason ?? 'random',
      features: i.features ?? [i.ts, 1],
      ...(i.predicted !== undefined || i.classIndex !== undefined
        ? { prediction: { id: `r-${i.id}`, ts: i.ts, latencyMs: 0.1, ...(i.predicted !== undefined ? { label: i.predicted } : {}), ...(i.classIndex !== undefined ? { classIndex: i.classIndex } : {}), confidence: 0.5 } }
        : {}),
    })),
  }
}

export function label(sampleId: string, value: string | number, ts: number, deviceId = 'pi-01', source?: string): LabelItem {
  return { deviceId, sampleId, label: value, ts, ...(source !== undefined ? { source } : {}) }
}

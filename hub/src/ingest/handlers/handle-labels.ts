import type { Handler } from './handler.ts'

/**
 * `labels`: ground truth for the device's own samples, stored before the acknowledgement; per sample
 * the newest `ts` wins. Labels carry no model: each is announced under the model of its stored sample,
 * and one whose sample has not arrived yet when that sample does (see `handleSamples`).
 */
export const handleLabels: Handler<'labels'> = async (ctx, m) => {
  if (!ctx.datasets) return {}
  const items = m.items.map((l) => ({ deviceId: m.deviceId, sampleId: l.sampleId, label: l.label, ts: l.ts, ...(l.source !== undefined ? { source: l.source } : {}) }))
  const { byModel } = await ctx.datasets.putLabels(items)
  for (const [model, count] of Object.entries(byModel)) ctx.onLabels?.(model, count)
  return {}
}

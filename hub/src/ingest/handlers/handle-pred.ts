import type { PredictionPoint } from '../../telemetry/telemetry-store.ts'
import type { Handler } from './handler.ts'

/** `pred`: a batch of predictions, stored once per (device, seq, index) however often it arrives. */
export const handlePredictions: Handler<'pred'> = async (ctx, m, fresh) => {
  const points: PredictionPoint[] = m.items.map((p, index) => ({
    deviceId: m.deviceId,
    seq: m.seq,
    index,
    ts: p.ts,
    model: m.model.name,
    version: m.model.version,
    readingId: p.id,
    latencyMs: p.latencyMs,
    ...(p.label !== undefined ? { label: p.label } : {}),
    ...(p.classIndex !== undefined ? { classIndex: p.classIndex } : {}),
    ...(p.confidence !== undefined ? { confidence: p.confidence } : {}),
    ...(p.value !== undefined ? { value: p.value } : {}),
    ...(m.shadow ? { shadow: true } : {}),
  }))
  await ctx.telemetry.writePredictions(points)
  return { predictions: fresh ? points.length : 0 }
}

import type { Handler } from './handler.ts'

/**
 * `samples`: training candidates, stored once per (device, sample id) before the acknowledgement. A
 * sample that labels were waiting for makes them count: announced as new labels of its model.
 */
export const handleSamples: Handler<'samples'> = async (ctx, m) => {
  if (!ctx.datasets) return {}
  const { joined } = await ctx.datasets.putSamples(m)
  if (joined > 0) ctx.onLabels?.(m.model.name, joined)
  return {}
}

import type { Handler } from './handler.ts'

/**
 * `drift`: a device's window summary goes to the drift engine (judged per device, merged into the
 * fleet window). A redelivered seq is not judged twice: merging it again would count its samples twice.
 */
export const handleDrift: Handler<'drift'> = async (ctx, message, fresh) => {
  if (fresh) await ctx.drift?.ingest(message)
  return {}
}

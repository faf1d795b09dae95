import type { Handler } from './handler.ts'

/** `events`: deploy progress, errors, command results; stored once per (device, seq). */
export const handleEvents: Handler<'events'> = async (ctx, m) => {
  await ctx.registry.recordEvent({ deviceId: m.deviceId, seq: m.seq, ts: m.ts, type: m.event.type, event: m.event as Record<string, unknown> })
  return {}
}

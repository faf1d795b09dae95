import type { Handler } from './handler.ts'

/**
 * `events`: deploy progress, errors, command results; stored once per (device, seq). Deploy events also
 * update the device's activation state, which rollouts read.
 */
export const handleEvents: Handler<'events'> = async (ctx, m) => {
  await ctx.registry.recordEvent({ deviceId: m.deviceId, seq: m.seq, ts: m.ts, type: m.event.type, event: m.event as Record<string, unknown> })
  if (m.event.type === 'deploy') ctx.onDeploy?.(await ctx.registry.recordDeployment(m.deviceId, m.event, m.ts, Date.now()))
  return {}
}

import type { Handler } from './handler.ts'

/** `status`: presence and what the device runs. Offline statuses come from the last will or a clean shutdown. */
export const handleStatus: Handler<'status'> = async (ctx, m) => {
  await ctx.registry.updatePresence(m.deviceId, {
    online: m.state === 'online',
    // presence is what the hub observed now, not the device clock (a last will carries its connect time)
    at: Date.now(),
    ...(m.agentVersion !== undefined ? { agentVersion: m.agentVersion } : {}),
    ...(m.backend !== undefined ? { backend: m.backend } : {}),
    ...(m.model !== undefined ? { model: m.model } : {}),
    ...(m.keepaliveS !== undefined ? { keepaliveS: m.keepaliveS } : {}),
  })
  ctx.onStatus?.(m)
  ctx.onDeviceChange?.(m.deviceId)
  return {}
}

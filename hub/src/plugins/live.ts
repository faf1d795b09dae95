import fp from 'fastify-plugin'
import { LiveFeed } from '../live/live-feed.ts'
import { deviceView } from '../routes/devices/device-view.ts'
import { rolloutView } from '../routes/rollouts/rollout-view.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** what operator clients watch live (`GET /api/v1/live`): publish events, mark devices and rollouts changed */
    live: LiveFeed
  }
}

/**
 * The live feed. Ingest, the alert service, the rollout engine and the model routes tell it what
 * changed; device and rollout views are built when a change is sent, from the registry and health.
 */
export const livePlugin = fp(async (app) => {
  const live = new LiveFeed({
    logger: app.log,
    deviceView: async (id) => {
      const d = await app.registry.getDevice(id)
      return d ? deviceView(d, app.ingest.counters.get(id), app.deviceHealth.get(id)) : null
    },
    rolloutOfDevice: async (id) => (await app.registry.getDesired(id))?.desired.rolloutId ?? null,
    rolloutView: async (id) => {
      const s = await app.rollouts.get(id)
      return s ? rolloutView(s, await app.rollouts.facts(s), Date.now()) : null
    },
  })
  app.decorate('live', live)
  app.addHook('preClose', async () => live.close())
}, { name: 'live', dependencies: ['stores', 'device-health'] })

import fp from 'fastify-plugin'
import { RolloutEngine } from '../rollouts/rollout-engine.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** health-gated rollouts: create, step on a timer, pause/resume/abort/rollback */
    rollouts: RolloutEngine
  }
}

export interface RolloutsOptions {
  tickMs: number
}

/**
 * The rollout engine, on the registry, device health and the desired-state service. Whoever starts the
 * broker starts the engine (`app.rollouts.start()`), since its steps publish desired states; it stops
 * before the stores close.
 */
export const rolloutsPlugin = fp<RolloutsOptions>(async (app, o) => {
  const engine = new RolloutEngine({ registry: app.registry, desired: app.desired, health: app.deviceHealth, telemetry: app.telemetry, logger: app.log, tickMs: o.tickMs,
    onChange: (id) => app.live.rolloutChanged(id),
  })
  app.decorate('rollouts', engine)
  app.addHook('preClose', async () => engine.close())
}, { name: 'rollouts', dependencies: ['stores', 'desired', 'device-health'] })

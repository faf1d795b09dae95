import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Health } from '@edgefleet/protocol'
import { HUB_VERSION } from '../../version.ts'

const startedAt = Date.now()

/** `/healthz` for load balancers and `/metrics` for Prometheus: both without a token. */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { config: { role: 'public' }, schema: { tags: ['health'], summary: 'Liveness and a short status', response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    version: HUB_VERSION,
    uptimeS: Math.round((Date.now() - startedAt) / 1000),
    devicesOnline: app.broker.connectedDevices().size,
    broker: app.broker.kind,
    telemetry: app.telemetry.kind,
    role: app.leader.isLeader() ? 'leader' as const : 'follower' as const,
    ...(app.cluster.instanceId !== null ? { instanceId: app.cluster.instanceId } : {}),
  }))

  app.get('/metrics', { config: { role: 'public' }, schema: { tags: ['health'], summary: 'Prometheus metrics', hide: false } }, async (_request, reply) => {
    reply.header('content-type', app.metrics.registry.contentType)
    return app.metrics.registry.metrics()
  })
}

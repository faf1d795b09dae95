import type { FastifyInstance } from 'fastify'
import { Counter } from 'prom-client'

/** Answers that refuse a caller: bad request, no or wrong credentials, not allowed, a version registered already, too large. */
const REFUSALS = new Set([400, 401, 403, 409, 413])

/**
 * Counts the refusals of this plugin's routes in the hub's Prometheus registry
 * (`edgefleet_model_api_refusals_total{route, status}`): a rise in 401/403 on downloads is a device
 * with a stale secret, or someone probing.
 */
export function countRefusals(app: FastifyInstance): void {
  const refusals = new Counter({
    name: 'edgefleet_model_api_refusals_total',
    help: 'Model registry requests refused, by route and HTTP status (400 invalid, 401 unauthenticated, 403 not allowed, 409 version registered already, 413 too large)',
    labelNames: ['route', 'status'],
    registers: [app.metrics.registry],
  })
  app.addHook('onResponse', async (request, reply) => {
    if (REFUSALS.has(reply.statusCode)) refusals.inc({ route: `${request.method} ${request.routeOptions.url ?? ''}`, status: String(reply.statusCode) })
    if (reply.statusCode === 413) {
      // the upload limit is one of the hub's limits: counted with the others, and logged with its reason
      app.metrics.limitRefused('upload-size')
      request.log.warn({ limit: 'upload-size', operator: request.operator, contentLength: request.headers['content-length'] }, 'refused by a limit: model upload over maxUploadBytes')
    }
  })
}

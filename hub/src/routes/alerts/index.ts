import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AlertAckBody, AlertList, AlertListQuery, AlertParams, AlertView, ErrorBody } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'

/** Alerts: history with filters and paging, one alert (viewer), acknowledge (operator). */
export const alertRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/alerts', {
    config: { role: 'viewer' },
    schema: {
      tags: ['alerts'],
      summary: 'List alerts, newest first; pass `next` as `before` for the next page',
      querystring: AlertListQuery,
      response: { 200: AlertList, 400: ErrorBody, 401: ErrorBody },
    },
  }, async (request) => app.registry.listAlerts(request.query))

  app.get('/alerts/:id', {
    config: { role: 'viewer' },
    schema: { tags: ['alerts'], summary: 'One alert with its acknowledgement', params: AlertParams, response: { 200: AlertView, 401: ErrorBody, 404: ErrorBody } },
  }, async (request) => {
    const record = await app.registry.getAlert(request.params.id)
    if (!record) throw new HubError('HUB_ALERT_NOT_FOUND', `no alert ${JSON.stringify(request.params.id)}; list them with GET /api/v1/alerts`)
    return record
  })

  app.post('/alerts/:id/ack', {
    config: { role: 'operator' },
    schema: {
      tags: ['alerts'],
      summary: 'Acknowledge an alert (by the calling operator token, with an optional note); the first acknowledgement is kept',
      params: AlertParams,
      body: AlertAckBody,
      response: { 200: AlertView, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
    },
    // `curl -X POST …/ack` sends no body: that is an acknowledgement without a note
    preValidation: async (request) => {
      request.body ??= {}
    },
  }, async (request) => {
    // the role check has run: the token's name is who acknowledged
    const by = request.operator ?? 'operator'
    const record = await app.registry.acknowledgeAlert(request.params.id, { by, note: request.body.note ?? null })
    app.live.publish('alert', { alert: record })
    return record
  })
}

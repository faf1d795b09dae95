import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DriftHistoryQuery, DriftStateList, DriftStateQuery, DriftWindowList, ErrorBody } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'
import { selectScopes, windowView } from './drift-views.ts'

/** Drift: every scope's current state (from the drift engine) and stored windows (from telemetry). Viewers and up. */
export const driftRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/drift', {
    config: { role: 'viewer' },
    schema: {
      tags: ['drift'],
      summary: "Every drift scope's current state (per model version: the fleet and each device): raised alert kinds and the last judged window",
      querystring: DriftStateQuery,
      response: { 200: DriftStateList, 400: ErrorBody, 401: ErrorBody },
    },
  }, async (request) => {
    const q = request.query
    if (q.deviceId !== undefined && q.fleet === true) throw new HubError('HUB_USAGE', 'ask for one device (`deviceId=`) or for the fleet (`fleet=true`), not both')
    return { scopes: selectScopes(await app.drift.snapshot(), q) }
  })

  app.get('/drift/history', {
    config: { role: 'viewer' },
    schema: {
      tags: ['drift'],
      summary: "One model's judged drift windows, newest first, with every feature's statistics (PSI, Jensen-Shannon, KS with p-value, Wasserstein) and thresholds",
      querystring: DriftHistoryQuery,
      response: { 200: DriftWindowList, 400: ErrorBody, 401: ErrorBody, 503: ErrorBody },
    },
  }, async (request) => {
    const q = request.query
    if (q.deviceId !== undefined && q.fleet === true) throw new HubError('HUB_USAGE', 'ask for one device (`deviceId=`) or for the fleet (`fleet=true`), not both')
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) throw new HubError('HUB_USAGE', '`from` must not be after `to`')
    const records = await app.telemetry.queryDriftWindows(q)
    return { windows: records.map(windowView) }
  })
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DeviceEventList, DeviceEventsQuery, DeviceList, DeviceListQuery, DeviceParams, DeviceView, ErrorBody, PredictionBuckets, PredictionsQuery } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'
import type { DeviceRecord } from '../../registry/registry-store.ts'
import { deviceCredentialRoutes } from './credential-routes.ts'
import { deviceView } from './device-view.ts'

const HOUR = 3_600_000
const MINUTE = 60_000
/** Most buckets one query may ask for. */
const MAX_BUCKETS = 10_000
/** Events one request returns unless it asks for more (at most 1 000). */
const DEFAULT_EVENTS = 100

/** Devices: list with filters, one device with its counters and health, its predictions over time, its events. */
export const deviceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const view = (d: DeviceRecord) => deviceView(d, app.ingest.counters.get(d.id), app.deviceHealth.get(d.id))
  // revoke and rotate-secret (./credential-routes.ts), admin only
  await app.register(deviceCredentialRoutes)

  app.get('/devices', {
    config: { role: 'viewer' },
    schema: { tags: ['devices'], summary: 'List devices', querystring: DeviceListQuery, response: { 200: DeviceList, 401: ErrorBody } },
  }, async (request) => {
    const tags = [request.query.tag ?? []].flat()
    const filter = {
      ...(tags.length > 0 ? { tags: Object.fromEntries(tags.map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)])) } : {}),
      ...(request.query.online !== undefined ? { online: request.query.online } : {}),
    }
    const devices = (await app.registry.listDevices(filter)).map(view)
    return { devices, total: devices.length, online: devices.filter((d) => d.online).length }
  })

  app.get('/devices/:id', {
    config: { role: 'viewer' },
    schema: { tags: ['devices'], summary: 'One device with its message counters', params: DeviceParams, response: { 200: DeviceView, 401: ErrorBody, 404: ErrorBody } },
  }, async (request) => {
    const device = await app.registry.getDevice(request.params.id)
    if (!device) throw new HubError('HUB_DEVICE_NOT_FOUND', `no device ${request.params.id}; list them with GET /api/v1/devices`)
    return view(device)
  })

  app.get('/devices/:id/predictions', {
    config: { role: 'viewer' },
    schema: {
      tags: ['devices'],
      summary: "A device's predictions over time, in buckets (count, mean confidence and latency, labels)",
      params: DeviceParams,
      querystring: PredictionsQuery,
      response: { 200: PredictionBuckets, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
    },
  }, async (request) => {
    const { id } = request.params
    if (!(await app.registry.getDevice(id))) throw new HubError('HUB_DEVICE_NOT_FOUND', `no device ${id}`)
    const every = request.query.every ?? MINUTE
    const to = request.query.to ?? Date.now()
    // the default window starts on a bucket boundary, so repeated requests see the same buckets
    const from = request.query.from ?? Math.floor((to - HOUR) / every) * every
    if (from >= to) throw new HubError('HUB_USAGE', '`from` must be before `to`')
    if ((to - from) / every > MAX_BUCKETS) throw new HubError('HUB_USAGE', `that is more than ${MAX_BUCKETS} buckets: widen \`every\` or narrow the range`)
    const buckets = await app.telemetry.aggregatePredictions({ deviceId: id, from, to, everyMs: every })
    return { deviceId: id, from, to, every, total: buckets.reduce((n, b) => n + b.count, 0), buckets }
  })

  app.get('/devices/:id/events', {
    config: { role: 'viewer' },
    schema: {
      tags: ['devices'],
      summary: "A device's stored events (deploy steps, errors, command results), newest first",
      params: DeviceParams,
      querystring: DeviceEventsQuery,
      response: { 200: DeviceEventList, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
    },
  }, async (request) => {
    const { id } = request.params
    if (!(await app.registry.getDevice(id))) throw new HubError('HUB_DEVICE_NOT_FOUND', `no device ${id}; list them with GET /api/v1/devices`)
    const events = await app.registry.listEvents(id, request.query.limit ?? DEFAULT_EVENTS)
    return { deviceId: id, events: events.map(({ seq, ts, type, event }) => ({ seq, ts, type, event })) }
  })
}

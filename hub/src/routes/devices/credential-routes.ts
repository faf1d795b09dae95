import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DeviceParams, DeviceSecret, DeviceView, ErrorBody } from '@edgefleet/protocol'
import type { DeviceRecord } from '../../registry/registry-store.ts'
import { deviceView } from './device-view.ts'

/**
 * Revoke a device and rotate its secret. They run in the hub because only the running broker can drop
 * the device's current connection; the registry change alone refuses its next one. Admin only
 * (`config.role`, checked by plugins/route-auth.ts); registered inside deviceRoutes.
 */
export const deviceCredentialRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const view = (d: DeviceRecord) => deviceView(d, app.ingest.counters.get(d.id), app.deviceHealth.get(d.id))

  app.post('/devices/:id/revoke', {
    config: { role: 'admin' },
    schema: {
      tags: ['devices'],
      summary: 'Revoke a device: its connection is dropped now and every later one refused; it stays listed (marked revoked) with its data',
      params: DeviceParams,
      response: { 200: DeviceView, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
    },
  }, async (request) => {
    const device = await app.registry.revokeDevice(request.params.id, Date.now())
    app.broker.disconnect(device.id)
    request.log.warn({ deviceId: device.id }, 'device revoked')
    app.live.deviceChanged(device.id)
    return view(device)
  })

  app.post('/devices/:id/rotate-secret', {
    config: { role: 'admin' },
    schema: {
      tags: ['devices'],
      summary: 'Give a device a new secret (shown once, in this answer); a connection made with the old one is dropped now',
      params: DeviceParams,
      response: { 200: DeviceSecret, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
    },
  }, async (request) => {
    const { id } = request.params
    const secret = await app.registry.rotateDeviceSecret(id)
    app.broker.disconnect(id)
    request.log.info({ deviceId: id }, 'device secret rotated')
    return { id, secret }
  })
}

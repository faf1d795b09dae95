import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { compare } from 'semver'
import { DesiredAssignmentBody, DeviceDeployment, DeviceParams, ErrorBody, Desired } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'
import { healthView } from '../devices/device-view.ts'
import type { ModelVersionRecord } from '../../registry/model-store.ts'

/** One device's desired state: put it on a registered version directly, and see what it reported. */
export const deploymentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const version = async (ref: string | null | undefined): Promise<ModelVersionRecord | null | undefined> => {
    if (ref === undefined || ref === null) return ref
    const at = ref.indexOf('@')
    const record = await app.registry.getModelVersion(ref.slice(0, at), ref.slice(at + 1))
    if (!record) throw new HubError('HUB_MODEL_NOT_FOUND', `${ref} is not registered: push it first (edgefleet model push <package-dir>), or list versions with GET /api/v1/models`)
    return record
  }

  app.put('/devices/:id/desired', {
    config: { role: 'operator' },
    schema: {
      tags: ['deployments'],
      summary: 'Put one device on a registered model version (outside a rollout); an older version than it runs is sent as a signed rollback',
      params: DeviceParams,
      body: DesiredAssignmentBody,
      response: { 200: Desired, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
    },
  }, async (request) => {
    const device = await app.registry.getDevice(request.params.id)
    if (!device) throw new HubError('HUB_DEVICE_NOT_FOUND', `no device ${request.params.id}; list them with GET /api/v1/devices`)
    const active = await version(request.body.model)
    const shadow = await version(request.body.shadow)
    const running = app.deviceHealth.get(device.id)?.model ?? device.model
    const rollback = !!active && !!running && running.name === active.name && compare(active.version, running.version) < 0
    request.log.info({ deviceId: device.id, model: request.body.model, shadow: request.body.shadow, rollback, operator: request.operator }, 'desired state set')
    return app.desired.assign(device.id, { active, ...(shadow !== undefined ? { shadow } : {}), rollback, rolloutId: null })
  })

  app.get('/devices/:id/deployment', {
    config: { role: 'viewer' },
    schema: {
      tags: ['deployments'],
      summary: "A device's desired state, the activation steps it reported, and its model health",
      params: DeviceParams,
      response: { 200: DeviceDeployment, 401: ErrorBody, 404: ErrorBody },
    },
  }, async (request) => {
    const { id } = request.params
    if (!(await app.registry.getDevice(id))) throw new HubError('HUB_DEVICE_NOT_FOUND', `no device ${id}`)
    const deployments = (await app.registry.listDeployments({ deviceIds: [id] })).map(({ deviceId: _d, updatedAt: _u, ...d }) => d)
    const h = app.deviceHealth.get(id)
    const health = h ? { ...healthView(h), model: h.model } : null
    return { deviceId: id, desired: (await app.registry.getDesired(id))?.desired ?? null, deployments, health }
  })
}

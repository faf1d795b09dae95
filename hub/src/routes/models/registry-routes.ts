import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody, ModelListQuery, ModelVersionList, ModelVersionParams, ModelVersionView } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'
import { versionSummary, versionView } from './model-views.ts'

/** The registry's versions: list (optionally of one model) and one version with manifest and lineage. Viewers and up. */
export const registryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/models', {
    config: { role: 'viewer' },
    schema: {
      tags: ['models'],
      summary: 'List registered model versions, by name then version (oldest first)',
      querystring: ModelListQuery,
      response: { 200: ModelVersionList, 400: ErrorBody, 401: ErrorBody },
    },
  }, async (request) => ({ versions: (await app.registry.listModelVersions(request.query.name)).map(versionSummary) }))

  app.get('/models/:name/:version', {
    config: { role: 'viewer' },
    schema: {
      tags: ['models'],
      summary: 'One registered version: its signed manifest and lineage (ancestors and children)',
      params: ModelVersionParams,
      response: { 200: ModelVersionView, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
    },
  }, async (request) => {
    const { name, version } = request.params
    const record = await app.registry.getModelVersion(name, version)
    if (!record) throw new HubError('HUB_MODEL_NOT_FOUND', `${name}@${version} is not registered; list the versions with GET /api/v1/models?name=${name}`)
    return versionView(app.registry, record)
  })
}

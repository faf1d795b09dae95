import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { ErrorBody, RolloutCommandBody, RolloutCreateBody, RolloutList, RolloutListQuery, RolloutParams, RolloutView } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'
import { parseRolloutFlags } from '../../rollouts/policy/index.ts'
import type { RolloutCommand, StoredRollout } from '../../rollouts/rollout-engine.ts'
import { rolloutView } from './rollout-view.ts'

const COMMANDS = ['pause', 'resume', 'abort', 'rollback'] as const satisfies readonly RolloutCommand[]

/** Rollouts: create (the settings of `edgefleet rollout create`), list, show with progress, and the operator's commands. */
export const rolloutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const view = async (s: StoredRollout) => rolloutView(s, await app.rollouts.facts(s), Date.now())

  app.post('/rollouts', {
    config: { role: 'operator' },
    schema: {
      tags: ['rollouts'],
      summary: 'Start a health-gated rollout of a registered version in waves',
      body: RolloutCreateBody,
      response: { 201: RolloutView, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => {
    // one parser for the CLI's flags and this body: the same words, the same errors
    const { id: _id, ...spec } = parseRolloutFlags('', request.body)
    const created = await app.rollouts.create(spec, request.operator)
    return reply.status(201).send(await view(created))
  })

  app.get('/rollouts', {
    config: { role: 'viewer' },
    schema: { tags: ['rollouts'], summary: 'Rollouts, newest first', querystring: RolloutListQuery, response: { 200: RolloutList, 401: ErrorBody } },
  }, async (request) => {
    const { model, state, limit } = request.query
    const rollouts = await app.rollouts.list({ ...(model ? { model } : {}), ...(state ? { states: [state] } : {}), limit: limit ?? 100 })
    return { rollouts: await Promise.all(rollouts.map(view)) }
  })

  app.get('/rollouts/:id', {
    config: { role: 'viewer' },
    schema: { tags: ['rollouts'], summary: 'One rollout: progress per wave (device counts per state), gate verdicts, history', params: RolloutParams, response: { 200: RolloutView, 401: ErrorBody, 404: ErrorBody } },
  }, async (request) => {
    const s = await app.rollouts.get(request.params.id)
    if (!s) throw new HubError('HUB_ROLLOUT_NOT_FOUND', `no rollout ${request.params.id}; list them with GET /api/v1/rollouts`)
    return view(s)
  })

  app.post('/rollouts/:id/:command', {
    config: { role: 'operator' },
    schema: {
      tags: ['rollouts'],
      summary: 'pause, resume, abort (rolls back every updated device) or rollback (a completed rollout)',
      params: Type.Object({ id: RolloutParams.properties.id, command: Type.Enum(COMMANDS) }, { additionalProperties: false }),
      body: RolloutCommandBody,
      response: { 200: RolloutView, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody },
    },
    // `curl -X POST …/pause` sends no body: that is an empty one
    preValidation: async (request) => {
      request.body ??= {}
    },
  }, async (request) => view(await app.rollouts.command(request.params.id, request.params.command, request.body.reason, request.operator)))
}

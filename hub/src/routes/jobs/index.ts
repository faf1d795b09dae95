import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody, JOB_STATES, JobCreateBody, JobList, JobListQuery, JobParams, JobView } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'

/** Retraining jobs: start one by hand and cancel (operator), list and show (viewer). */
export const jobRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/jobs', {
    config: { role: 'operator' },
    schema: {
      tags: ['retraining'],
      summary: 'Retrain a model now: snapshot its labelled samples, train, evaluate against the current version, register if better (and canary, by policy)',
      body: JobCreateBody,
      response: { 201: JobView, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => {
    const { model, reason } = request.body
    if ((await app.registry.listModelVersions(model)).length === 0) {
      throw new HubError('HUB_MODEL_NOT_FOUND', `${model} has no registered version to retrain: push one first (edgefleet model push <package-dir>)`)
    }
    const job = await app.retraining.jobs.create({ model, trigger: 'manual', reason: reason ?? `started by ${request.operator ?? 'an operator'}`, by: request.operator })
    return reply.status(201).send(job)
  })

  app.get('/jobs', {
    config: { role: 'viewer' },
    schema: { tags: ['retraining'], summary: 'Retraining jobs, newest first', querystring: JobListQuery, response: { 200: JobList, 400: ErrorBody, 401: ErrorBody } },
  }, async (request) => {
    const { model, state, limit } = request.query
    if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state)) throw new HubError('HUB_USAGE', `state must be one of ${JOB_STATES.join(', ')}`)
    return { jobs: await app.retraining.jobs.list({ ...(model ? { model } : {}), ...(state ? { states: [state] } : {}), limit: limit ?? 100 }) }
  })

  app.get('/jobs/:id', {
    config: { role: 'viewer' },
    schema: { tags: ['retraining'], summary: 'One job: trigger, progress, snapshot, candidate-vs-current evaluation, registered version, canary rollout', params: JobParams, response: { 200: JobView, 401: ErrorBody, 404: ErrorBody } },
  }, async (request) => {
    const job = await app.retraining.jobs.get(request.params.id)
    if (!job) throw new HubError('HUB_JOB_NOT_FOUND', `no retraining job ${request.params.id}; list them with GET /api/v1/jobs`)
    return job
  })

  app.post('/jobs/:id/cancel', {
    config: { role: 'operator' },
    schema: { tags: ['retraining'], summary: 'Cancel a queued job, or stop a running one at its next epoch or step', params: JobParams, response: { 200: JobView, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody } },
  }, async (request) => app.retraining.jobs.cancel(request.params.id, request.operator))
}

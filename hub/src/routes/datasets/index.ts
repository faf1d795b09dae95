import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { DatasetParams, DatasetSnapshotList, DatasetSnapshotParams, DatasetSnapshotView, DatasetSummary, ErrorBody } from '@edgefleet/protocol'
import Type from 'typebox'
import { HubError } from '../../errors.ts'
import { labelsRoute } from './labels-route.ts'

/** The snapshot file as it is: a stream, documented in OpenAPI, never serialised. */
const JsonlStream = Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'one JSON object (DatasetRow) per line' })
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody }

/** Training data: label uploads and snapshots (operator), each model's dataset summary and its immutable snapshots (viewer). */
export const datasetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(labelsRoute)

  app.get('/datasets/:model', {
    config: { role: 'viewer' },
    schema: {
      tags: ['datasets'],
      summary: "One model's training data: samples by reason, labelled samples by class, and each version's accuracy on its labelled samples",
      params: DatasetParams,
      response: { 200: DatasetSummary, ...errors },
    },
  }, async (request) => app.datasets.summary(request.params.model))

  app.post('/datasets/:model/snapshots', {
    config: { role: 'operator' },
    schema: {
      tags: ['datasets'],
      summary: "Snapshot the model's labelled samples: an immutable, numbered JSONL file with its sha256",
      params: DatasetParams,
      response: { 201: DatasetSnapshotView, ...errors, 409: ErrorBody },
    },
  }, async (request, reply) => {
    const view = await app.datasets.createSnapshot(request.params.model, { reason: 'manual' })
    request.log.info({ model: view.model, snapshot: view.snapshot, rows: view.rows, by: request.operator }, 'dataset snapshot created')
    return reply.status(201).send(view)
  })

  app.get('/datasets/:model/snapshots', {
    config: { role: 'viewer' },
    schema: { tags: ['datasets'], summary: "The model's snapshots, oldest first", params: DatasetParams, response: { 200: DatasetSnapshotList, ...errors } },
  }, async (request) => ({ snapshots: await app.datasets.listSnapshots(request.params.model) }))

  app.get('/datasets/:model/snapshots/:snapshot', {
    config: { role: 'viewer' },
    schema: { tags: ['datasets'], summary: 'One snapshot: rows, rows per class, time range, sha256, why it was made', params: DatasetSnapshotParams, response: { 200: DatasetSnapshotView, ...errors } },
  }, async (request) => {
    const { model, snapshot } = request.params
    const found = await app.datasets.getSnapshot(model, snapshot)
    if (!found) throw notFound(model, snapshot)
    return found.view
  })

  app.get('/datasets/:model/snapshots/:snapshot/data', {
    config: { role: 'viewer' },
    schema: {
      tags: ['datasets'],
      summary: "A snapshot's rows as JSONL (application/x-ndjson), checked against its sha256 first; ETag is the sha256",
      params: DatasetSnapshotParams,
      produces: ['application/x-ndjson'],
      response: { 200: JsonlStream, ...errors, 500: ErrorBody },
    },
  }, async (request, reply) => {
    const { model, snapshot } = request.params
    const { path, view } = await app.datasets.verifySnapshot(model, snapshot)
    return reply
      .header('content-type', 'application/x-ndjson')
      .header('etag', `"${view.sha256}"`)
      .header('content-disposition', `attachment; filename="${model}-${snapshot}.jsonl"`)
      .send(createReadStream(path))
  })
}

function notFound(model: string, snapshot: number): HubError {
  return new HubError('HUB_SNAPSHOT_NOT_FOUND', `${model} has no snapshot ${snapshot} (never made, or deleted by retention); list them with GET /api/v1/datasets/${model}/snapshots`)
}

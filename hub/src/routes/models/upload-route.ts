import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody, ModelVersionView } from '@edgefleet/protocol'
import type { FastifyRequest } from 'fastify'
import type { ModelBlobs } from '../../models/model-blobs.ts'
import { pushModel, PUSH_STEPS } from '../../models/push-model.ts'
import { versionSummary, versionView } from './model-views.ts'
import { receivePackage, tooLarge } from './receive-package.ts'

export interface UploadRouteOptions {
  blobs: ModelBlobs
  /** where uploads are written while they are checked (one fresh directory each, always removed) */
  uploadsDir: string
  /** largest package accepted: the manifest and ONNX parts together, in bytes */
  maxUploadBytes: number
}

/** Room for the multipart framing (boundaries, part headers) on top of the parts themselves. */
const FRAMING_BYTES = 64 * 1024

/**
 * `POST /models`: a model package as multipart/form-data (parts `manifest` and `model`), streamed to
 * a fresh directory, then accepted by {@link pushModel} exactly as `edgefleet model push` does.
 */
export const uploadRoute: FastifyPluginAsyncTypebox<UploadRouteOptions> = async (app, o) => {
  // encapsulated: only this route parses multipart bodies
  await app.register(multipart)
  // whatever a crash left mid-upload is garbage: no upload outlives its request
  await rm(o.uploadsDir, { recursive: true, force: true })
  await mkdir(o.uploadsDir, { recursive: true })

  // a declared body that cannot fit is refused before a byte of it is read; the connection stays
  // open (node discards the unread body) so that the answer reliably reaches a client still sending
  const refuseDeclaredOversize = async (request: FastifyRequest): Promise<void> => {
    const declared = Number(request.headers['content-length'])
    if (Number.isFinite(declared) && declared > o.maxUploadBytes + FRAMING_BYTES) throw tooLarge(o.maxUploadBytes)
  }

  app.post('/models', {
    config: { role: 'operator' },
    // the role check (plugins/route-auth.ts) runs first, so an unauthorised upload is refused before its size
    onRequest: refuseDeclaredOversize,
    schema: {
      tags: ['models'],
      summary: 'Register a model package (multipart/form-data: file parts `manifest` and `model`)',
      description: `The parts are streamed to disk, then the hub runs ${PUSH_STEPS.join(' → ')}: it checks the ONNX file against the manifest, loads it and runs the manifest's self-test vectors, refuses a version that is not newer than the registered ones, signs the manifest and stores the ONNX file by its sha256. Upload with \`edgefleet model push <dir> --hub <url>\` or \`curl -H 'Authorization: Bearer <token>' -F manifest=@manifest.json -F model=@model.onnx <hub>/api/v1/models\`. A failure names its step.`,
      consumes: ['multipart/form-data'],
      response: { 201: ModelVersionView, 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 413: ErrorBody },
    },
  }, async (request, reply) => {
    const dir = await mkdtemp(join(o.uploadsDir, 'upload-'))
    try {
      try {
        await receivePackage(request, dir, o.maxUploadBytes)
      } catch (err) {
        // the multipart parser stopped mid-body: close rather than drain what may be gigabytes more
        void reply.header('connection', 'close')
        throw err
      }
      const record = await pushModel(dir, {
        registry: app.registry, blobs: o.blobs, keys: app.signingKeys, source: 'the uploaded package',
        onStep: (step) => request.log.debug({ step }, 'model upload'),
      })
      request.log.info({ model: record.name, version: record.version, sha256: record.sha256, operator: request.operator }, 'model version registered')
      app.live.publish('model', { version: versionSummary(record) })
      return reply.status(201).send(await versionView(app.registry, record))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
}

import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody, ModelVersionParams } from '@edgefleet/protocol'
import Type from 'typebox'
import type { FastifyRequest } from 'fastify'
import { HubError } from '../../errors.ts'
import type { ModelBlobs } from '../../models/model-blobs.ts'
import type { ModelVersionRecord } from '../../registry/model-store.ts'
import { desiredVersions, deviceMayFetch } from './artifact-access.ts'
import { parseByteRange } from './byte-range.ts'

export interface ArtifactRoutesOptions {
  /** the hub's content-addressed ONNX files */
  blobs: ModelBlobs
}

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody }
/** The ONNX file, or a byte range of it: documented in OpenAPI; a stream is sent as it is, never serialised. */
const OnnxBytes = Type.Unsafe<Readable | undefined>({ type: 'string', format: 'binary', description: 'the ONNX file, or the requested byte range of it' })
/** The manifest as stored: JSON text sent as it is. */
const ManifestText = Type.Unsafe<string | undefined>({ type: 'string', description: 'the manifest (JSON) with the hub\'s signature' })
const description = 'A device authenticates with HTTP Basic `<device id>:<secret>` and may fetch only the versions its desired state names (active or shadow); an operator token may fetch any version.'

/**
 * A registered version's ONNX file (streamed, with Range requests) and signed manifest, for devices
 * and operators. A device authenticates with HTTP Basic `<device id>:<secret>` and may fetch only the
 * versions its desired state names; an operator token may fetch any.
 */
export const artifactRoutes: FastifyPluginAsyncTypebox<ArtifactRoutesOptions> = async (app, o) => {
  /** serialised manifests, by the registry's (cached, immutable) record */
  const manifests = new WeakMap<ModelVersionRecord, { text: string; bytes: number; etag: string }>()

  // preHandler: may this device have this version (its params validated by now); the `device` role check
  // (plugins/route-auth.ts) has authenticated the caller as a device or an operator, who may fetch any
  const authorize = async (request: FastifyRequest): Promise<void> => {
    const { deviceId } = request
    if (deviceId === null) return
    const wanted = request.params as ModelVersionParams
    const desired = (await app.registry.getDesired(deviceId))?.desired ?? null
    if (!deviceMayFetch(desired, wanted)) {
      const names = desiredVersions(desired).map((r) => `${r.name}@${r.version}`)
      throw new HubError('HUB_FORBIDDEN', `device ${deviceId} may download only the model versions its desired state names (${names.length > 0 ? names.join(', ') : 'none now'}), not ${wanted.name}@${wanted.version}: deploy that version to it first`)
    }
  }

  const registered = async (params: ModelVersionParams): Promise<ModelVersionRecord> => {
    const record = await app.registry.getModelVersion(params.name, params.version)
    if (!record) throw new HubError('HUB_MODEL_NOT_FOUND', `${params.name}@${params.version} is not registered; list the versions with GET /api/v1/models`)
    return record
  }

  // GET and HEAD declared together: fastify's implicit HEAD would read the whole file to discard it
  app.route({
    method: ['GET', 'HEAD'],
    url: '/models/:name/:version/model.onnx',
    config: { role: 'device' },
    preHandler: authorize,
    schema: {
      tags: ['models'],
      summary: 'Download a version\'s ONNX file; `Range: bytes=N-` / `bytes=N-M` resumes (206), ETag is its sha256',
      description,
      params: ModelVersionParams,
      produces: ['application/octet-stream'],
      response: { 200: OnnxBytes, 206: OnnxBytes, ...errors, 416: ErrorBody },
    },
    handler: async (request, reply) => {
      const record = await registered(request.params)
      const path = o.blobs.pathOf(record.sha256)
      const size = await stat(path).then((s) => s.size, (cause: unknown) => {
        throw new HubError('HUB_STORE_FAILED', `${record.name}@${record.version} is registered but its ONNX file ${path} cannot be read: restore the hub's data directory from a backup`, { cause })
      })
      // the file is content-addressed: its digest is a strong validator for ranges and caches
      const etag = `"${record.sha256}"`
      void reply.header('accept-ranges', 'bytes').header('etag', etag)
      const range = parseByteRange(request.headers.range, size, { ifRange: headerValue(request.headers['if-range']), etag })
      if (range.kind === 'unsatisfiable') {
        // [RFC 9110 §15.5.17] a 416 says how long the file is
        void reply.header('content-range', `bytes */${size}`)
        throw new HubError('HUB_RANGE_NOT_SATISFIABLE', `the range ${request.headers.range} starts past the end of the ${size}-byte file: resume from a byte below ${size}`)
      }
      const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1]
      if (range.kind === 'partial') void reply.status(206).header('content-range', `bytes ${start}-${end}/${size}`)
      void reply.header('content-type', 'application/octet-stream').header('content-length', end - start + 1)
      if (request.method === 'HEAD') return reply.send(undefined)
      return reply.send(createReadStream(path, { start, end }))
    },
  })

  app.route({
    method: ['GET', 'HEAD'],
    url: '/models/:name/:version/manifest.json',
    config: { role: 'device' },
    preHandler: authorize,
    schema: { tags: ['models'], summary: 'Download a version\'s manifest, signed by the hub', description, params: ModelVersionParams, response: { 200: ManifestText, ...errors } },
    handler: async (request, reply) => {
      const record = await registered(request.params)
      let manifest = manifests.get(record)
      if (!manifest) {
        // a fleet downloads the same (immutable) manifest once per device: serialise and hash it once
        const text = JSON.stringify(record.manifest)
        manifest = { text, bytes: Buffer.byteLength(text), etag: `"${createHash('sha256').update(text).digest('hex')}"` }
        manifests.set(record, manifest)
      }
      void reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('etag', manifest.etag)
        .header('content-length', manifest.bytes)
      return reply.send(request.method === 'HEAD' ? undefined : manifest.text)
    },
  })
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

import { join } from 'node:path'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ModelBlobs } from '../../models/model-blobs.ts'
import { hubPaths } from '../../paths.ts'
import { artifactRoutes } from './artifact-routes.ts'
import { countRefusals } from './refusal-metrics.ts'
import { registryRoutes } from './registry-routes.ts'
import { uploadRoute } from './upload-route.ts'

/** Default largest model package upload: 512 MiB (manifest and ONNX file together). */
export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024

export interface ModelRoutesOptions {
  /** the hub's data directory: ONNX files are served from `models/`, uploads are checked in `uploads/` */
  dataDir: string
  /** largest package `POST /models` accepts, manifest and ONNX file together, in bytes; larger is 413 (default 512 MiB) */
  maxUploadBytes?: number
}

/**
 * The model registry over HTTP: upload a package (operators), list and show versions (operators),
 * download a version's ONNX file and signed manifest (devices it is deployed to, and operators).
 */
export const modelRoutes: FastifyPluginAsyncTypebox<ModelRoutesOptions> = async (app, o) => {
  const paths = hubPaths(o.dataDir)
  const blobs = new ModelBlobs(paths.models)
  countRefusals(app)
  await app.register(registryRoutes)
  await app.register(uploadRoute, {
    blobs,
    // in the data directory, not the system temp dir: the same file system as the store, and not a RAM-backed tmpfs
    uploadsDir: join(paths.dataDir, 'uploads'),
    maxUploadBytes: o.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
  })
  await app.register(artifactRoutes, { blobs })
}

import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { MANIFEST_FILE, shippedPackageDir } from '@edgefleet/models'
import { MODEL_UPLOAD_PARTS, type Manifest } from '@edgefleet/protocol'
import type { InjectOptions } from 'fastify'
import { multipartForm } from '../../models/package-form.ts'

/** Test support: model packages to upload and the `app.inject()` requests that upload them. */

export const GAS_SENSOR = shippedPackageDir('gas-sensor')

/** A copy of the built gas-sensor package in `dir/<name>`, changed by `edit` (its return value replaces the ONNX bytes). */
export async function packageVariant(dir: string, name: string, edit: (m: Manifest, onnx: Buffer) => Buffer | void): Promise<string> {
  const out = join(dir, name)
  await cp(GAS_SENSOR, out, { recursive: true })
  const manifest = JSON.parse(await readFile(join(out, MANIFEST_FILE), 'utf8')) as Manifest
  const onnx = await readFile(join(out, manifest.model.file))
  const changed = edit(manifest, onnx)
  await writeFile(join(out, MANIFEST_FILE), JSON.stringify(manifest))
  if (changed) await writeFile(join(out, manifest.model.file), changed)
  return out
}

/**
 * `POST /api/v1/models` of a package directory, as the CLI sends it. `chunked`: no Content-Length,
 * so the hub can only count the bytes as they arrive.
 */
export async function uploadRequest(pkgDir: string, token: string, o: { chunked?: boolean; modelFilename?: string } = {}): Promise<InjectOptions> {
  const form = await multipartForm([
    { field: MODEL_UPLOAD_PARTS.model, filename: o.modelFilename ?? 'model.onnx', contentType: 'application/octet-stream', path: join(pkgDir, 'model.onnx') },
    { field: MODEL_UPLOAD_PARTS.manifest, filename: MANIFEST_FILE, contentType: 'application/json', path: join(pkgDir, MANIFEST_FILE) },
  ])
  return {
    method: 'POST',
    url: '/api/v1/models',
    headers: {
      'authorization': `Bearer ${token}`,
      'content-type': form.contentType,
      ...(o.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(form.length) }),
    },
    payload: Readable.from(form.body()),
  }
}

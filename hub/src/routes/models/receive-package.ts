import { createWriteStream } from 'node:fs'
import { readFile, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { MANIFEST_FILE } from '@edgefleet/models'
import { MAX_MANIFEST_BYTES, MODEL_UPLOAD_PARTS } from '@edgefleet/protocol'
import type { FastifyRequest } from 'fastify'
import { HubError } from '../../errors.ts'

/** Where the `model` part lands until the manifest says what the ONNX file is called. */
const RECEIVED_MODEL = 'received-model.part'
/** The manifest's `model.file` pattern (protocol Manifest schema). */
const MODEL_FILE = /^[A-Za-z0-9._-]{1,128}\.onnx$/

const usage = (why: string): HubError =>
  new HubError('HUB_USAGE', `${why}: send the package as multipart/form-data with two file parts, "${MODEL_UPLOAD_PARTS.manifest}" (manifest.json) and "${MODEL_UPLOAD_PARTS.model}" (the ONNX file), e.g. curl -F manifest=@manifest.json -F model=@model.onnx`)

export const tooLarge = (maxBytes: number): HubError =>
  new HubError('HUB_UPLOAD_TOO_LARGE', `the package is larger than this hub accepts (${maxBytes} bytes, manifest and ONNX file together): make the model smaller, or raise the hub's upload limit`)

/**
 * Streams a multipart model-package upload into the package directory `dir`, part by part, never
 * holding a part in memory: `manifest` → `manifest.json`, `model` → the file name the manifest's
 * `model.file` gives. Counts the parts' bytes as they arrive and stops at `maxBytes` with
 * HUB_UPLOAD_TOO_LARGE; a malformed request is HUB_USAGE. What it wrote is the caller's to remove.
 */
export async function receivePackage(request: FastifyRequest, dir: string, maxBytes: number): Promise<void> {
  if (!request.isMultipart()) throw usage(`the request is ${request.headers['content-type'] ?? 'without a content type'}`)
  let received = 0
  const seen = new Set<string>()
  try {
    // busboy's own per-file limit backs up the count below; fields: 0, files: 2 refuse anything extra
    for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 2, fields: 0, parts: 2 } })) {
      if (part.type !== 'file') throw usage(`unexpected form field ${JSON.stringify(part.fieldname)}`)
      const name = part.fieldname
      if (name !== MODEL_UPLOAD_PARTS.manifest && name !== MODEL_UPLOAD_PARTS.model) throw usage(`unexpected part ${JSON.stringify(name)}`)
      if (seen.has(name)) throw usage(`the part "${name}" came twice`)
      seen.add(name)
      let partBytes = 0
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          received += chunk.length
          partBytes += chunk.length
          if (received > maxBytes) return done(tooLarge(maxBytes))
          if (name === MODEL_UPLOAD_PARTS.manifest && partBytes > MAX_MANIFEST_BYTES) {
            return done(new HubError('HUB_UPLOAD_TOO_LARGE', `the manifest part is over ${MAX_MANIFEST_BYTES} bytes, the most a manifest may have: rebuild the package with fewer reference bins or self-test vectors`))
          }
          done(null, chunk)
        },
      })
      await pipeline(part.file, count, createWriteStream(join(dir, name === MODEL_UPLOAD_PARTS.manifest ? MANIFEST_FILE : RECEIVED_MODEL), { flags: 'wx' }))
      if (part.file.truncated) throw tooLarge(maxBytes)
    }
  } catch (err) {
    throw asUploadError(err, maxBytes)
  }
  for (const name of Object.values(MODEL_UPLOAD_PARTS)) if (!seen.has(name)) throw usage(`the part "${name}" is missing`)
  await nameModelFile(dir)
}

/** Renames the received ONNX file to the manifest's `model.file`; an unreadable manifest is left for pushModel to refuse. */
async function nameModelFile(dir: string): Promise<void> {
  const manifestPath = join(dir, MANIFEST_FILE)
  if ((await stat(manifestPath)).size > MAX_MANIFEST_BYTES) return
  let file: unknown
  try {
    file = (JSON.parse(await readFile(manifestPath, 'utf8')) as { model?: { file?: unknown } } | null)?.model?.file
  } catch {
    return
  }
  if (typeof file === 'string' && MODEL_FILE.test(file)) await rename(join(dir, RECEIVED_MODEL), join(dir, file))
}

/** @fastify/multipart's errors (FST_…) as the hub's. */
function asUploadError(err: unknown, maxBytes: number): unknown {
  if (err instanceof HubError) return err
  const code = (err as { code?: unknown }).code
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxBytes)
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') return usage('the form has more than the two file parts')
  if (typeof code === 'string' && code.startsWith('FST_')) return usage(`the multipart body is malformed or ended early (${(err as Error).message})`)
  if (err instanceof Error && /multipart|boundary|terminated early/i.test(err.message)) return usage(`the multipart body is malformed (${err.message})`)
  return err
}

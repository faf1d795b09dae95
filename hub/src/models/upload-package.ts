import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { MANIFEST_FILE, readPackage } from '@edgefleet/models'
import { compile, MODEL_UPLOAD_PARTS, ModelVersionView, type ModelVersionView as View } from '@edgefleet/protocol'
import { apiUrl, refusal, unreachable } from '../cli/hub-api.ts'
import { multipartForm } from './package-form.ts'

export interface UploadOptions {
  /** the hub's REST base URL, e.g. http://hub.local:8080 */
  hubUrl: string
  /** an operator token, `<name>.<secret>` */
  token: string
  /** called as the body is sent: bytes handed to the connection so far, of `total` */
  onProgress?: (sent: number, total: number) => void
  /** called once the whole package is sent and the hub is checking it */
  onSent?: () => void
}

/** The most of an answer read (a registered version with its manifest is well under this). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024
const checkView = compile(ModelVersionView, 'registered model version')

/**
 * Uploads a package directory to a hub's `POST /api/v1/models` as multipart/form-data, streaming
 * both files from disk, and returns the version the hub registered. The manifest is read (and
 * schema-checked) here first, to name the ONNX file; the hub does every other check. A refusal is
 * thrown as a HubError with the hub's code and message.
 */
export async function uploadPackage(dir: string, o: UploadOptions): Promise<View> {
  const pkg = await readPackage(dir)
  const form = await multipartForm([
    { field: MODEL_UPLOAD_PARTS.manifest, filename: MANIFEST_FILE, contentType: 'application/json', path: join(dir, MANIFEST_FILE) },
    { field: MODEL_UPLOAD_PARTS.model, filename: pkg.manifest.model.file, contentType: 'application/octet-stream', path: pkg.onnxPath },
  ])
  const url = modelsUrl(o.hubUrl)
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(url, {
      method: 'POST',
      headers: { 'authorization': `Bearer ${o.token}`, 'content-type': form.contentType, 'content-length': form.length, 'accept': 'application/json' },
    })
    const source = Readable.from(form.body())
    let sent = 0
    let answered = false
    source.on('data', (chunk: Buffer) => {
      sent += chunk.length
      o.onProgress?.(sent, form.length)
      if (sent === form.length) o.onSent?.()
    })
    source.on('error', (err) => {
      req.destroy()
      reject(err)
    })
    req.on('response', (res: IncomingMessage) => {
      answered = true
      readAnswer(res).then((body) => {
        // an early refusal (401, 413) arrives while the body is still being sent: stop sending it
        source.unpipe(req)
        source.destroy()
        if (!req.writableFinished) req.destroy()
        resolve({ status: res.statusCode ?? 0, body })
      }, reject)
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!answered) reject(unreachable(url, err))
    })
    source.pipe(req)
  })
  if (answer.status === 201) return checkView.parse(JSON.parse(answer.body))
  throw refusal(answer.status, answer.body)
}

/** `<hub>/api/v1/models`, whether or not the base URL ends with a slash or has a path. */
export function modelsUrl(hubUrl: string): URL {
  return apiUrl(hubUrl, 'api/v1/models')
}

function readAnswer(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    res.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_ANSWER_BYTES) chunks.push(chunk)
    })
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    res.on('error', reject)
  })
}

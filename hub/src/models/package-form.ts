import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'

/** One file part of a multipart/form-data body. */
export interface FormFile {
  /** the form field name */
  field: string
  /** the filename the part announces (no quotes or line breaks) */
  filename: string
  contentType: string
  path: string
}

/** A multipart/form-data body [RFC 7578] of files, with its exact length, read from disk as it is sent. */
export interface MultipartForm {
  contentType: string
  /** bytes in the whole body, framing included (the request's Content-Length) */
  length: number
  /** the body, chunk by chunk; each call reads the files afresh */
  body(): AsyncGenerator<Buffer>
}

const CRLF = '\r\n'

/** Frames `files` as multipart/form-data; only their sizes are read now. */
export async function multipartForm(files: readonly FormFile[]): Promise<MultipartForm> {
  // [RFC 2046 §5.1.1] a boundary that cannot occur in the parts: 24 random bytes make that certain enough
  const boundary = `edgefleet-${randomBytes(24).toString('hex')}`
  const parts = await Promise.all(files.map(async (f) => {
    if (/["\r\n]/.test(f.filename) || /["\r\n]/.test(f.field)) throw new RangeError(`cannot send ${JSON.stringify(f.filename)} as a form part: quotes and line breaks are not allowed in its name`)
    const head = Buffer.from(`--${boundary}${CRLF}Content-Disposition: form-data; name="${f.field}"; filename="${f.filename}"${CRLF}Content-Type: ${f.contentType}${CRLF}${CRLF}`)
    return { head, path: f.path, size: (await stat(f.path)).size }
  }))
  const tail = Buffer.from(`--${boundary}--${CRLF}`)
  const length = parts.reduce((n, p) => n + p.head.length + p.size + CRLF.length, tail.length)
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    async *body() {
      for (const part of parts) {
        yield part.head
        for await (const chunk of createReadStream(part.path)) yield chunk as Buffer
        yield Buffer.from(CRLF)
      }
      yield tail
    },
  }
}

import { open, rm } from 'node:fs/promises'
import { DataFetchError } from './errors.ts'
import { fileSize } from './file-digest.ts'

/** What one download keeps across its attempts. */
export interface TransferState {
  /** Bytes received over the network so far, all attempts together. */
  receivedBytes: number
  /** ETag or Last-Modified of the first full response, sent as If-Range when resuming. */
  validator: string | undefined
  /** The `.part` holds bytes from more than one response. */
  appended: boolean
  /** The `.part` still starts with bytes left by an earlier run. */
  keptEarlierPart: boolean
}

/** The subset of download options one transfer needs. */
export interface TransferOptions {
  url: string
  item: string
  idleTimeoutMs: number
  signal?: AbortSignal
  onProgress?: (p: { item: string; receivedBytes: number; totalBytes: number | null; done: boolean }) => void
}

/**
 * One HTTP attempt: GET `url` into `part`, continuing an existing `part` with a Range request.
 * Appends on 206 from the right offset, starts over on 200. Resolves with the complete size;
 * rejects with a DataFetchError (status set when the server answered) or the abort reason.
 */
export async function transferOnce(o: TransferOptions, part: string, state: TransferState): Promise<number> {
  const offset = (await fileSize(part)) ?? 0
  const idle = new AbortController()
  const timer = setTimeout(() => idle.abort(), o.idleTimeoutMs)
  const signal = o.signal ? AbortSignal.any([o.signal, idle.signal]) : idle.signal
  try {
    // identity: byte offsets of a Range request must refer to the file, not to a compressed stream
    const headers: Record<string, string> = { 'accept-encoding': 'identity' }
    if (offset > 0) {
      headers['range'] = `bytes=${offset}-`
      if (state.validator) headers['if-range'] = state.validator
    }
    const res = await fetch(o.url, { headers, signal, redirect: 'follow' })
    if (res.status === 416 && offset > 0) {
      // The server cannot continue this part (it may already be whole, or be another file's start).
      await res.body?.cancel()
      await rm(part, { force: true })
      return await transferOnce(o, part, state)
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw new DataFetchError(
        'DATA_FETCH_FAILED',
        `GET ${o.url} failed: HTTP ${res.status} ${res.statusText}. ` +
          'Check the URL (override it with the data source options) and your network or proxy.',
        { url: o.url, status: res.status },
      )
    }
    const append = res.status === 206 && offset > 0 && rangeStart(res) === offset
    if (res.status === 206 && !append) {
      await res.body?.cancel()
      await rm(part, { force: true })
      throw new DataFetchError('DATA_FETCH_FAILED', `GET ${o.url} returned an unexpected byte range`, {
        url: o.url,
      })
    }
    if (!append) state.validator = validatorOf(res)
    state.appended = append
    if (!append) state.keptEarlierPart = false
    const start = append ? offset : 0
    const length = Number(res.headers.get('content-length') ?? NaN)
    const total = Number.isFinite(length) ? start + length : null
    let size = start
    await writeBody(res, part, append, (bytes) => {
      timer.refresh()
      size += bytes
      state.receivedBytes += bytes
      o.onProgress?.({ item: o.item, receivedBytes: size, totalBytes: total, done: false })
    })
    if (total !== null && size !== total) {
      throw new DataFetchError('DATA_FETCH_FAILED', `GET ${o.url} ended after ${size} of ${total} bytes`, {
        url: o.url,
      })
    }
    return size
  } catch (err) {
    if (o.signal?.aborted) throw o.signal.reason
    if (err instanceof DataFetchError) throw err
    const why = idle.signal.aborted
      ? `no data for ${o.idleTimeoutMs} ms`
      : (errorMessage(err) ?? 'network error')
    throw new DataFetchError(
      'DATA_FETCH_FAILED',
      `GET ${o.url} failed: ${why}. Check your network or proxy and run the fetch again; it resumes.`,
      { url: o.url, cause: err },
    )
  } finally {
    clearTimeout(timer)
  }
}

/** Streams the body into `part`, calling `onBytes` after each chunk is written. */
async function writeBody(
  res: Response,
  part: string,
  append: boolean,
  onBytes: (bytes: number) => void,
): Promise<void> {
  const file = await open(part, append ? 'a' : 'w')
  try {
    if (!res.body) return
    const reader = res.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      await file.write(value)
      onBytes(value.byteLength)
    }
  } finally {
    await file.close()
  }
}

/** First byte position of a 206 answer's Content-Range (`bytes 100-199/200`), or null. */
function rangeStart(res: Response): number | null {
  const m = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(res.headers.get('content-range') ?? '')
  return m ? Number(m[1]) : null
}

/** A strong ETag or Last-Modified; If-Range must not use a weak ETag (RFC 9110 §13.1.5). */
function validatorOf(res: Response): string | undefined {
  const etag = res.headers.get('etag')
  if (etag && !etag.startsWith('W/')) return etag
  return res.headers.get('last-modified') ?? undefined
}

function errorMessage(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
  return `${err.message}${cause}`
}

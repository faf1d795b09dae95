import { open, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Dispatcher } from 'undici'
import { AgentError } from '../errors.ts'
import { tlsFailure } from '../uplink/hub-tls.ts'
import { reconnectDelayMs, type BackoffOptions } from '../uplink/backoff.ts'
import { fsyncDir } from '../uplink/outbox-state.ts'
import { messageOf, refused, tooLarge } from './download-errors.ts'

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  url: string
  /** where the complete file ends up; the bytes go to `<dest>.part` until then */
  dest: string
  /** the exact size the file must have (the desired target's `size`); unknown for a manifest */
  size?: number
  /** refuse anything larger than this, bytes */
  maxBytes: number
  /** sent with every request (`authorization`) */
  headers?: Record<string, string>
  signal?: AbortSignal
  /** bytes so far and the total when known; called at most every `progressIntervalMs`, and at the end */
  onProgress?: (received: number, total: number | undefined) => void
  /** default 500 */
  progressIntervalMs?: number
  /** attempts in a row that fail without a byte of progress before giving up (default 5) */
  attempts?: number
  /** an attempt that receives nothing for this long is cut and retried, ms (default 30 000) */
  stallTimeoutMs?: number
  /** delays between attempts (default 250 ms doubling up to 10 s, with jitter) */
  backoff?: BackoffOptions
  /** what is downloaded, for messages: "the ONNX file of gas-sensor@1.1.0" */
  what?: string
  /** fetch's dispatcher: one that trusts the hub's CA (`--ca`); default the global one */
  dispatcher?: Dispatcher | undefined
}

/** What a download did. */
export interface DownloadResult {
  bytes: number
  /** bytes already on disk (a `.part` from an interrupted run) when it started */
  resumedFrom: number
  /** HTTP requests made */
  requests: number
}

/** A failure that retrying cannot fix (refused, not found, too large). */
class Permanent extends Error {
  constructor(readonly error: AgentError) {
    super(error.message)
  }
}

/**
 * Downloads a file resumably: the bytes go to `<dest>.part`, which survives a crash; the next
 * attempt (or run) asks for the rest with `Range: bytes=N-` and appends when the server answers 206,
 * or starts over when it sends the whole file. Refuses with AGENT_DOWNLOAD_TOO_LARGE as soon as the
 * file would exceed `size` or `maxBytes`; 401/403/404 (and other 4xx) are AGENT_DOWNLOAD_FAILED
 * with the server's message, at once; network errors, cut transfers and 5xx are retried with
 * backoff. The complete file is fsynced and renamed to `dest`. Rejects with the signal's reason when aborted.
 */
export async function downloadFile(o: DownloadOptions): Promise<DownloadResult> {
  const what = o.what ?? 'the file'
  const limit = Math.min(o.size ?? Infinity, o.maxBytes)
  if (o.size !== undefined && o.size > o.maxBytes) throw tooLarge(what, o.size, o.maxBytes)
  if (o.size !== undefined && (await sizeOf(o.dest)) === o.size) return { bytes: o.size, resumedFrom: o.size, requests: 0 }
  const part = `${o.dest}.part`
  let have = (await sizeOf(part)) ?? 0
  if (have > limit) {
    await rm(part, { force: true })
    have = 0
  }
  const resumedFrom = have
  let requests = 0
  let failures = 0
  let lastProgress = 0
  const progress = (final = false): void => {
    const now = performance.now()
    if (!final && now - lastProgress < (o.progressIntervalMs ?? 500)) return
    lastProgress = now
    o.onProgress?.(have, o.size)
  }

  /** One request, cut when it stalls; appends to the part file. Resolves true when the file is complete. */
  const attempt = async (): Promise<boolean> => {
    requests++
    const stalled = new AbortController()
    const stallMs = o.stallTimeoutMs ?? 30_000
    const timer = setTimeout(() => stalled.abort(new Error(`nothing received for ${stallMs} ms`)), stallMs)
    const touch = (): void => void timer.refresh()
    try {
      return await transfer(o.signal ? AbortSignal.any([o.signal, stalled.signal]) : stalled.signal, touch)
    } finally {
      clearTimeout(timer)
    }
  }

  const transfer = async (signal: AbortSignal, touch: () => void): Promise<boolean> => {
    const init = { headers: { ...o.headers, ...(have > 0 ? { range: `bytes=${have}-` } : {}) }, signal, ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}) }
    const res = await fetch(o.url, init as RequestInit).catch((err: unknown) => {
      // an untrusted certificate stays untrusted: no retries, and a message that says what to do
      const tls = tlsFailure(err, o.url, o.dispatcher !== undefined)
      throw tls ? new Permanent(Object.assign(tls, { step: 'download' })) : err
    })
    touch()
    if (res.status === 416 && have > 0) {
      await res.body?.cancel()
      if (have === o.size) return true
      have = 0 // the part does not fit what the server has: start over
      throw new Error('the server cannot resume from the partial file (416)')
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      await res.body?.cancel()
      throw new Error(`HTTP ${res.status} ${res.statusText}`)
    }
    if (res.status !== 200 && res.status !== 206) throw new Permanent(await refused(res, what))
    let start = 0
    if (res.status === 206) {
      const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '')
      start = m ? Number(m[1]) : -1
      const total = m?.[2] === '*' || !m ? undefined : Number(m[2])
      if (total !== undefined && total > limit) throw new Permanent(tooLarge(what, total, limit))
      if (start !== have) {
        await res.body?.cancel()
        have = 0
        throw new Error(`the server resumed at an unexpected offset (${res.headers.get('content-range')})`)
      }
    }
    const length = Number(res.headers.get('content-length') ?? NaN)
    if (start + length > limit) {
      await res.body?.cancel()
      throw new Permanent(tooLarge(what, start + length, limit))
    }
    have = start
    const fh = await open(part, start === 0 ? 'w' : 'a')
    const reader = res.body?.getReader()
    try {
      for (let r = await reader?.read(); r && !r.done; r = await reader!.read()) {
        const bytes = r.value
        if (have + bytes.byteLength > limit) throw new Permanent(tooLarge(what, have + bytes.byteLength, limit, true))
        await fh.write(bytes)
        have += bytes.byteLength
        failures = 0
        touch()
        progress()
      }
      await fh.sync()
    } catch (err) {
      await reader?.cancel().catch(() => {})
      throw err
    } finally {
      await fh.close()
    }
    if (o.size !== undefined && have < o.size) throw new Error(`the transfer ended after ${have} of ${o.size} bytes`)
    return true
  }

  for (;;) {
    o.signal?.throwIfAborted()
    try {
      if (await attempt()) break
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason
      if (err instanceof Permanent) {
        if (err.error.code === 'AGENT_DOWNLOAD_TOO_LARGE') await rm(part, { force: true })
        throw err.error
      }
      if (++failures >= (o.attempts ?? 5)) {
        throw new AgentError('AGENT_DOWNLOAD_FAILED', `cannot download ${what} from ${o.url} (${failures} attempts): ${messageOf(err)}; the partial file is kept and the download resumes on the next attempt`, { cause: err, step: 'download' })
      }
      await sleep(reconnectDelayMs(failures - 1, o.backoff ?? { initialMs: 250, maxMs: 10_000 }), undefined, { signal: o.signal }).catch((err: unknown) => {
        throw o.signal?.aborted ? o.signal.reason : err
      })
    }
  }
  progress(true)
  await rename(part, o.dest)
  fsyncDir(dirname(o.dest))
  return { bytes: have, resumedFrom, requests }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size
  } catch {
    return undefined
  }
}

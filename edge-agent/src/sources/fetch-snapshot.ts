import type { Rejection } from './source.ts'

/** What one snapshot request gave: the image bytes, or why there are none. */
export type SnapshotResult = { bytes: Uint8Array } | { rejection: Omit<Rejection, 'where'>; down: boolean }

/**
 * GETs one snapshot. Never throws: a timeout, a refused connection or a non-2xx answer is
 * AGENT_SNAPSHOT_FAILED with `down` set (the camera is unreachable: back off); a 2xx answer that is
 * not an image (by its content type) or is larger than `maxBytes` is AGENT_FRAME_INVALID.
 */
export async function fetchSnapshot(url: string, o: { timeoutMs: number; maxBytes: number; signal: AbortSignal }): Promise<SnapshotResult> {
  const timeout = AbortSignal.timeout(o.timeoutMs)
  const signal = AbortSignal.any([o.signal, timeout])
  const down = (message: string): SnapshotResult => ({ rejection: { code: 'AGENT_SNAPSHOT_FAILED', message }, down: true })
  const invalid = (message: string): SnapshotResult => ({ rejection: { code: 'AGENT_FRAME_INVALID', message }, down: false })
  let res: Response
  try {
    res = await fetch(url, { signal, headers: { accept: 'image/*' } })
  } catch (err) {
    return down(failure(err, timeout, o.timeoutMs))
  }
  try {
    if (!res.ok) {
      await res.body?.cancel()
      return down(`the camera answered ${res.status} ${res.statusText}`.trimEnd())
    }
    const type = res.headers.get('content-type')
    if (type && !/^image\//i.test(type) && !/^application\/octet-stream/i.test(type)) {
      await res.body?.cancel()
      return invalid(`the camera answered ${type}, not an image: check --snapshot-url points at the snapshot endpoint`)
    }
    const length = Number(res.headers.get('content-length'))
    if (length > o.maxBytes) {
      await res.body?.cancel()
      return invalid(`the snapshot is ${length} bytes, over the ${o.maxBytes}-byte limit`)
    }
    const bytes = await readAtMost(res, o.maxBytes)
    return bytes ? { bytes } : invalid(`the snapshot is over the ${o.maxBytes}-byte limit`)
  } catch (err) {
    return down(failure(err, timeout, o.timeoutMs))
  }
}

function failure(err: unknown, timeout: AbortSignal, timeoutMs: number): string {
  if (timeout.aborted) return `no complete answer within ${timeoutMs} ms (timeout)`
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return `cannot reach the camera: ${cause?.code ?? cause?.message ?? (err as Error).message}`
}

/** The body, or undefined once it exceeds `max` bytes (the rest is not read). */
async function readAtMost(res: Response, max: number): Promise<Uint8Array | undefined> {
  const reader = res.body?.getReader()
  if (!reader) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

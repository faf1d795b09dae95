import { AgentError } from '../../src/errors.ts'
import { reconnectDelayMs } from '../../src/uplink/backoff.ts'

/** Options of {@link fetchArtifact}. */
export interface FetchArtifactOptions {
  /** the URL the desired state names */
  url: string
  /** the device's credentials, sent as HTTP Basic (as the Node agent's downloader does) */
  credentials: { deviceId: string; secret: string }
  /** the exact size the file must have, when known */
  size?: number
  /** refuse anything larger, bytes */
  maxBytes: number
  /** what is fetched, for messages: "the ONNX file of ultraface@1.0.0" */
  what: string
  /** bytes so far and the total when known */
  onProgress?: (received: number, total: number | undefined) => void
  signal?: AbortSignal
  /** attempts that fail on the network or with a 5xx before giving up (default 4) */
  attempts?: number
}

/**
 * Downloads one model artifact from the hub into memory. The page is served by the hub it downloads
 * from, so the URL is fetched on the page's own origin (the hub's `publicUrl` may name another host
 * name for the same hub, and the page's CSP allows only its own origin). 401/403/404 and other 4xx fail
 * at once with the hub's message (AGENT_DOWNLOAD_FAILED); network errors and 5xx are retried with
 * backoff; a file over `size` or `maxBytes` is AGENT_DOWNLOAD_TOO_LARGE.
 */
export async function fetchArtifact(o: FetchArtifactOptions): Promise<Uint8Array<ArrayBuffer>> {
  const limit = Math.min(o.size ?? Infinity, o.maxBytes)
  const attempts = o.attempts ?? 4
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchOnce(o, limit)
    } catch (err) {
      if (err instanceof AgentError || o.signal?.aborted || attempt + 1 >= attempts) {
        if (err instanceof AgentError) throw err
        throw new AgentError('AGENT_DOWNLOAD_FAILED', `could not download ${o.what} after ${attempt + 1} attempt(s): ${(err as Error).message}`, { cause: err })
      }
      await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(attempt)))
    }
  }
}

/** `url` moved onto this page's origin, keeping its path and query. */
export function onPageOrigin(url: string, pageOrigin: string): string {
  const u = new URL(url, pageOrigin)
  return `${pageOrigin}${u.pathname}${u.search}`
}

async function fetchOnce(o: FetchArtifactOptions, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const auth = `Basic ${base64(new TextEncoder().encode(`${o.credentials.deviceId}:${o.credentials.secret}`))}`
  const res = await fetch(onPageOrigin(o.url, location.origin), { headers: { authorization: auth }, cache: 'no-store', signal: o.signal })
  if (res.status >= 500 || res.status === 408 || res.status === 429) {
    await res.body?.cancel()
    throw new Error(`HTTP ${res.status} ${res.statusText}`)
  }
  if (res.status !== 200) {
    const body = (await res.json().catch(() => null)) as { message?: string } | null
    throw new AgentError('AGENT_DOWNLOAD_FAILED', `the hub refused ${o.what}: HTTP ${res.status}${body?.message ? `: ${body.message}` : ''}`)
  }
  const declared = Number(res.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) throw tooLarge(o.what, declared, limit)
  const out = new Uint8Array(Number.isFinite(declared) ? declared : Math.min(limit, 1 << 20))
  let buffer = out
  let received = 0
  const reader = res.body!.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (received + value.length > limit) {
      await reader.cancel()
      throw tooLarge(o.what, received + value.length, limit)
    }
    if (received + value.length > buffer.length) {
      const grown = new Uint8Array(Math.min(limit, Math.max(buffer.length * 2, received + value.length)))
      grown.set(buffer.subarray(0, received))
      buffer = grown
    }
    buffer.set(value, received)
    received += value.length
    o.onProgress?.(received, o.size ?? (Number.isFinite(declared) ? declared : undefined))
  }
  if (o.size !== undefined && received !== o.size) throw new Error(`the transfer ended after ${received} of ${o.size} bytes`)
  return received === buffer.length ? buffer : buffer.slice(0, received)
}

function tooLarge(what: string, bytes: number, limit: number): AgentError {
  return new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${what} is ${bytes} bytes, more than the ${limit} this device accepts: the hub's desired state and the file disagree, or the model is too large for a browser`)
}

function base64(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

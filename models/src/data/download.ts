import { rename, rm } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { DataFetchError } from './errors.ts'
import { fileSize, sha256File } from './file-digest.ts'
import { transferOnce, type TransferState } from './http-transfer.ts'

/** Progress of one download: bytes of the file on disk so far (resumed bytes included). */
export interface DownloadProgress {
  /** What is being downloaded, as shown to people (a path relative to the data directory). */
  item: string
  receivedBytes: number
  /** Full size of the file when the server said, else `null`. */
  totalBytes: number | null
  /** True once, after the file is verified and in place. */
  done: boolean
}

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  url: string
  /** Final path. Bytes go to `<path>.part` first, which is renamed once complete and verified. */
  path: string
  /** Name passed through to `onProgress`. */
  item: string
  /** Expected lowercase hex sha256; a mismatch fails with `DATA_CHECKSUM_MISMATCH`. */
  sha256?: string
  /** Give up an attempt when no byte arrives for this long. */
  idleTimeoutMs: number
  /** Attempts in all (1 = no retry). Network failures, timeouts and HTTP 408/429/5xx are retried. */
  attempts: number
  /** Wait before retry n is n × this. */
  retryDelayMs?: number
  /** Discard a `.part` left by an earlier run instead of resuming it. */
  fresh?: boolean
  signal?: AbortSignal
  onProgress?: (p: DownloadProgress) => void
}

/** What {@link downloadFile} did. */
export interface DownloadResult {
  /** Size of the final file. */
  size: number
  /** Bytes received over the network by this call, retries included. */
  receivedBytes: number
  /** True when bytes from a `.part` left by an earlier run were kept. */
  resumedEarlierPart: boolean
}

/**
 * Downloads `url` to `path` with Node's fetch: streams into `<path>.part`, resumes a partial file
 * with an HTTP Range request when the server answers 206 (else starts over), retries transient
 * failures, verifies the digest, then renames atomically. The `.part` survives failures and
 * aborts so that the next attempt or run resumes it.
 */
export async function downloadFile(o: DownloadOptions): Promise<DownloadResult> {
  const part = `${o.path}.part`
  if (o.fresh) await rm(part, { force: true })
  const state: TransferState = {
    receivedBytes: 0,
    validator: undefined,
    appended: false,
    keptEarlierPart: ((await fileSize(part)) ?? 0) > 0,
  }

  for (let attempt = 1; ; attempt++) {
    o.signal?.throwIfAborted()
    try {
      const size = await transferOnce(o, part, state)
      await verifyDigest(o, part)
      await rename(part, o.path)
      o.onProgress?.({ item: o.item, receivedBytes: size, totalBytes: size, done: true })
      return { size, receivedBytes: state.receivedBytes, resumedEarlierPart: state.keptEarlierPart }
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason
      // A resumed file that fails its digest may mix two upstream versions: start over once.
      const staleResume = isCode(err, 'DATA_CHECKSUM_MISMATCH') && state.appended
      if (attempt >= o.attempts || !(staleResume || isTransient(err))) throw err
      await sleep(attempt * (o.retryDelayMs ?? 1000), undefined, { signal: o.signal }).catch(() => {
        throw o.signal?.reason
      })
    }
  }
}

async function verifyDigest(o: DownloadOptions, part: string): Promise<void> {
  if (o.sha256 === undefined) return
  const actual = await sha256File(part)
  if (actual === o.sha256) return
  await rm(part, { force: true })
  throw new DataFetchError(
    'DATA_CHECKSUM_MISMATCH',
    `${o.url} is not the expected file: sha256 ${actual}, expected ${o.sha256}. ` +
      'It was corrupted in transit or changed upstream; run the fetch again, and if this persists ' +
      'check the source URL (or update the pinned digest in models/src/data/sources.ts).',
    { url: o.url },
  )
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof DataFetchError && err.code === code
}

function isTransient(err: unknown): boolean {
  if (!isCode(err, 'DATA_FETCH_FAILED')) return false
  const status = (err as DataFetchError).status
  return status === undefined || status === 408 || status === 429 || status >= 500
}

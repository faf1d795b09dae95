import { watch, type FSWatcher } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { AgentError } from '../errors.ts'
import { listFrames } from './frame-files.ts'

/** Options of {@link watchFrames}. */
export interface WatchFramesOptions {
  /** a new file is complete once its size (non-zero) and mtime have not changed for this long, ms */
  settleMs: number
  /** the directory is listed again this often even without a change event (network file systems miss them), ms */
  rescanMs: number
  signal: AbortSignal
  /** called once watching has started, with the number of frames already there (not yielded) */
  onStart?: (existing: number) => void
}

interface Observation {
  size: number
  mtimeMs: number
  /** when this size and mtime were first seen */
  since: number
}

/**
 * Yields the name of each frame file that appears in `dir` after the call, in name order among those
 * completed together, once it is complete: a file written in place is complete when its size and
 * mtime have held still for `settleMs`; a camera that writes to a hidden or `*.tmp` name and renames
 * into place is never seen half-written (see `isFrameName`), and its file passes the same check.
 * Files present at the start are not yielded. `fs.watch` wakes the scan early; a timer rescans every
 * `rescanMs` regardless. Ends when the signal aborts.
 */
export async function* watchFrames(dir: string, o: WatchFramesOptions): AsyncGenerator<string> {
  let dirty = false
  let wake: (() => void) | undefined
  const poke = (): void => {
    dirty = true
    wake?.()
  }
  let watcher: FSWatcher
  try {
    watcher = watch(dir, poke)
  } catch (cause) {
    throw new AgentError('AGENT_SOURCE_FAILED', `cannot watch the frame directory ${dir} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}): check --frames`, { cause })
  }
  // a watcher error (the directory removed) must not crash the agent: the rescan reports it
  watcher.on('error', poke)
  o.signal.addEventListener('abort', poke)
  try {
    // watching started first, so a frame written while this lists is seen as new
    const seen = new Set(await listFrames(dir))
    o.onStart?.(seen.size)
    const pending = new Map<string, Observation>()
    while (!o.signal.aborted) {
      dirty = false
      const names = await listFrames(dir)
      const present = new Set(names)
      // forget names the camera has rotated away, so memory stays bounded by the directory's size
      for (const name of seen) if (!present.has(name)) seen.delete(name)
      for (const name of pending.keys()) if (!present.has(name)) pending.delete(name)
      const ready: string[] = []
      const now = performance.now()
      for (const name of names) {
        if (seen.has(name)) continue
        const s = await stat(join(dir, name)).catch(() => undefined)
        if (!s) continue
        const last = pending.get(name)
        if (!last || s.size !== last.size || s.mtimeMs !== last.mtimeMs || s.size === 0) {
          pending.set(name, { size: s.size, mtimeMs: s.mtimeMs, since: now })
        } else if (now - last.since >= o.settleMs) {
          pending.delete(name)
          seen.add(name)
          ready.push(name)
        }
      }
      for (const name of ready) {
        if (o.signal.aborted) return
        yield name
      }
      if (dirty || o.signal.aborted) continue
      let waitMs = o.rescanMs
      for (const p of pending.values()) waitMs = Math.min(waitMs, Math.max(1, p.since + o.settleMs - performance.now()))
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs)
        wake = done
        function done(): void {
          clearTimeout(timer)
          wake = undefined
          resolve()
        }
      })
    }
  } finally {
    o.signal.removeEventListener('abort', poke)
    watcher.close()
  }
}

import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { isAbort } from '../api/api-error.ts'
import type { LiveMessage } from '../live/live-events.ts'
import { useHub } from './hub-context.ts'
import { SnapshotBuffer, type ApplyLive } from './snapshot-buffer.ts'

export interface Synced<T> {
  /** the loaded state with live changes applied; null until the first load (or after `key` changed) */
  data: T | null
  /** the last load's failure, cleared by the next success */
  error: unknown
  loading: boolean
  /** loads again now (e.g. after an error) */
  reload: () => void
  /** changes the held state locally (e.g. with a command's answer) */
  update: (fn: (data: T) => T) => void
}

/**
 * State loaded over REST and kept current by the live stream: loads when `key` changes (showing nothing of
 * the previous key's), again after every `ready` of the stream, on `reload` and when `refresh` changes
 * (keeping the current data on screen meanwhile), holding live messages while a load is under way
 * ({@link SnapshotBuffer}) and applying them with `apply` afterwards. No polling.
 */
export function useSynced<T>(key: string, load: (signal: AbortSignal) => Promise<T>, apply: ApplyLive<T> | null, refresh = 0): Synced<T> {
  const { bus } = useHub()
  const [state, setState] = useState<{ key: string; data: T | null; error: unknown; loading: boolean }>({ key, data: null, error: null, loading: true })
  const [tick, setTick] = useState(0)
  const [generation, setGeneration] = useState(bus.generation)
  const loadRef = useRef(load)
  const applyRef = useRef(apply)
  loadRef.current = load
  applyRef.current = apply

  useEffect(() => bus.onStatus((_status, g) => setGeneration(g)), [bus])

  useEffect(() => {
    const abort = new AbortController()
    const buffer = new SnapshotBuffer()
    const applyNow = (messages: readonly LiveMessage[]) => {
      const fn = applyRef.current
      if (!fn || buffer.hold(messages)) return
      setState((s) => (s.data === null ? s : { ...s, data: fn(s.data, messages) }))
    }
    const unsubscribe = bus.onBatch(applyNow)
    setState((s) => (s.key === key ? { ...s, loading: true } : { key, data: null, error: null, loading: true }))
    loadRef.current(abort.signal).then(
      (snapshot) => {
        if (abort.signal.aborted) return
        const fn = applyRef.current
        const data = fn ? buffer.settle(snapshot, fn) : snapshot
        setState({ key, data, error: null, loading: false })
      },
      (error: unknown) => {
        if (abort.signal.aborted || isAbort(error)) return
        buffer.settle(null, (s) => s)
        setState((s) => ({ ...s, key, error, loading: false }))
      },
    )
    return () => {
      abort.abort()
      unsubscribe()
    }
  }, [bus, key, generation, tick, refresh])

  const reload = useCallback(() => setTick((t) => t + 1), [])
  const update = useCallback((fn: (data: T) => T) => setState((s) => (s.data === null ? s : { ...s, data: fn(s.data) })), [])
  // a render between a key change and its effect must not show the previous key's data
  const current = state.key === key ? state : { key, data: null, error: null, loading: true }
  return { data: current.data, error: current.error, loading: current.loading, reload, update }
}

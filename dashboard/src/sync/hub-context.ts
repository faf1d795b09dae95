import { createContext } from 'preact'
import { useContext, useEffect, useRef, useState } from 'preact/hooks'
import type { HubApi } from '../api/hub-api.ts'
import type { LiveBus, BatchListener } from '../live/live-bus.ts'
import type { LiveStatus } from '../live/live-connection.ts'

export interface HubContextValue {
  api: HubApi
  bus: LiveBus
}

export const HubContext = createContext<HubContextValue | null>(null)

/** The signed-in hub: its REST client and live bus. */
export function useHub(): HubContextValue {
  const hub = useContext(HubContext)
  if (!hub) throw new Error('useHub() outside <HubContext.Provider>')
  return hub
}

/** The live stream's status and generation (bumped by each `ready`), re-rendering on change. */
export function useLiveStatus(): { status: LiveStatus; generation: number } {
  const { bus } = useHub()
  const [value, setValue] = useState(() => ({ status: bus.status, generation: bus.generation }))
  useEffect(() => {
    setValue({ status: bus.status, generation: bus.generation })
    return bus.onStatus((status, generation) => setValue({ status, generation }))
  }, [bus])
  return value
}

/** Calls the latest `listener` with every batch of live messages while mounted. */
export function useLiveBatches(listener: BatchListener): void {
  const { bus } = useHub()
  const ref = useRef(listener)
  ref.current = listener
  useEffect(() => bus.onBatch((batch) => ref.current(batch)), [bus])
}

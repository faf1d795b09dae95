import { useEffect, useMemo, useState } from 'preact/hooks'
import type { LiveMessage } from '../live/live-events.ts'
import { useLiveBatches } from './hub-context.ts'
import { throttle } from './throttle.ts'

/**
 * A counter that goes up when a live message matching `matches` arrives, at most once per `intervalMs`
 * (the last one is never dropped). Pass it as `useSynced`'s `refresh` to reload derived data (charts,
 * event lists) that the live messages do not carry themselves.
 */
export function useThrottledRefresh(matches: (m: LiveMessage) => boolean, intervalMs = 5000): number {
  const [tick, setTick] = useState(0)
  const throttled = useMemo(() => throttle(() => setTick((t) => t + 1), intervalMs), [intervalMs])
  useEffect(() => () => throttled.cancel(), [throttled])
  useLiveBatches((batch) => {
    if (batch.some(matches)) throttled.request()
  })
  return tick
}

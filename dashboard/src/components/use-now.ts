import { useEffect, useState } from 'preact/hooks'

/** The current time, refreshed every `everyMs` while mounted (for "5 minutes ago" labels). */
export function useNow(everyMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}

import { useEffect, useState } from 'preact/hooks'
import { parseHash, type Route } from './route.ts'

/** The current route, following `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash))
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return route
}

/** Goes to a hash route (adds a history entry, like following a link). */
export function navigate(hash: string): void {
  location.hash = hash
}

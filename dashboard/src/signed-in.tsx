import { useEffect, useMemo, useRef } from 'preact/hooks'
import type { ApiError } from './api/api-error.ts'
import { HubApi } from './api/hub-api.ts'
import { Header } from './components/header.tsx'
import { LiveBus } from './live/live-bus.ts'
import { LiveConnection } from './live/live-connection.ts'
import { PageFor } from './pages/page-for.tsx'
import { useRoute } from './routing/use-route.ts'
import { HubContext } from './sync/hub-context.ts'
import { IdentityContext, useTokenIdentity } from './sync/identity-context.ts'

interface Props {
  token: string
  onSignOut: (reason: string | null) => void
}

/**
 * The dashboard for one operator token: REST client, live stream, the token's name and role (asked once;
 * actions above the role are disabled), header and the current page.
 */
export function SignedIn({ token, onSignOut }: Props) {
  const signOutRef = useRef(onSignOut)
  signOutRef.current = onSignOut
  const hub = useMemo(() => {
    const unauthorized = (err: ApiError) => signOutRef.current(`The hub refused the token: ${err.message}. Sign in again.`)
    return { api: new HubApi({ token, onUnauthorized: unauthorized }), bus: new LiveBus() }
  }, [token])

  useEffect(() => {
    const connection = new LiveConnection({
      authorization: hub.api.authorization(),
      onMessage: (m) => hub.bus.push(m),
      onStatus: (s) => hub.bus.setStatus(s),
      onUnauthorized: (err) => hub.api.reportUnauthorized(err),
    })
    connection.start()
    return () => connection.close()
  }, [hub])

  const identity = useTokenIdentity(hub.api)
  const route = useRoute()
  const mainRef = useRef<HTMLElement>(null)
  const firstRoute = useRef(true)
  useEffect(() => {
    // after a navigation, move focus to the new page's heading so keyboard and screen-reader users land there
    if (firstRoute.current) {
      firstRoute.current = false
      return
    }
    mainRef.current?.querySelector<HTMLElement>('h1')?.focus()
  }, [route])

  return (
    <HubContext.Provider value={hub}>
      <IdentityContext.Provider value={identity}>
        <Header route={route} onSignOut={() => onSignOut(null)} />
        <main id="main" ref={mainRef} tabIndex={-1}>
          <PageFor route={route} />
        </main>
      </IdentityContext.Provider>
    </HubContext.Provider>
  )
}

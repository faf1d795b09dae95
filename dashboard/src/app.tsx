import { useCallback, useState } from 'preact/hooks'
import { takeLinkToken } from './api/token-link.ts'
import { clearToken, loadToken, saveToken } from './api/token-store.ts'
import { LoginPage } from './pages/login-page.tsx'
import { SignedIn } from './signed-in.tsx'

/**
 * Signed out: the sign-in form. Signed in: the dashboard, until Sign out or any 401 from the hub. Opened from
 * a sign-in link (`#token=…`), the form signs in with the link's token first, in place of a kept one.
 */
export function App() {
  // before anything reads the address: the route must not see the token, nor the history keep it
  const [linkToken, setLinkToken] = useState<string | null>(() => takeLinkToken())
  const [token, setToken] = useState<string | null>(() => (linkToken === null ? loadToken() : null))
  const [notice, setNotice] = useState<string | null>(null)

  const signIn = useCallback((t: string) => {
    saveToken(t)
    setNotice(null)
    setLinkToken(null)
    setToken(t)
  }, [])
  const signOut = useCallback((reason: string | null) => {
    clearToken()
    setNotice(reason)
    setLinkToken(null)
    setToken(null)
  }, [])

  return token === null
    ? <LoginPage notice={notice} linkToken={linkToken} onSignedIn={signIn} />
    : <SignedIn token={token} onSignOut={signOut} />
}

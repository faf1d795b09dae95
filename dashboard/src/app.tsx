import { useCallback, useState } from 'preact/hooks'
import { clearToken, loadToken, saveToken } from './api/token-store.ts'
import { LoginPage } from './pages/login-page.tsx'
import { SignedIn } from './signed-in.tsx'

/** Signed out: the sign-in form. Signed in: the dashboard, until Sign out or any 401 from the hub. */
export function App() {
  const [token, setToken] = useState<string | null>(() => loadToken())
  const [notice, setNotice] = useState<string | null>(null)

  const signIn = useCallback((t: string) => {
    saveToken(t)
    setNotice(null)
    setToken(t)
  }, [])
  const signOut = useCallback((reason: string | null) => {
    clearToken()
    setNotice(reason)
    setToken(null)
  }, [])

  return token === null ? <LoginPage notice={notice} onSignedIn={signIn} /> : <SignedIn token={token} onSignOut={signOut} />
}

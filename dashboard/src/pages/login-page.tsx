import { useEffect, useState } from 'preact/hooks'
import { describeError } from '../api/api-error.ts'
import { HubApi } from '../api/hub-api.ts'
import { tokenShapeProblem } from '../api/token-store.ts'

interface Props {
  /** why the previous session ended (e.g. the hub refused the token), shown above the form */
  notice: string | null
  /** a token from a sign-in link: checked and kept as if typed in and submitted, once, when the form opens */
  linkToken?: string | null
  onSignedIn: (token: string) => void
}

/** The sign-in form: checks the operator token against the hub (`GET /api/v1/devices`) before keeping it. */
export function LoginPage({ notice, linkToken = null, onSignedIn }: Props) {
  const [token, setToken] = useState(linkToken ?? '')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const signInWith = async (text: string) => {
    const problem = tokenShapeProblem(text)
    if (problem) {
      setError(problem)
      return
    }
    setBusy(true)
    setError(null)
    try {
      await new HubApi({ token: text.trim() }).devices()
      onSignedIn(text.trim())
    } catch (err) {
      setError(describeError(err))
    } finally {
      setBusy(false)
    }
  }
  const submit = (e: Event) => {
    e.preventDefault()
    void signInWith(token)
  }
  useEffect(() => {
    if (linkToken !== null) void signInWith(linkToken)
  }, [])

  const message = error ?? notice
  return (
    <main id="main" class="login">
      <h1>edgefleet</h1>
      <form aria-label="Sign in" class="card stack" onSubmit={submit}>
        <p>Sign in with an operator token (create one on the hub with <code>edgefleet token add &lt;name&gt;</code>).</p>
        <div>
          <label for="token">Operator token</label>
          <input id="token" type="password" autoComplete="current-password" spellcheck={false} value={token}
            onInput={(e) => setToken(e.currentTarget.value)} aria-describedby={message ? 'login-error' : undefined} />
        </div>
        {message && <p id="login-error" role="alert" class="error">{message}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  )
}

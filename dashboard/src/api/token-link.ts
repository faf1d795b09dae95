/**
 * Sign-in links: `http://hub:8080/#token=<name>.<secret>` signs in with that operator token in one click
 * (`pnpm demo` can print one). The token is in the fragment, which the browser never sends to the server.
 */

/** The token of a sign-in link's fragment (`#token=…`, percent-decoded), or null when the fragment is not one. */
export function tokenFromFragment(hash: string): string | null {
  const match = /^#?token=([^&]*)/.exec(hash)
  if (!match) return null
  const raw = match[1]!
  try {
    return decodeURIComponent(raw).trim()
  } catch {
    // a malformed escape: hand it on as it is, and let the usual checks refuse it
    return raw.trim()
  }
}

type LinkLocation = Pick<Location, 'hash' | 'pathname' | 'search'>
type LinkHistory = Pick<History, 'replaceState' | 'state'>

/**
 * Takes the token out of a sign-in link: returns it (or null when the page was not opened with one) and
 * replaces the current history entry with the same address without the fragment, so the secret does not
 * stay in the address bar or in this tab's history (back, forward, a copied address). It leaves the token
 * unchecked: signing in with it is the sign-in form's job.
 */
export function takeLinkToken(loc: LinkLocation = location, hist: LinkHistory = history): string | null {
  const token = tokenFromFragment(loc.hash)
  if (token === null) return null
  hist.replaceState(hist.state, '', `${loc.pathname}${loc.search}`)
  return token
}

import { createContext } from 'preact'
import { useContext, useEffect, useState } from 'preact/hooks'
import type { HubApi } from '../api/hub-api.ts'
import { askIdentity } from '../api/token-identity.ts'
import { roleShortfall, type IdentityState, type OperatorRole } from '../state/operator-role.ts'

/** The signed-in token's name and role; `unknown` (everything offered) outside a provider. */
export const IdentityContext = createContext<IdentityState>({ status: 'unknown' })

/** Asks the hub once per client who its token is; `loading` until it answers. */
export function useTokenIdentity(api: HubApi): IdentityState {
  const [state, setState] = useState<IdentityState>({ status: 'loading' })
  useEffect(() => {
    const abort = new AbortController()
    setState({ status: 'loading' })
    askIdentity(api, abort.signal).then(
      (s) => {
        if (!abort.signal.aborted) setState(s)
      },
      // only an abort (the client changed, or sign-out) rejects
      () => undefined,
    )
    return () => abort.abort()
  }, [api])
  return state
}

/** The signed-in token's identity, as far as the hub has told. */
export function useIdentity(): IdentityState {
  return useContext(IdentityContext)
}

/** Why this token may not do what needs `need` (see {@link roleShortfall}), or null when it may try. */
export function useRoleShortfall(need: OperatorRole, what?: string): string | null {
  return roleShortfall(useIdentity(), need, what)
}

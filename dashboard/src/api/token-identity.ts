import type { IdentityState } from '../state/operator-role.ts'
import { isAbort } from './api-error.ts'
import type { HubApi } from './hub-api.ts'

/**
 * Asks the hub who the signed-in token is. Any failure (an older hub's 404, a network error) leaves the role
 * unknown, which offers every action as before roles: the hub still refuses what the token may not do. A 401
 * has already signed out through the client. An abort is passed on.
 */
export async function askIdentity(api: HubApi, signal?: AbortSignal): Promise<IdentityState> {
  try {
    return { status: 'known', identity: await api.whoami(signal) }
  } catch (err) {
    if (isAbort(err)) throw err
    return { status: 'unknown' }
  }
}

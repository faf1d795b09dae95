import type { OPERATOR_ROLES as PROTOCOL_OPERATOR_ROLES, TokenIdentity } from '@edgefleet/protocol'

/**
 * Roles of operator tokens, weakest first: a copy of the protocol's `OPERATOR_ROLES` (importing it would pull
 * the protocol's runtime into the bundle). The check below fails to compile when the two differ, order included.
 */
export const OPERATOR_ROLES = ['viewer', 'operator', 'admin'] as const
export type OperatorRole = (typeof OPERATOR_ROLES)[number]
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
/** Compiles only while this list and the protocol's name the same roles in the same order. */
export const OPERATOR_ROLES_MATCH: Same<typeof OPERATOR_ROLES, typeof PROTOCOL_OPERATOR_ROLES> = true

/**
 * What the dashboard knows of its token: still asking the hub (`loading`), the hub's answer (`known`), or
 * nothing (`unknown`: an older hub without `GET /whoami`, or the question failed).
 */
export type IdentityState =
  | { status: 'loading' }
  | { status: 'known'; identity: TokenIdentity }
  | { status: 'unknown' }

/** True when a token with role `have` may do what needs `need` (admin ⊃ operator ⊃ viewer). */
export function roleAtLeast(have: OperatorRole, need: OperatorRole): boolean {
  return OPERATOR_ROLES.indexOf(have) >= OPERATOR_ROLES.indexOf(need)
}

/**
 * Why an action that needs `need` is not offered, e.g. `Needs an operator token (yours is viewer)`, or
 * `Acknowledging alerts needs …` with `what`; null when it may be tried. A role not known yet, or not at all,
 * offers everything: the hub still refuses what the token may not do, and its message is shown then.
 */
export function roleShortfall(state: IdentityState, need: OperatorRole, what?: string): string | null {
  if (state.status !== 'known' || roleAtLeast(state.identity.role, need)) return null
  const article = /^[aeiou]/.test(need) ? 'an' : 'a'
  return `${what ? `${what} needs` : 'Needs'} ${article} ${need} token (yours is ${state.identity.role})`
}

/** The header's `name · role`, or null while the role is not known. */
export function identityText(state: IdentityState): string | null {
  return state.status === 'known' ? `${state.identity.name} · ${state.identity.role}` : null
}

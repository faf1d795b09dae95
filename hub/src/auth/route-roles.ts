import { OPERATOR_ROLES, roleAtLeast, type OperatorRole } from '@edgefleet/protocol'

/**
 * Who may call a route, declared by every route as `config: { role }`: an operator token's role
 * (`viewer` ⊂ `operator` ⊂ `admin`), `device` (a device's HTTP Basic credentials, or any operator
 * token), or `public` (no credentials). Pure: `plugins/route-auth.ts` adapts it to fastify.
 */
export type RouteRole = OperatorRole | 'device' | 'public'

export const ROUTE_ROLES: readonly RouteRole[] = ['public', 'device', ...OPERATOR_ROLES]

export function isRouteRole(value: unknown): value is RouteRole {
  return (ROUTE_ROLES as readonly unknown[]).includes(value)
}

/** The caller of one request, as far as its credentials went. */
export type Caller =
  | { kind: 'anonymous' }
  /** credentials were sent but did not verify (unknown, revoked, wrong secret, malformed) */
  | { kind: 'rejected'; reason: string }
  | { kind: 'operator'; name: string; role: OperatorRole }
  | { kind: 'device'; deviceId: string }

export type AccessDecision = { allowed: true } | { allowed: false; status: 401 | 403; message: string }

const ALLOWED: AccessDecision = { allowed: true }

/** The roles that satisfy `need`, in words: `operator or admin`. */
export function rolesSatisfying(need: OperatorRole): string {
  const roles = OPERATOR_ROLES.slice(OPERATOR_ROLES.indexOf(need))
  return roles.length === 1 ? roles[0]! : `${roles.slice(0, -1).join(', ')} or ${roles.at(-1)!}`
}

/**
 * May `caller` call a route that needs `need`? 401 when it has no acceptable credentials, 403 when its
 * token's role is too low; the message says what to do next. `what` names the request (`POST /api/v1/…`).
 */
export function decideAccess(need: RouteRole, caller: Caller, what: string): AccessDecision {
  if (need === 'public') return ALLOWED
  if (caller.kind === 'rejected') return { allowed: false, status: 401, message: caller.reason }
  if (need === 'device') {
    // a device fetches what its desired state names (checked by the route); any operator token may read models
    if (caller.kind === 'device' || caller.kind === 'operator') return ALLOWED
    return {
      allowed: false,
      status: 401,
      message: `${what} needs the device's id and secret as HTTP Basic credentials (\`Authorization: Basic base64(<id>:<secret>)\`), or an operator token as \`Authorization: Bearer <name>.<secret>\``,
    }
  }
  if (caller.kind !== 'operator') {
    return {
      allowed: false,
      status: 401,
      message: `${what} needs an operator token (role ${rolesSatisfying(need)}), sent as "Authorization: Bearer <name>.<secret>" (create one with \`edgefleet token add <name> --role ${need}\`)`,
    }
  }
  if (roleAtLeast(caller.role, need)) return ALLOWED
  return {
    allowed: false,
    status: 403,
    message: `${what} needs an ${rolesSatisfying(need)} token; yours (${caller.name}) is ${caller.role}: create one with \`edgefleet token add <name> --role ${need}\``,
  }
}

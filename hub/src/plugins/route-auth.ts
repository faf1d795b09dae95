import type { OperatorRole } from '@edgefleet/protocol'
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { parseBasicAuthorization } from '../auth/basic-authorization.ts'
import { parseBearerAuthorization } from '../auth/operator-token.ts'
import { decideAccess, isRouteRole, ROUTE_ROLES, type Caller, type RouteRole } from '../auth/route-roles.ts'
import { HubError } from '../errors.ts'
import type { RegistryStore } from '../registry/registry-store.ts'

/** One route as the role check sees it. */
export interface RouteRoleEntry {
  method: string
  url: string
  /** routes outside /api without a declared role are public */
  role: RouteRole
}

declare module 'fastify' {
  interface FastifyInstance {
    /** every route registered after this plugin, with its role (the table of README.md "REST roles") */
    readonly routeRoles: readonly RouteRoleEntry[]
  }
  interface FastifyContextConfig {
    /** who may call this route (auth/route-roles.ts); every route under /api must declare it */
    role?: RouteRole
  }
  interface FastifyRequest {
    /** the operator token's name, once the route's role check accepted it; null otherwise */
    operator: string | null
    /** that token's role; null otherwise */
    operatorRole: OperatorRole | null
    /** the device a `device` route's caller authenticated as (HTTP Basic); null otherwise */
    deviceId: string | null
  }
}

/** Routes under this prefix must declare a role: the hub refuses to start otherwise. */
const API_PREFIX = '/api/'
/** [RFC 9110 §11.6.1] a 401 names the scheme that would work */
const CHALLENGE: Partial<Record<RouteRole, string>> = {
  device: 'Basic realm="edgefleet models", charset="UTF-8"',
}

/**
 * The one place that enforces who may call what: every route declares `config: { role }` (a route under
 * /api without one stops the hub from starting, naming the route), and this plugin puts the role check
 * first in each route's onRequest hooks, before its body or query is looked at. The decision itself is
 * the pure `decideAccess`; this only reads credentials and turns a refusal into 401 or 403.
 */
export const routeAuthPlugin = fp(async (app) => {
  app.decorateRequest('operator', null)
  app.decorateRequest('operatorRole', null)
  app.decorateRequest('deviceId', null)
  const table: RouteRoleEntry[] = []
  app.decorate('routeRoles', table)

  const authorize = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const need = request.routeOptions.config.role as RouteRole
    const caller = await identify(app.registry, request, need)
    const decision = decideAccess(need, caller, `${request.method} ${request.routeOptions.url ?? request.url}`)
    if (!decision.allowed) {
      const challenge = CHALLENGE[need]
      if (decision.status === 401 && challenge) void reply.header('www-authenticate', challenge)
      throw new HubError(decision.status === 401 ? 'HUB_UNAUTHORIZED' : 'HUB_ROLE_INSUFFICIENT', decision.message)
    }
    if (caller.kind === 'operator') {
      request.operator = caller.name
      request.operatorRole = caller.role
    } else if (caller.kind === 'device') {
      request.deviceId = caller.deviceId
    }
  }

  app.addHook('onRoute', (route) => {
    const role = requireRouteRole(route)
    for (const method of [route.method].flat()) table.push({ method, url: route.url, role: role ?? 'public' })
    if (role === undefined || role === 'public') return
    route.onRequest = [authorize, ...[route.onRequest ?? []].flat()]
  })
}, { name: 'route-auth', dependencies: ['stores'] })

/** The route's declared role; throws HUB_ROUTE_ROLE_MISSING for a route under /api without a valid one. */
function requireRouteRole(route: RouteOptions): RouteRole | undefined {
  const role: unknown = route.config?.role
  if (isRouteRole(role)) return role
  const name = `${[route.method].flat().join(',')} ${route.url}`
  if (role !== undefined) {
    throw new HubError('HUB_ROUTE_ROLE_MISSING', `route ${name} declares role ${JSON.stringify(role)}: use one of ${ROUTE_ROLES.join(', ')}`)
  }
  if (route.url.startsWith(API_PREFIX)) {
    throw new HubError('HUB_ROUTE_ROLE_MISSING', `route ${name} declares no role: add \`config: { role: ${ROUTE_ROLES.map((r) => `'${r}'`).join(' | ')} }\` to its options (README.md, "REST roles")`)
  }
  // outside /api (the dashboard, the agent page, /docs): public unless declared
  return undefined
}

/** Who sent this request: only the credentials the route accepts are read (HTTP Basic on device routes only). */
async function identify(registry: RegistryStore, request: FastifyRequest, need: RouteRole): Promise<Caller> {
  const header = request.headers.authorization
  const token = parseBearerAuthorization(header)
  if (token) {
    const role = await registry.verifyOperatorToken(token.name, token.secret)
    return role ? { kind: 'operator', name: token.name, role } : { kind: 'rejected', reason: 'unknown or revoked operator token: check it, or create one with `edgefleet token add <name> --role <role>`' }
  }
  if (need !== 'device') return { kind: 'anonymous' }
  const device = parseBasicAuthorization(header)
  if (!device) return { kind: 'anonymous' }
  if (await registry.verifyDeviceSecret(device.deviceId, device.secret)) return { kind: 'device', deviceId: device.deviceId }
  return { kind: 'rejected', reason: `unknown device or wrong secret for ${JSON.stringify(device.deviceId)}: use the secret from \`edgefleet device add\` (or \`device rotate-secret\`)` }
}

/** OpenAPI security requirements per role: none for public routes, device or operator credentials for downloads. */
const SECURITY: Record<RouteRole, readonly Record<string, string[]>[]> = {
  public: [],
  device: [{ device: [] }, { operator: [] }],
  viewer: [{ operator: [] }],
  operator: [{ operator: [] }],
  admin: [{ operator: [] }],
}

/** Who may call it, in words, for the operation's description. */
const WHO: Record<RouteRole, string> = {
  public: 'Public: no credentials.',
  device: 'Role `device`: the device\'s HTTP Basic credentials, or any operator token.',
  viewer: 'Role `viewer`: any operator token (viewer, operator or admin).',
  operator: 'Role `operator`: an operator or admin token.',
  admin: 'Role `admin`: an admin token.',
}

/**
 * `@fastify/swagger`'s transform: each operation shows its route's role as `x-edgefleet-role`, its
 * security requirements, and a line in its description, so clients see who may call what.
 */
export function documentRoles({ schema, url, route }: { schema: unknown; url: string; route: RouteOptions }): { schema: Record<string, unknown>; url: string } {
  const base = (schema ?? {}) as Record<string, unknown>
  const role: unknown = route.config?.role
  if (!isRouteRole(role)) return { schema: base, url }
  const description = typeof base.description === 'string' ? `${WHO[role]}\n\n${base.description}` : WHO[role]
  return { schema: { ...base, description, security: SECURITY[role], 'x-edgefleet-role': role }, url }
}

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OPERATOR_ROLES, roleAtLeast, type OperatorRole } from '@edgefleet/protocol'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from '../app.ts'
import { loadHubConfig } from '../config.ts'
import type { RouteRoleEntry } from './route-auth.ts'
import { routeAuthPlugin } from './route-auth.ts'
import { storesPlugin } from './stores.ts'

/**
 * Every route of the real hub × every kind of caller. The routes come from the app itself
 * (`app.routeRoles`, filled as routes register), so a route added later is covered without editing this.
 */
let dataDir: string
let app: FastifyInstance
let base: string
const tokens = {} as Record<OperatorRole, string>
let deviceBasic: string

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-route-roles-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  base = await app.listen({ host: '127.0.0.1', port: 0 })
  for (const role of OPERATOR_ROLES) tokens[role] = `${role}-token.${(await app.registry.addCredential('operator', `${role}-token`, role)).secret}`
  const { secret } = await app.registry.addDevice('pi-01')
  deviceBasic = `Basic ${Buffer.from(`pi-01:${secret}`).toString('base64')}`
})

afterAll(async () => {
  await app?.close()
  await rm(dataDir, { recursive: true, force: true })
})

/** Values that pass each path parameter's schema, naming nothing that exists (so no call changes anything). */
const PARAMS: Record<string, string> = { id: 'no-such-1', name: 'gas-sensor', version: '9.9.9', model: 'gas-sensor', snapshot: '1', command: 'pause' }

function concreteUrl(url: string): string {
  return url.replace(/:(\w+)/g, (_m, p: string) => PARAMS[p] ?? 'x').replace(/\*$/, 'x')
}

interface Answer { status: number; code: string | undefined; message: string; challenge: string | null }

/** One real HTTP request; the body is only read for an error (GET /live would stream forever). */
async function call(route: RouteRoleEntry, authorization?: string): Promise<Answer> {
  const body = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH'
  const res = await fetch(`${base}${concreteUrl(route.url)}`, {
    method: route.method,
    headers: { ...(authorization ? { authorization } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: '{}' } : {}),
  }).catch((err: unknown) => {
    throw new Error(`${route.method} ${route.url}: ${String(err)}`, { cause: err })
  })
  let code: string | undefined
  let message = ''
  if (res.status >= 400 && route.method !== 'HEAD' && res.headers.get('content-type')?.startsWith('application/json')) {
    ;({ code, message } = (await res.json()) as { code?: string; message: string })
  } else {
    await res.body?.cancel()
  }
  // a HEAD answer has no body: its status (and headers) are all there is to check
  if (route.method === 'HEAD' && res.status === 401) code = 'HUB_UNAUTHORIZED'
  return { status: res.status, code, message, challenge: res.headers.get('www-authenticate') }
}

const name = (r: RouteRoleEntry) => `${r.method} ${r.url} (${r.role})`
const apiRoutes = () => app.routeRoles.filter((r) => r.url.startsWith('/api/'))
const operatorRoutes = () => apiRoutes().filter((r) => (OPERATOR_ROLES as readonly string[]).includes(r.role))

describe('the route table', () => {
  it('holds every route of the app, each /api route with a role that fits its method', () => {
    const api = apiRoutes()
    // the hub has dozens of API routes: an empty table would make every test below vacuous
    expect(api.length).toBeGreaterThan(30)
    // reading is for viewers (or devices, for model files); changing anything needs at least an operator
    const misfits = api.filter((r) => (r.method === 'GET' || r.method === 'HEAD' ? !['viewer', 'device', 'public'].includes(r.role) : !['operator', 'admin', 'public'].includes(r.role)))
    expect(misfits.map(name)).toEqual([])
    // every documented operation is in the table, with the same role in the OpenAPI document
    const doc = app.swagger() as { paths: Record<string, Record<string, { 'x-edgefleet-role'?: string; security?: unknown[] }>> }
    const table = new Map(app.routeRoles.map((r) => [`${r.method} ${r.url}`, r.role]))
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, op })))
    expect(documented.length).toBeGreaterThan(20)
    for (const { key, op } of documented) {
      expect(table.has(key), key).toBe(true)
      expect(op['x-edgefleet-role'], key).toBe(table.get(key))
      if (op['x-edgefleet-role'] === 'public') expect(op.security, key).toEqual([])
    }
  })
})

describe('every route × role', () => {
  it('refuses every non-public route without credentials (401), and lets public ones answer the same to everyone', async () => {
    const wrong: string[] = []
    for (const r of app.routeRoles) {
      const none = await call(r)
      if (r.role === 'public') {
        for (const role of OPERATOR_ROLES) {
          const withToken = await call(r, `Bearer ${tokens[role]}`)
          if (withToken.status !== none.status) wrong.push(`${name(r)}: ${none.status} without a token but ${withToken.status} with a ${role} token`)
        }
      } else if (none.status !== 401 || none.code !== 'HUB_UNAUTHORIZED') {
        wrong.push(`${name(r)}: ${none.status} ${none.code} without credentials`)
      }
    }
    expect(wrong).toEqual([])
  })

  it('refuses a token that does not verify (401) on every non-public route', async () => {
    const wrong: string[] = []
    const forged = `Bearer admin-token.${'A'.repeat(43)}`
    for (const r of app.routeRoles.filter((x) => x.role !== 'public')) {
      const a = await call(r, forged)
      if (a.status !== 401 || (r.method !== 'HEAD' && !/unknown or revoked operator token/.test(a.message))) wrong.push(`${name(r)}: ${a.status} ${a.code}`)
    }
    expect(wrong).toEqual([])
  })

  it.each(OPERATOR_ROLES)('answers a %s token 403 naming both roles below the route\'s role, and never 401/403 at or above it', async (have) => {
    const wrong: string[] = []
    for (const r of operatorRoutes()) {
      const need = r.role as OperatorRole
      const a = await call(r, `Bearer ${tokens[have]}`)
      if (roleAtLeast(have, need)) {
        // it may still fail validation (400) or find nothing (404): that is past the role check
        if (a.status === 401 || a.status === 403) wrong.push(`${name(r)}: ${a.status} ${a.code} for ${have}`)
      } else if (a.status !== 403 || a.code !== 'HUB_ROLE_INSUFFICIENT' || !a.message.includes(`yours (${have}-token) is ${have}`) || !a.message.includes(`--role ${need}`)) {
        wrong.push(`${name(r)}: ${a.status} ${a.code} "${a.message}" for ${have}`)
      }
    }
    expect(wrong).toEqual([])
  })

  it('lets a device (HTTP Basic) and every operator token fetch model files, and refuses a device on every operator route', async () => {
    const wrong: string[] = []
    const deviceRoutes = apiRoutes().filter((r) => r.role === 'device')
    expect(deviceRoutes.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(['GET /api/v1/models/:name/:version/model.onnx', 'HEAD /api/v1/models/:name/:version/manifest.json']))
    for (const r of deviceRoutes) {
      const device = await call(r, deviceBasic)
      // authenticated: refused only because its desired state does not name that version (HUB_FORBIDDEN), never 401
      if (device.status === 401 || device.code === 'HUB_ROLE_INSUFFICIENT') wrong.push(`${name(r)}: ${device.status} ${device.code} for the device`)
      const badSecret = await call(r, `Basic ${Buffer.from('pi-01:wrong').toString('base64')}`)
      if (badSecret.status !== 401) wrong.push(`${name(r)}: ${badSecret.status} for a wrong device secret`)
      const none = await call(r)
      if (!none.challenge?.startsWith('Basic ')) wrong.push(`${name(r)}: a 401 without a Basic challenge`)
      for (const role of OPERATOR_ROLES) {
        const a = await call(r, `Bearer ${tokens[role]}`)
        if (a.status === 401 || a.status === 403) wrong.push(`${name(r)}: ${a.status} ${a.code} for ${role}`)
      }
    }
    for (const r of operatorRoutes()) {
      const a = await call(r, deviceBasic)
      if (a.status !== 401) wrong.push(`${name(r)}: ${a.status} ${a.code} for device credentials`)
    }
    expect(wrong).toEqual([])
  })

  it('tells the caller who it is: GET /api/v1/whoami', async () => {
    for (const role of OPERATOR_ROLES) {
      const res = await fetch(`${base}/api/v1/whoami`, { headers: { authorization: `Bearer ${tokens[role]}` } })
      expect(await res.json()).toEqual({ name: `${role}-token`, role })
    }
  })
})

describe('a route that declares no role', () => {
  let own: string
  let small: FastifyInstance | undefined
  beforeAll(async () => {
    own = await mkdtemp(join(tmpdir(), 'ef-route-roles-missing-'))
  })
  afterAll(async () => {
    await small?.close()
    await rm(own, { recursive: true, force: true })
  })

  async function withRoute(url: string, config?: Record<string, unknown>): Promise<FastifyInstance> {
    small = Fastify()
    await small.register(storesPlugin, { dataDir: own, telemetry: 'sqlite', retentionDays: 0 })
    await small.register(routeAuthPlugin)
    await small.register(async (child) => {
      child.post(url, { ...(config ? { config } : {}) }, async () => ({ ok: true }))
    }, { prefix: '/api/v1' })
    await small.ready()
    return small
  }

  it('stops the hub from starting, naming the route', async () => {
    await expect(withRoute('/forgotten')).rejects.toMatchObject({ code: 'HUB_ROUTE_ROLE_MISSING', message: expect.stringMatching(/^route POST \/api\/v1\/forgotten declares no role: add `config: \{ role: 'public' \| 'device' \| 'viewer' \| 'operator' \| 'admin' \}`/) })
    await small?.close()
    await expect(withRoute('/typo', { role: 'root' })).rejects.toMatchObject({ code: 'HUB_ROUTE_ROLE_MISSING', message: expect.stringMatching(/POST \/api\/v1\/typo declares role "root"/) })
    await small?.close()
    const ok = await withRoute('/declared', { role: 'admin' })
    expect((await ok.inject({ method: 'POST', url: '/api/v1/declared' })).statusCode).toBe(401)
  })
})

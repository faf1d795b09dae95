import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { build, loadHubConfig } from '@edgefleet/hub'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EDGE_NUMBERS } from './malformed.ts'

/**
 * Property-based fuzzing of the hub's REST bodies: every POST and PUT route the hub documents in
 * /openapi.json gets generated bodies (random JSON, the route's own fields with wrong types and edge
 * values, huge arrays, deep nesting, invalid JSON text, wrong content types) with an admin token.
 * Every answer must come (no hang), must not be a 5xx, and a refusal must have the hub's error shape.
 */

const SEED = 20_261_129
const PER_ROUTE = 300

let app: FastifyInstance
let dataDir: string
let auth: Record<string, string>
const counts: Record<string, number> = {}
const statuses: Record<string, number> = {}
const tally = (table: Record<string, number>, key: string): void => void (table[key] = (table[key] ?? 0) + 1)

interface Route {
  method: 'POST' | 'PUT'
  /** OpenAPI path, e.g. /api/v1/devices/{id}/desired */
  path: string
  /** property names of the JSON body schema, if any */
  fields: string[]
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ef-fuzz-rest-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  await app.registry.addDevice('dev-1')
  auth = { authorization: `Bearer fuzz-admin.${(await app.registry.addCredential('operator', 'fuzz-admin', 'admin')).secret}` }
})

afterAll(async () => {
  await app?.close()
  rmSync(dataDir, { recursive: true, force: true })
  console.log(`rest-bodies fuzz inputs by category: ${JSON.stringify(counts)}; total ${Object.values(counts).reduce((a, b) => a + b, 0)}; answers by status: ${JSON.stringify(statuses)}`)
})

/** The POST and PUT routes the hub documents, with their JSON body fields. */
async function documentedRoutes(): Promise<Route[]> {
  const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: object } }> } }>> }
  const routes: Route[] = []
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (method !== 'post' && method !== 'put') continue
      const schema = op.requestBody?.content?.['application/json']?.schema
      routes.push({ method: method.toUpperCase() as Route['method'], path, fields: Object.keys(schema?.properties ?? {}) })
    }
  }
  return routes
}

/** Path parameters: real ids, ids that do not exist, and garbage. */
const pathParam: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('dev-1', 'gas-sensor', 'pause', 'resume', 'abort', 'rollback', '1', 'r-1', 'nope') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 4000 }).map((n) => 'x'.repeat(n)) },
)

const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(...EDGE_NUMBERS.map(Number), 2 ** 53 + 1, -0, 'NaN', 'Infinity', '', null, [], {}),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.integer({ min: 1_000, max: 50_000 }).map((n) => 'y'.repeat(n)),
)

interface Body {
  category: string
  contentType?: string
  payload: string | Buffer
}

const json = (category: string, v: unknown): Body => ({ category, contentType: 'application/json', payload: JSON.stringify(v) ?? 'null' })

/** Over the hub's 1 MiB body limit. */
const OVER_LIMIT = `[${'1,'.repeat(600_000)}1]`

function bodies(route: Route): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ category: 'over-body-limit', contentType: 'application/json', payload: OVER_LIMIT }) },
    { weight: 20, arbitrary: malformedBody(route) },
  )
}

function malformedBody(route: Route): fc.Arbitrary<Body> {
  const fieldNames = [...route.fields, 'extra', '__proto__', 'constructor']
  return fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => json('random-json', v)),
    fc.dictionary(fc.constantFrom(...fieldNames), weird, { maxKeys: 8 }).map((v) => json('route-fields-wrong-values', v)),
    fc.integer({ min: 10_000, max: 150_000 }).map((n) => json('huge-array', Array.from({ length: n }, (_, i) => i))),
    fc.tuple(fc.integer({ min: 1_000, max: 10_000 }), fc.boolean()).map(([d, obj]) => ({
      category: 'deep-nesting', contentType: 'application/json', payload: obj ? `${'{"a":'.repeat(d)}1${'}'.repeat(d)}` : `${'['.repeat(d)}${']'.repeat(d)}`,
    })),
    fc.string({ unit: 'binary', maxLength: 300 }).map((s) => ({ category: 'invalid-json-text', contentType: 'application/json', payload: s })),
    fc.jsonValue({ maxDepth: 3 }).chain((v) => fc.nat().map((k) => {
      const t = JSON.stringify(v)
      return { category: 'truncated-json', contentType: 'application/json', payload: t.slice(0, t.length > 1 ? k % (t.length - 1) : 0) }
    })),
    fc.tuple(fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'multipart/form-data', 'text/csv', 'application/octet-stream', 'application/json; charset=latin1', 'image/png', 'application/x-ndjson'), fc.uint8Array({ maxLength: 400 }))
      .map(([contentType, bytes]) => ({ category: 'wrong-content-type', contentType, payload: Buffer.from(bytes) })),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ category: 'no-content-type', payload: Buffer.from(bytes) })),
  )
}

function isErrorShape(status: number, body: unknown): boolean {
  const b = body as Record<string, unknown>
  return b !== null && typeof b === 'object' && b.statusCode === status && typeof b.code === 'string' && b.code.length > 0
    && typeof b.error === 'string' && b.error !== 'Internal Server Error' && typeof b.message === 'string'
}

describe('REST bodies under generated malformed input', () => {
  it('answers every POST and PUT with a 2xx or a coded 4xx in the hub\'s error shape, never a 5xx', async () => {
    const routes = await documentedRoutes()
    expect(routes.length).toBeGreaterThanOrEqual(8)
    for (const [r, route] of routes.entries()) {
      const params = route.path.match(/\{[^}]+\}/g) ?? []
      await fc.assert(
        fc.asyncProperty(fc.array(pathParam, { minLength: params.length, maxLength: params.length }), bodies(route), async (values, body) => {
          let url = route.path
          params.forEach((p, i) => (url = url.replace(p, encodeURIComponent(values[i]!))))
          const res = await app.inject({ method: route.method, url, headers: { ...auth, ...(body.contentType ? { 'content-type': body.contentType } : {}) }, payload: body.payload })
          tally(counts, body.category)
          tally(statuses, String(res.statusCode))
          if (res.statusCode >= 500) throw new Error(`${route.method} ${url} (${body.category}) answered ${res.statusCode}: ${res.body.slice(0, 300)}`)
          if (res.statusCode >= 400 && !isErrorShape(res.statusCode, res.json())) throw new Error(`${route.method} ${url} (${body.category}) answered ${res.statusCode} without the error shape: ${res.body.slice(0, 300)}`)
          return res.statusCode < 500
        }),
        { seed: SEED + r, numRuns: PER_ROUTE, endOnFailure: true },
      )
    }
    // the hub still serves
    expect((await app.inject({ url: '/healthz' })).json()).toMatchObject({ status: 'ok' })
    expect((await app.inject({ url: '/api/v1/devices/dev-1', headers: auth })).statusCode).toBe(200)
  }, 240_000)
})

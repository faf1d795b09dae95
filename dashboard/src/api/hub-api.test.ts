import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApiError, describeError } from './api-error.ts'
import { HubApi } from './hub-api.ts'
import { askIdentity } from './token-identity.ts'

/** What the stand-in hub received, and what it answers next. */
interface Exchange {
  method: string
  url: string
  authorization: string | undefined
  body: string
}

let server: Server
let origin: string
let seen: Exchange[]
let answer: { status: number; body: unknown }

beforeEach(async () => {
  seen = []
  answer = { status: 200, body: {} }
  server = createServer(async (req: IncomingMessage, res) => {
    let body = ''
    for await (const chunk of req) body += String(chunk)
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body })
    res.writeHead(answer.status, { 'content-type': 'application/json' })
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function api(onUnauthorized?: (e: ApiError) => void): HubApi {
  return new HubApi({ token: 'ops.secret', fetch: (url, init) => fetch(new URL(String(url), origin), init), ...(onUnauthorized ? { onUnauthorized } : {}) })
}

describe('hub REST client', () => {
  it('sends the operator token and the query, and returns the parsed body', async () => {
    answer = { status: 200, body: { devices: [], total: 0, online: 0 } }
    const list = await api().devices({ tag: ['site=lab'], online: true })
    expect(list).toEqual({ devices: [], total: 0, online: 0 })
    expect(seen).toEqual([{ method: 'GET', url: '/api/v1/devices?tag=site%3Dlab&online=true', authorization: 'Bearer ops.secret', body: '' }])
  })

  it('posts commands with a JSON body (an empty one without a reason)', async () => {
    answer = { status: 200, body: { id: 'r1' } }
    await api().commandRollout('r1', 'abort', 'latency')
    await api().acknowledgeAlert('a/1')
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/api/v1/rollouts/r1/abort', '{"reason":"latency"}'],
      ['POST', '/api/v1/alerts/a%2F1/ack', '{}'],
    ])
  })

  it("throws the hub's error, and reports a 401 so the app can return to sign-in", async () => {
    answer = { status: 401, body: { statusCode: 401, code: 'HUB_UNAUTHORIZED', error: 'Unauthorized', message: 'unknown or revoked operator token' } }
    const reported: ApiError[] = []
    const err = await api((e) => reported.push(e)).rollouts().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).code).toBe('HUB_UNAUTHORIZED')
    expect(reported.map((e) => e.message)).toEqual(['unknown or revoked operator token'])
  })

  it('keeps a viewer signed in when the hub refuses an action for its role, with the message to show', async () => {
    const message = 'POST /api/v1/rollouts/:id/:command needs an operator or admin token; yours (wall) is viewer: create one with `edgefleet token add <name> --role operator`'
    answer = { status: 403, body: { statusCode: 403, code: 'HUB_ROLE_INSUFFICIENT', error: 'Forbidden', message } }
    const reported: ApiError[] = []
    const err = (await api((e) => reported.push(e)).commandRollout('r1', 'pause').catch((e: unknown) => e)) as ApiError
    expect([err.status, err.code, err.unauthorized]).toEqual([403, 'HUB_ROLE_INSUFFICIENT', false])
    expect(describeError(err)).toBe(`${message} (HUB_ROLE_INSUFFICIENT)`)
    expect(reported).toEqual([])
  })

  it('asks who the token is: its name and role', async () => {
    answer = { status: 200, body: { name: 'wall', role: 'viewer' } }
    expect(await api().whoami()).toEqual({ name: 'wall', role: 'viewer' })
    expect(await askIdentity(api())).toEqual({ status: 'known', identity: { name: 'wall', role: 'viewer' } })
    expect(seen.map((s) => [s.method, s.url, s.authorization])).toEqual([
      ['GET', '/api/v1/whoami', 'Bearer ops.secret'],
      ['GET', '/api/v1/whoami', 'Bearer ops.secret'],
    ])
  })

  it('leaves the role unknown (every action offered) when an older hub has no /whoami, and stays signed in', async () => {
    answer = { status: 404, body: { statusCode: 404, code: 'FST_ERR_NOT_FOUND', error: 'Not Found', message: 'Route GET:/api/v1/whoami not found' } }
    const reported: ApiError[] = []
    expect(await askIdentity(api((e) => reported.push(e)))).toEqual({ status: 'unknown' })
    expect(reported).toEqual([])
  })

  it('passes on the abort of a sign-out while asking who the token is', async () => {
    const abort = new AbortController()
    abort.abort()
    const err = await askIdentity(api(), abort.signal).catch((e: unknown) => e)
    expect((err as Error).name).toBe('AbortError')
  })

  it('keeps the code of a refused rollout for the form to show', async () => {
    answer = { status: 409, body: { statusCode: 409, code: 'HUB_ROLLOUT_CONFLICT', error: 'Conflict', message: 'rollout r0 of gas-sensor@1.0.0 is rolling' } }
    const err = (await api().createRollout({ model: 'gas-sensor@1.1.0', target: 'all' }).catch((e: unknown) => e)) as ApiError
    expect([err.status, err.code, err.message]).toEqual([409, 'HUB_ROLLOUT_CONFLICT', 'rollout r0 of gas-sensor@1.0.0 is rolling'])
    expect(JSON.parse(seen[0]!.body)).toEqual({ model: 'gas-sensor@1.1.0', target: 'all' })
  })

  it('says the hub cannot be reached when nothing answers', async () => {
    const closed = new HubApi({ token: 'ops.secret', fetch: (url, init) => fetch(new URL(String(url), 'http://127.0.0.1:1'), init) })
    const err = (await closed.models().catch((e: unknown) => e)) as ApiError
    expect(err.code).toBe('DASHBOARD_NETWORK')
    expect(err.message).toMatch(/Cannot reach the hub/)
  })
})

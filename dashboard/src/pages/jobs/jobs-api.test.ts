import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApiError } from '../../api/api-error.ts'
import { HubApi } from '../../api/hub-api.ts'
import { JobsApi } from './jobs-api.ts'

let server: Server
let origin: string
let seen: { method: string; url: string; authorization: string | undefined; body: string }[]
let answer: { status: number; body: unknown }

beforeEach(async () => {
  seen = []
  answer = { status: 200, body: {} }
  server = createServer(async (req: IncomingMessage, res) => {
    let body = ''
    for await (const chunk of req) body += String(chunk)
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body })
    res.writeHead(answer.status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answer.body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function jobsApi(onUnauthorized?: (e: ApiError) => void): JobsApi {
  const local: typeof fetch = (url, init) => fetch(new URL(String(url), origin), init)
  return new JobsApi(new HubApi({ token: 'ops.secret', fetch: local, ...(onUnauthorized ? { onUnauthorized } : {}) }), { fetch: local })
}

describe('retraining REST client', () => {
  it('lists, shows, starts and cancels jobs and reads a dataset summary, with the operator token', async () => {
    const api = jobsApi()
    await api.jobs({ model: 'gas-sensor', limit: 100 })
    await api.job('gas-sensor-1a2b')
    await api.createJob({ model: 'gas-sensor', reason: 'new lab batch' })
    await api.cancelJob('gas-sensor-1a2b')
    await api.dataset('gas-sensor')
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['GET', '/api/v1/jobs?model=gas-sensor&limit=100', ''],
      ['GET', '/api/v1/jobs/gas-sensor-1a2b', ''],
      ['POST', '/api/v1/jobs', '{"model":"gas-sensor","reason":"new lab batch"}'],
      ['POST', '/api/v1/jobs/gas-sensor-1a2b/cancel', '{}'],
      ['GET', '/api/v1/datasets/gas-sensor', ''],
    ])
    expect(new Set(seen.map((s) => s.authorization))).toEqual(new Set(['Bearer ops.secret']))
  })

  it("rejects with the hub's code and message (a job of the model already runs)", async () => {
    answer = { status: 409, body: { statusCode: 409, code: 'HUB_JOB_CONFLICT', message: 'retraining job gas-sensor-1a2b of gas-sensor is running' } }
    const err = await jobsApi().createJob({ model: 'gas-sensor' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 409, code: 'HUB_JOB_CONFLICT', message: 'retraining job gas-sensor-1a2b of gas-sensor is running' })
  })

  it('reports a refused token to the app as the REST client does', async () => {
    answer = { status: 401, body: { statusCode: 401, code: 'HUB_UNAUTHORIZED', message: 'unknown token' } }
    const refused: ApiError[] = []
    await expect(jobsApi((e) => refused.push(e)).jobs()).rejects.toMatchObject({ status: 401 })
    expect(refused.map((e) => e.code)).toEqual(['HUB_UNAUTHORIZED'])
  })
})

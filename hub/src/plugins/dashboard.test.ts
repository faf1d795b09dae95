import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../app.ts'
import { loadHubConfig } from '../config.ts'

let dataDir: string
let dist: string
let app: FastifyInstance | undefined

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-dashboard-'))
  dist = join(dataDir, 'dist')
})

afterEach(async () => {
  await app?.close()
  await rm(dataDir, { recursive: true, force: true })
})

const hub = async () => (app = await build({ config: loadHubConfig({ dataDir, dashboardDir: dist, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) }))

describe('the dashboard at /', () => {
  it('serves the build: the page revalidated under a strict CSP, hashed assets cached for good, the API untouched', async () => {
    await mkdir(join(dist, 'assets'), { recursive: true })
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>edgefleet</title><script type="module" src="/assets/index-abc123.js"></script>')
    await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log("edgefleet")')
    const a = await hub()
    const page = await a.inject({ url: '/' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.headers['cache-control']).toBe('no-cache')
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'")
    expect(page.body).toContain('/assets/index-abc123.js')
    const script = await a.inject({ url: '/assets/index-abc123.js' })
    expect([script.statusCode, script.headers['cache-control'], script.headers['content-type']]).toEqual([200, 'public, max-age=31536000, immutable', expect.stringMatching(/javascript/)])
    expect((await a.inject({ url: '/assets/nope.js' })).statusCode).toBe(404)
    expect((await a.inject({ url: '/api/v1/devices' })).json()).toMatchObject({ code: 'HUB_UNAUTHORIZED' })
    expect((await a.inject({ url: '/healthz' })).statusCode).toBe(200)
  })

  it('says how to build the dashboard when there is no build', async () => {
    const a = await hub()
    const page = await a.inject({ url: '/' })
    expect(page.statusCode).toBe(503)
    expect(page.body).toContain('--filter @edgefleet/dashboard build')
    expect(page.body).toContain(dist)
    expect((await a.inject({ url: '/healthz' })).statusCode).toBe(200)
  })
})

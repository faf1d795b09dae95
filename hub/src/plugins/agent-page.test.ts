import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../app.ts'
import { loadHubConfig } from '../config.ts'
import { agentPageConfig, agentPageCsp } from './agent-page-config.ts'

let dataDir: string
let dist: string
let app: FastifyInstance | undefined

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-agent-page-'))
  dist = join(dataDir, 'browser')
})

afterEach(async () => {
  await app?.close()
  await rm(dataDir, { recursive: true, force: true })
})

const hub = async (settings: Record<string, unknown> = {}) =>
  (app = await build({ config: loadHubConfig({ dataDir, agentPageDir: dist, mqttPort: 0, wsPort: 8083, httpPort: 0, logLevel: 'silent', ...settings }, {}) }))

async function writeBuild(): Promise<void> {
  await mkdir(join(dist, 'assets', 'ort-1.30.0'), { recursive: true })
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>edgefleet device</title><script type="module" src="/agent/assets/index-abc123.js"></script>')
  await writeFile(join(dist, 'assets', 'index-abc123.js'), 'export {}')
  await writeFile(join(dist, 'assets', 'ort-1.30.0', 'ort-wasm-simd-threaded.jsep.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))
}

describe('the browser agent at /agent', () => {
  it('serves the page cross-origin isolated, under a CSP that allows WebAssembly and this hub\'s broker WebSocket only', async () => {
    await writeBuild()
    const a = await hub()
    for (const url of ['/agent', '/agent/', '/agent/index.html']) {
      const page = await a.inject({ url, headers: { host: 'hub.local:8080' } })
      expect(page.statusCode).toBe(200)
      expect(page.headers['content-type']).toMatch(/^text\/html/)
      expect(page.body).toContain('/agent/assets/index-abc123.js')
      const csp = String(page.headers['content-security-policy'])
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'")
      expect(csp).not.toMatch(/'unsafe-eval'/)
      expect(csp).toContain("connect-src 'self' ws://hub.local:8083")
      expect(csp).toContain('media-src')
      expect([page.headers['cross-origin-opener-policy'], page.headers['cross-origin-embedder-policy'], page.headers['cache-control']]).toEqual(['same-origin', 'require-corp', 'no-cache'])
    }
    const wasm = await a.inject({ url: '/agent/assets/ort-1.30.0/ort-wasm-simd-threaded.jsep.wasm' })
    expect([wasm.statusCode, wasm.headers['content-type'], wasm.headers['cache-control']]).toEqual([200, 'application/wasm', 'public, max-age=31536000, immutable'])
    expect(wasm.headers['cross-origin-resource-policy']).toBe('same-origin')
    expect((await a.inject({ url: '/agent/assets/nope.js' })).statusCode).toBe(404)
    // the dashboard and the API are untouched
    expect((await a.inject({ url: '/api/v1/devices' })).json()).toMatchObject({ code: 'HUB_UNAUTHORIZED' })
  })

  it('tells the page where the broker\'s WebSocket is, on the host the browser used', async () => {
    const a = await hub()
    const res = await a.inject({ url: '/agent/config.json', headers: { host: '192.168.1.20:8080' } })
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.json()).toEqual({ v: 1, mqttUrl: 'ws://192.168.1.20:8083/mqtt' })
  })

  it('says how to build the page when there is no build', async () => {
    const a = await hub()
    const page = await a.inject({ url: '/agent' })
    expect(page.statusCode).toBe(503)
    expect(page.body).toContain('--filter @edgefleet/edge-agent build:browser')
    expect(page.body).toContain(dist)
    expect((await a.inject({ url: '/healthz' })).statusCode).toBe(200)
  })
})

describe('agentPageConfig', () => {
  const request = { protocol: 'http' as const, hostname: 'hub.local' }

  it('uses the public URL\'s host, and wss behind TLS', () => {
    expect(agentPageConfig({ wsPort: 8083, publicUrl: 'https://fleet.example.com' }, request).mqttUrl).toBe('wss://fleet.example.com:8083/mqtt')
    expect(agentPageConfig({ wsPort: 8083 }, { protocol: 'https', hostname: 'hub.local' }).mqttUrl).toBe('wss://hub.local:8083/mqtt')
  })

  it('sends browsers to an external broker only over WebSocket, never with the hub\'s credentials', () => {
    expect(agentPageConfig({ wsPort: 8083, broker: 'wss://hub:pw@broker.example/mqtt' }, request)).toEqual({ v: 1, mqttUrl: 'wss://broker.example/mqtt' })
    const tcp = agentPageConfig({ wsPort: 8083, broker: 'mqtt://broker.example:1883' }, request)
    expect(tcp.mqttUrl).toBeNull()
    expect(tcp.problem).toMatch(/--broker ws:\/\//)
  })

  it('cannot name a port picked at start', () => {
    const c = agentPageConfig({ wsPort: 0 }, request)
    expect(c.mqttUrl).toBeNull()
    expect(c.problem).toMatch(/fixed --ws-port/)
    expect(agentPageCsp(null)).toContain("connect-src 'self';")
  })
})

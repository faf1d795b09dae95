import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HUB_DEFAULTS, loadHubConfig } from './config.ts'

describe('loadHubConfig: webhooks', () => {
  it('has none by default, with the documented retry defaults', () => {
    const config = loadHubConfig({}, {})
    expect(config).toMatchObject({ webhooks: [], webhookTimeoutMs: 10_000, webhookMaxAttempts: 8, webhookRetryMs: 1000, webhookMaxRetryMs: 300_000 })
    expect(config.webhookSecret).toBeUndefined()
  })

  it('reads comma-separated URLs and the secret from the environment; a flag wins', () => {
    const env = { EDGEFLEET_WEBHOOKS: ' https://a.example/h , http://b.example:8080/x?t=1,', EDGEFLEET_WEBHOOK_SECRET: 'sixteen-chars-or-more' }
    expect(loadHubConfig({}, env)).toMatchObject({ webhooks: ['https://a.example/h', 'http://b.example:8080/x?t=1'], webhookSecret: 'sixteen-chars-or-more' })
    expect(loadHubConfig({ webhooks: 'https://c.example/h', webhookMaxAttempts: '3' }, env)).toMatchObject({ webhooks: ['https://c.example/h'], webhookMaxAttempts: 3 })
  })

  it('reports every bad webhook setting in one error, named as its flag', () => {
    const load = () => loadHubConfig({ webhooks: 'ftp://nope,https://ok.example', webhookSecret: 'short', webhookMaxAttempts: '0' }, {})
    expect(load).toThrow(expect.objectContaining({ code: 'HUB_CONFIG_INVALID', message: expect.stringMatching(/--webhooks[\s\S]*--webhook-secret[\s\S]*--webhook-max-attempts/) }))
  })

  it('leaves the defaults object alone', () => {
    loadHubConfig({ webhooks: 'https://a.example/h' }, {})
    expect(HUB_DEFAULTS.webhooks).toEqual([])
  })
})

describe('loadHubConfig: drift', () => {
  it('takes model directories comma-separated and per-model drift policies from the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ef-config-'))
    try {
      const file = join(dir, 'hub.json')
      writeFileSync(file, JSON.stringify({ drift: { 'gas-sensor': { metric: 'psi', raiseAfter: 2 } } }))
      const config = loadHubConfig({ config: file, modelDirs: '/a, /b', driftFleetSeconds: '30' }, {})
      expect(config).toMatchObject({ modelDirs: ['/a', '/b'], driftFleetSeconds: 30, drift: { 'gas-sensor': { metric: 'psi', raiseAfter: 2 } } })
      writeFileSync(file, JSON.stringify({ drift: { 'gas-sensor': { metric: 'chi-by-eye' } } }))
      expect(() => loadHubConfig({ config: file }, {})).toThrow(expect.objectContaining({ code: 'HUB_CONFIG_INVALID' }))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

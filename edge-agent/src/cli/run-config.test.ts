import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadRunConfig } from './run-config.ts'

describe('loadRunConfig', () => {
  it('applies documented defaults and freezes the result', () => {
    const c = loadRunConfig({ model: 'gas-sensor', csv: ['a.csv'] }, {})
    expect(c).toMatchObject({ batchSize: 64, batchWaitMs: 5, queueSize: 1024, backend: 'auto', format: 'jsonl' })
    expect(Object.isFrozen(c)).toBe(true)
  })
  it('reports every bad setting at once, by flag name', () => {
    expect(() => loadRunConfig({ model: 'm', csv: ['a'], batchSize: 0, rate: 'fast' }, {})).toThrow(/--batch-size[\s\S]*--rate/)
  })
  it('requires a source', () => {
    expect(() => loadRunConfig({ model: 'm' }, {})).toThrow(/no source of readings/)
  })
  it('takes flags over environment over a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ef-config-'))
    const file = join(dir, 'agent.json')
    writeFileSync(file, JSON.stringify({ model: 'from-file', csv: ['a.csv'], batchSize: 8, backend: 'native' }))
    const c = loadRunConfig({ config: file, batchSize: 16 }, { EDGEFLEET_BACKEND: 'wasm' })
    expect(c).toMatchObject({ model: 'from-file', batchSize: 16, backend: 'wasm' })
  })
  it('names an unreadable config file', () => {
    expect(() => loadRunConfig({ config: '/nonexistent/agent.json' }, {})).toThrow(/cannot read config file \/nonexistent/)
  })
  it('with --hub, needs a device id and a secret, which may come from the environment', () => {
    expect(() => loadRunConfig({ model: 'm', csv: ['a'], hub: 'mqtt://hub:1883' }, {})).toThrow(/--hub needs --device-id .* and --secret/)
    const c = loadRunConfig({ model: 'm', csv: ['a'], hub: 'mqtt://hub:1883' }, { EDGEFLEET_DEVICE_ID: 'pi-01', EDGEFLEET_DEVICE_SECRET: 's3cret' })
    expect(c).toMatchObject({ deviceId: 'pi-01', secret: 's3cret', statusInterval: 30, keepalive: 30, outboxMaxMb: 64, drainTimeout: 5 })
  })
  it('names a bad hub URL or device id by flag, without echoing the secret', () => {
    const err = (() => {
      try {
        loadRunConfig({ model: 'm', csv: ['a'], hub: 'http://hub', deviceId: 'a/b', secret: 'hunter2', outboxMaxMb: 0.1 }, {})
      } catch (e) {
        return e as Error
      }
    })()
    expect(err?.message).toMatch(/--hub[\s\S]*--device-id[\s\S]*--outbox-max-mb/)
    expect(err?.message).not.toContain('hunter2')
  })
  it('takes drift window sizes and a drift file, leaving the sizes to the model package unless given', () => {
    expect(loadRunConfig({ model: 'm', csv: ['a'] }, {})).not.toHaveProperty('driftWindowSamples')
    const c = loadRunConfig({ model: 'm', csv: ['a'], driftWindowSamples: 50, driftWindowSeconds: 5, driftOut: 'drift.jsonl' }, {})
    expect(c).toMatchObject({ driftWindowSamples: 50, driftWindowSeconds: 5, driftOut: 'drift.jsonl' })
    expect(() => loadRunConfig({ model: 'm', csv: ['a'], driftWindowSamples: 0, driftWindowSeconds: 1.5 }, {})).toThrow(/--drift-window-samples[\s\S]*--drift-window-seconds/)
  })
  it('takes the hub public key file from the environment, and bounds model downloads at 256 MiB by default', () => {
    const c = loadRunConfig({ model: 'm', csv: ['a'] }, { EDGEFLEET_HUB_PUBLIC_KEY_FILE: '/etc/edgefleet/hub.pub' })
    expect(c).toMatchObject({ hubPublicKey: '/etc/edgefleet/hub.pub', maxModelMb: 256 })
    expect(() => loadRunConfig({ model: 'm', csv: ['a'], maxModelMb: 0 }, {})).toThrow(/--max-model-mb/)
  })
})

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
  it('requires a model, from a flag or the config file', () => {
    expect(() => loadRunConfig({ csv: ['a.csv'] }, {})).toThrow(/no model: give --model/)
  })
  it('requires a source', () => {
    expect(() => loadRunConfig({ model: 'm' }, {})).toThrow(/no source of readings/)
  })
  it('takes flags over environment over a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ef-config-'))
    const file = join(dir, 'agent.json')
    writeFileSync(file, JSON.stringify({ model: 'from-file', csv: ['a.csv'], batchSize: 8, backend: 'native' }))
    const c = loadRunConfig({ config: file, batchSize: 16 }, { EDGEFLEET_BACKEND: 'wasm' })
    expect(c).toMatchObject({ model: join(dir, 'from-file'), batchSize: 16, backend: 'wasm' })
  })
  it('resolves a config file\'s relative paths against its directory, not the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ef-config-'))
    const file = join(dir, 'config.json')
    writeFileSync(file, JSON.stringify({ model: './model', csv: ['a.csv', '/abs/b.csv'], stateDir: 'state', hubPublicKey: 'hub-public-key.pem', ca: 'hub-ca.pem', hub: 'mqtt://hub:1883', deviceId: 'pi-01', secret: 's' }))
    const c = loadRunConfig({ config: file, jsonl: ['readings.jsonl'] }, {})
    expect(c).toMatchObject({ model: join(dir, 'model'), csv: [join(dir, 'a.csv'), '/abs/b.csv'], stateDir: join(dir, 'state'), hubPublicKey: join(dir, 'hub-public-key.pem'), ca: join(dir, 'hub-ca.pem') })
    // flags stay relative to the working directory, as on any command line
    expect(c.jsonl).toEqual(['readings.jsonl'])
    writeFileSync(file, JSON.stringify({ model: 'gas-sensor', stdin: true }))
    expect(loadRunConfig({ config: file }, {}).model).toBe('gas-sensor')
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
  it('samples with the documented defaults, labels off, and takes the same keys from a config file', () => {
    const c = loadRunConfig({ model: 'm', csv: ['a'] }, {})
    expect(c).toMatchObject({ samples: true, sampleConfidenceBelow: 0.6, sampleDriftRate: 0.2, sampleRate: 0.01, sampleMaxPerMinute: 600, sampleFlushMs: 5000, sendLabels: false, labelDelay: '30s' })
    expect(c).not.toHaveProperty('sampleSeed')
    const dir = mkdtempSync(join(tmpdir(), 'ef-config-'))
    const file = join(dir, 'agent.json')
    writeFileSync(file, JSON.stringify({ model: 'm', csv: ['a'], hub: 'mqtt://hub:1883', deviceId: 'pi-01', secret: 's', sampleRate: 0.5, sendLabels: true, labelDelay: '500ms', samples: true }))
    expect(loadRunConfig({ config: file, sampleSeed: 3 }, {})).toMatchObject({ sampleRate: 0.5, sendLabels: true, labelDelay: '500ms', sampleSeed: 3 })
  })
  it('names bad sampling settings by flag', () => {
    expect(() => loadRunConfig({ model: 'm', csv: ['a'], sampleRate: 1.5, sampleDriftRate: -0.1, sampleMaxPerMinute: 0, labelDelay: '30' }, {}))
      .toThrow(/--sample-drift-rate[\s\S]*--sample-rate[\s\S]*--sample-max-per-minute[\s\S]*--label-delay: must be 0 or a number with a unit/)
  })
  it('sends labels only with --hub and sampling on', () => {
    const hub = { hub: 'mqtt://hub:1883', deviceId: 'pi-01', secret: 's' }
    expect(() => loadRunConfig({ model: 'm', csv: ['a'], sendLabels: true }, {})).toThrow(/--send-labels needs --hub/)
    expect(() => loadRunConfig({ model: 'm', csv: ['a'], ...hub, sendLabels: true, samples: false }, {})).toThrow(/sampling is off/)
    expect(() => loadRunConfig({ model: 'm', csv: ['a'], ...hub, sendLabels: true, sampleRate: 0, sampleDriftRate: 0, sampleConfidenceBelow: 0 }, {})).toThrow(/sampling is off/)
    expect(loadRunConfig({ model: 'm', csv: ['a'], ...hub, sendLabels: true, labelDelay: '0' }, {})).toMatchObject({ sendLabels: true, labelDelay: '0' })
  })
})

describe('loadRunConfig for camera sources', () => {
  it('takes frame directories and a snapshot URL, with small batches and queue unless told otherwise', () => {
    const c = loadRunConfig({ model: 'ultraface', frames: ['cam'], loop: true, fps: 5 }, {})
    expect(c).toMatchObject({ frames: ['cam'], loop: true, watch: false, fps: 5, batchSize: 1, queueSize: 8, snapshotInterval: '1s', snapshotTimeout: '5s' })
    expect(loadRunConfig({ model: 'ultraface', frames: ['cam'], batchSize: 4, queueSize: 32 }, {})).toMatchObject({ batchSize: 4, queueSize: 32 })
    expect(loadRunConfig({ model: 'ultraface' }, { EDGEFLEET_SNAPSHOT_URL: 'http://cam.local/snap.jpg' })).toMatchObject({ snapshotUrl: 'http://cam.local/snap.jpg', batchSize: 1 })
  })
  it('refuses readings and frames in one run, and flags that do not apply', () => {
    expect(() => loadRunConfig({ model: 'm', csv: ['a'], frames: ['cam'] }, {})).toThrow(/either tabular readings .* or camera frames/)
    expect(() => loadRunConfig({ model: 'm', frames: ['cam'], watch: true, loop: true }, {})).toThrow(/choose one/)
    expect(() => loadRunConfig({ model: 'm', frames: ['cam'], watch: true, fps: 2 }, {})).toThrow(/--fps paces a replay/)
    expect(() => loadRunConfig({ model: 'm', snapshotUrl: 'http://cam/s.jpg', loop: true }, {})).toThrow(/apply to --frames DIR/)
    expect(() => loadRunConfig({ model: 'm', frames: ['cam'], rate: 10 }, {})).toThrow(/pace a frame replay with --fps/)
  })
  it('names bad camera settings by flag', () => {
    expect(() => loadRunConfig({ model: 'm', snapshotUrl: 'rtsp://cam/stream', snapshotInterval: 'often', fps: 0 }, {}))
      .toThrow(/--fps[\s\S]*--snapshot-url[\s\S]*--snapshot-interval: must be a number with a unit/)
    expect(() => loadRunConfig({ model: 'm', snapshotUrl: 'http://cam/s.jpg', snapshotTimeout: '0' }, {})).toThrow(/--snapshot-timeout must be more than 0/)
  })
})

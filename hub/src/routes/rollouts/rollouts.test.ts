import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { shippedPackageDir } from '@edgefleet/models'
import type { Manifest, RolloutView } from '@edgefleet/protocol'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'
import { ModelBlobs } from '../../models/model-blobs.ts'
import { pushModel } from '../../models/push-model.ts'

let dir: string
let app: FastifyInstance
let token: string
const DEVICES = Array.from({ length: 20 }, (_, i) => `pi-${String(i).padStart(2, '0')}`)
/** per device: what it runs, its seq */
const running = new Map<string, { version: string; sha256: string; seq: number }>()

async function start(): Promise<void> {
  app = await build({ config: loadHubConfig({ dataDir: join(dir, 'hub'), mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent', publicUrl: 'http://hub.test' }, {}) })
  await app.registry.removeCredential('operator', 'ops')
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
}

async function register(version: string): Promise<string> {
  const pkg = join(dir, `pkg-${version}`)
  cpSync(shippedPackageDir('gas-sensor'), pkg, { recursive: true })
  const manifest = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8')) as Manifest
  writeFileSync(join(pkg, 'manifest.json'), JSON.stringify({ ...manifest, version }))
  return (await pushModel(pkg, { registry: app.registry, blobs: new ModelBlobs(join(dir, 'hub', 'models')), keys: app.signingKeys })).sha256
}

const call = (o: InjectOptions & { url: string }) => app.inject({ ...o, headers: { authorization: `Bearer ${token}`, ...o.headers } })

/** A device's status through ingest: it runs `version` at `latencyMs` per sample. */
async function status(id: string, latencyMs: number): Promise<void> {
  const d = running.get(id)!
  await app.ingest.handle(id, 'status', JSON.stringify({
    v: 1, deviceId: id, state: 'online', ts: Date.now(), model: { name: 'gas-sensor', version: d.version, sha256: d.sha256 },
    latencyMs, latencyP95Ms: latencyMs, counters: { predictions: 500, invalidReadings: 0, droppedReadings: 0, errors: 0, inferenceRuns: 500, inferenceErrors: 0 },
  }))
}

/**
 * Every device whose desired state names another version than it runs installs it (deploy events through
 * ingest, then a status), at `latency(version)` per sample. Returns the ids that moved.
 */
async function devicesFollow(latency: (version: string) => number): Promise<string[]> {
  const moved: string[] = []
  for (const id of DEVICES) {
    const want = (await app.registry.getDesired(id))?.desired
    const d = running.get(id)!
    if (!want?.active || want.active.version === d.version) continue
    const event = { type: 'deploy', generation: want.generation, rolloutId: want.rolloutId, model: { name: 'gas-sensor', version: want.active.version }, step: 'active', state: 'succeeded' }
    // reported a second ago: what the device predicted since then was made by the new version
    await app.ingest.handle(id, 'events', JSON.stringify({ v: 1, deviceId: id, seq: ++d.seq, ts: Date.now() - 1000, event }))
    running.set(id, { ...d, version: want.active.version, sha256: want.active.sha256 })
    await status(id, latency(want.active.version))
    moved.push(id)
  }
  return moved
}

/** 20 predictions at `confidence`, stamped `ts`, from the version the device runs */
async function predict(id: string, confidence: number, ts: number): Promise<void> {
  const d = running.get(id)!
  const items = Array.from({ length: 20 }, (_, i) => ({ id: `${id}-${ts}-${i}`, ts: ts + i, latencyMs: 0.01, label: 'ethanol', confidence }))
  await app.ingest.handle(id, 'pred', JSON.stringify({ v: 1, deviceId: id, seq: ++d.seq, ts: ts + 20, model: { name: 'gas-sensor', version: d.version }, items }))
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ef-rollouts-'))
  await start()
  const sha = await register('1.0.0')
  for (const id of DEVICES) {
    await app.registry.addDevice(id, { site: Number(id.slice(3)) < 10 ? 'north' : 'south' })
    running.set(id, { version: '1.0.0', sha256: sha, seq: 1 })
    await status(id, 0.01)
  }
})

afterEach(async () => {
  await app.close()
  await rm(dir, { recursive: true, force: true })
})

describe('rollouts (REST + engine)', { timeout: 120_000 }, () => {
  it('moves 20 devices to v1.1.0 in three waves, a wave at a time, and reports progress per wave', async () => {
    await register('1.1.0')
    const created = await call({ method: 'POST', url: '/api/v1/rollouts', payload: { model: 'gas-sensor@1.1.0', target: 'all', waves: '10,50,100', soak: '0s' } })
    expect(created.statusCode, created.body).toBe(201)
    const r = created.json() as RolloutView
    expect(r).toMatchObject({ state: 'rolling', wave: 0, previousVersion: '1.0.0', target: 'all', waves: [10, 50, 100] })

    const waves: number[] = []
    for (let round = 0; round < 10; round++) {
      const moved = await devicesFollow(() => 0.011)
      if (moved.length > 0) waves.push(moved.length)
      await app.rollouts.tick()
      if ((await app.rollouts.get(r.id))!.rollout.state === 'completed') break
    }
    const done = (await call({ url: `/api/v1/rollouts/${r.id}` })).json() as RolloutView
    expect(done.state).toBe('completed')
    // 10 % then 50 % then everyone: the waves' sizes follow the stable hashing (2 + 8 + 10 expected)
    expect(waves.reduce((a, b) => a + b, 0)).toBe(20)
    expect(waves.length).toBe(3)
    expect(waves[0]).toBeLessThan(waves[1]! + waves[2]!)
    expect(done.progress.waves.map((w) => w.counts.active)).toEqual(waves)
    expect(done.verdict.passed).toBe(true)
    expect([...running.values()].every((d) => d.version === '1.1.0')).toBe(true)
    expect(done.history.map((h) => h.event)).toContain('completed')
  })

  it('aborts a version that breaks the latency gate and rolls every updated device back with a signed rollback', async () => {
    await register('1.1.0')
    const r = (await call({ method: 'POST', url: '/api/v1/rollouts', payload: { model: 'gas-sensor@1.1.0', target: 'tag:site=north', waves: '20,100', soak: '0s', maxLatencyIncrease: '50%', minLatencyIncreaseMs: '0' } })).json() as RolloutView
    for (let round = 0; round < 5; round++) {
      await devicesFollow((v) => (v === '1.1.0' ? 0.5 : 0.01))
      await app.rollouts.tick()
    }
    const aborted = (await call({ url: `/api/v1/rollouts/${r.id}` })).json() as RolloutView
    expect(aborted.state).toBe('aborted')
    expect(aborted.reason).toMatch(/latency/)
    // only the north site was targeted, and every device that got 1.1.0 went back to 1.0.0
    const north = DEVICES.filter((id) => Number(id.slice(3)) < 10)
    for (const id of DEVICES) expect(running.get(id)!.version).toBe('1.0.0')
    const desired = await Promise.all(north.map((id) => app.registry.getDesired(id)))
    const updated = desired.filter((d) => d !== null)
    expect(updated.length).toBeGreaterThan(0)
    for (const d of updated) expect(d!.desired).toMatchObject({ rollback: true, active: { version: '1.0.0', rollbackSignature: expect.any(Object) } })
    expect(await Promise.all(DEVICES.filter((id) => !north.includes(id)).map((id) => app.registry.getDesired(id)))).toEqual(Array(10).fill(null))
  })

  it('aborts a version whose predictions are markedly less confident than its predecessor\'s on the same devices', async () => {
    await register('1.1.0')
    for (const id of DEVICES) await predict(id, 0.95, Date.now() - 60_000)
    const r = (await call({ method: 'POST', url: '/api/v1/rollouts', payload: { model: 'gas-sensor@1.1.0', target: 'all', waves: '50,100', soak: '0s', maxConfidenceDrop: '10%' } })).json() as RolloutView
    for (let round = 0; round < 5; round++) {
      const updated = await devicesFollow(() => 0.01)
      // the updated devices are less sure than the others over the same period
      for (const id of DEVICES) await predict(id, updated.includes(id) || running.get(id)!.version === '1.1.0' ? 0.6 : 0.95, Date.now() - 500)
      await app.rollouts.tick()
    }
    const aborted = (await call({ url: `/api/v1/rollouts/${r.id}` })).json() as RolloutView
    expect(aborted.state).toBe('aborted')
    expect(aborted.reason).toMatch(/confidence/)
    expect([...running.values()].every((d) => d.version === '1.0.0')).toBe(true)
  })

  it('does not blame the version when every device, updated or not, becomes less sure at the same time (the inputs changed)', async () => {
    await register('1.1.0')
    for (const id of DEVICES) await predict(id, 0.95, Date.now() - 60_000)
    const r = (await call({ method: 'POST', url: '/api/v1/rollouts', payload: { model: 'gas-sensor@1.1.0', target: 'all', waves: '50,100', soak: '0s', maxConfidenceDrop: '10%' } })).json() as RolloutView
    for (let round = 0; round < 5; round++) {
      await devicesFollow(() => 0.01)
      for (const id of DEVICES) await predict(id, 0.6, Date.now() - 500)
      await app.rollouts.tick()
    }
    const done = (await call({ url: `/api/v1/rollouts/${r.id}` })).json() as RolloutView
    expect(done.state).toBe('completed')
    expect(done.history.find((h) => h.event === 'wave-passed')!.message).toMatch(/mean confidence 60% vs 60% baseline/)
  })

  it('keeps its state across a hub restart, refuses a second rollout of the model, and obeys pause, resume and abort', async () => {
    await register('1.1.0')
    const r = (await call({ method: 'POST', url: '/api/v1/rollouts', payload: { model: 'gas-sensor@1.1.0', target: 'all', waves: '10,100', soak: '1h' } })).json() as RolloutView
    const again = await call({ method: 'POST', url: '/api/v1/rollouts', payload: { model: 'gas-sensor@1.1.0', target: 'all' } })
    expect(again.json()).toMatchObject({ statusCode: 409, code: 'HUB_ROLLOUT_CONFLICT' })
    await devicesFollow(() => 0.01)
    await app.rollouts.tick()
    expect(((await call({ url: `/api/v1/rollouts/${r.id}` })).json() as RolloutView).state).toBe('soaking')

    await app.close()
    await start()
    for (const id of DEVICES) await status(id, 0.01)
    const after = (await call({ url: `/api/v1/rollouts/${r.id}` })).json() as RolloutView
    expect(after).toMatchObject({ state: 'soaking', wave: 0 })
    expect(after.progress.waves[0]!.counts.active).toBe(after.progress.waves[0]!.assigned)

    const paused = await call({ method: 'POST', url: `/api/v1/rollouts/${r.id}/pause` })
    expect((paused.json() as RolloutView).state, paused.body).toBe('paused')
    expect(((await call({ method: 'POST', url: `/api/v1/rollouts/${r.id}/resume` })).json() as RolloutView).state).toBe('soaking')
    const aborted = (await call({ method: 'POST', url: `/api/v1/rollouts/${r.id}/abort`, payload: { reason: 'wrong build' } })).json() as RolloutView
    expect(aborted).toMatchObject({ state: 'aborted', reason: 'wrong build' })
    expect((await call({ method: 'POST', url: `/api/v1/rollouts/${r.id}/resume` })).json()).toMatchObject({ statusCode: 409, code: 'HUB_ROLLOUT_STATE' })
    await devicesFollow(() => 0.01)
    expect([...running.values()].every((d) => d.version === '1.0.0')).toBe(true)
  })

  it('refuses bad settings, naming each', async () => {
    const bad = await call({ method: 'POST', url: '/api/v1/rollouts', payload: { model: 'gas-sensor@1.1.0', target: 'site=x', waves: '50,10', soak: 'soon' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/tag:site=x[\s\S]*waves[\s\S]*--soak/)
    expect((await call({ method: 'POST', url: '/api/v1/rollouts', payload: { model: 'gas-sensor@7.0.0', target: 'all' } })).json()).toMatchObject({ statusCode: 404, code: 'HUB_MODEL_NOT_FOUND' })
    expect((await call({ url: '/api/v1/rollouts/nope' })).json()).toMatchObject({ statusCode: 404, code: 'HUB_ROLLOUT_NOT_FOUND' })
  })
})

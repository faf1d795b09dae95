import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { SqliteRegistry, hubPaths } from '@edgefleet/hub'
import { dataPaths, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import { mulberry32, type AlertList, type AlertView, type DatasetSummary, type DeviceList, type JobList, type ModelVersionView, type RolloutView } from '@edgefleet/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgent, type AgentChild } from './helpers/agent-child.ts'
import { runCli } from './helpers/agent-process.ts'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'

/**
 * The retraining loop with real processes and real data: a hub process with a retraining policy and four
 * agent processes serving the shipped gas-sensor 1.0.0 (trained on batches 1–2) on readings recorded months
 * later (batches 3–6), uploading samples whose true labels follow a second later. Nobody starts anything by
 * hand: drift raises an alert, the alert starts a job once enough samples are labelled, the job registers
 * 1.1.0 and canaries it, and the fleet's measured accuracy recovers.
 */
const DEVICES = ['gs-01', 'gs-02', 'gs-03', 'gs-04']
const PERIOD = [3, 4, 5, 6]
/** readings per second each agent replays: its share of the period lasts ~3.5 minutes, far longer than the loop needs */
const RATE = 5
/** the retraining policy under test: a job after 300 labelled samples, a short canary */
// the canary's latency gates are off: a 2 s soak at 5 readings/s measures a status interval or two, and on a loaded
// CI machine the agents' timings say more about the machine than the model (rollout-e2e does the same)
const POLICY = { minLabelled: 300, epochs: 20, canaryWaves: '50,100', canaryShadow: '5s', canarySoak: '2s', canaryGates: { maxLatencyIncrease: 'off' } }
/** labelled samples of 1.1.0 the fleet must have sent before its accuracy is read */
const AFTER_SWITCH = 100
const gasDir = dataPaths(resolveDataDir()).gasSensor

let dir: string
let hub: HubProcess
let token: string
const agents = new Map<string, AgentChild>()
const failures: string[] = []
let stopping = false

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${hub.httpUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** Polls `probe` until it returns a value; fails at once when an agent stopped, and after `timeoutMs` naming `what`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    expect(failures).toEqual([])
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s; hub log:\n${hub.logs().slice(-4000)}`)
    await sleep(250)
  }
}

/**
 * The period's readings (raw CSV lines) in one seeded random order, dealt to the devices in turn: each
 * reading reaches the fleet once, so a reading labelled before the switch (and maybe trained on) is never
 * seen again after it, and the accuracy after the switch is measured on readings no model has seen.
 */
function dealReadings(): string[] {
  const lines = PERIOD.flatMap((b) => readFileSync(join(gasDir, `batch${b}.csv`), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length > 0))
  const random = mulberry32(2024)
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[lines[i], lines[j]] = [lines[j]!, lines[i]!]
  }
  mkdirSync(join(dir, 'readings'))
  return DEVICES.map((id, k) => {
    const file = join(dir, 'readings', `${id}.csv`)
    writeFileSync(file, `${lines.filter((_, i) => i % DEVICES.length === k).join('\n')}\n`)
    return file
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ef-retraining-e2e-'))
  const dataDir = join(dir, 'hub')
  const pushed = await runCli('hub/src/cli/main.ts', ['model', 'push', shippedPackageDir('gas-sensor'), '--data-dir', dataDir])
  expect(pushed.code, pushed.stderr).toBe(0)
  const registry = await SqliteRegistry.open(hubPaths(dataDir).registry)
  const secrets = new Map<string, string>()
  try {
    for (const id of DEVICES) secrets.set(id, (await registry.addDevice(id, { site: 'plant' })).secret)
    token = `ops.${(await registry.addCredential('operator', 'ops', 'operator')).secret}`
  } finally {
    await registry.close()
  }
  // fleet windows judged every 2 s and rollouts stepped every 250 ms, so the loop fits in a test
  writeFileSync(join(dir, 'hub.json'), JSON.stringify({ rolloutTickMs: 250, driftFleetSeconds: 2, retraining: { 'gas-sensor': POLICY } }))
  hub = await startHubProcess({ dataDir, ports: await freePorts(3), extraArgs: ['--config', join(dir, 'hub.json')] })
  const files = dealReadings()
  // one process per device, as in the field: a device's activation work never shows as another's latency
  for (const [k, id] of DEVICES.entries()) {
    const agent = startAgent([
      'run', '--model', 'gas-sensor', '--csv', files[k]!, '--rate', String(RATE), '--columns', 'gas,concentration,*', '--label-column', 'gas',
      '--hub', hub.mqttUrl, '--device-id', id, '--state-dir', join(dir, 'agents', id), '--hub-public-key', join(dataDir, 'keys', 'model-signing.pub'),
      '--status-interval', '1', '--format', 'none',
      // windows of 30 readings: the agent's and the hub's hysteresis (3 windows) decide within ~20 s
      '--drift-window-samples', '30',
      // every reading kept with the same probability, whatever the model's confidence or drift state: each
      // version's measured accuracy is then on an unbiased sample of what it saw
      '--sample-rate', '0.6', '--sample-drift-rate', '0.6', '--sample-confidence-below', '0', '--sample-seed', String(k + 1), '--sample-flush-ms', '1000',
      // the true gas of each sample arrives a second later, as a lab result would
      '--send-labels', '--label-delay', '1s',
    ], { env: { EDGEFLEET_DEVICE_SECRET: secrets.get(id)! } })
    // an agent that exits early fails the test, naming why
    agent.exited.then((r) => stopping || failures.push(`${id} exited (${r.code}): ${r.stderr.slice(-1000)}`), (err: Error) => failures.push(`${id}: ${err.message}`))
    agents.set(id, agent)
  }
}, 300_000)

afterAll(async () => {
  stopping = true
  await Promise.all([...agents.values()].map((a) => a.stop()))
  await hub?.stop('SIGKILL')
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('the retraining loop with real agents', { timeout: 420_000 }, () => {
  it('drift on later data starts a job by itself; the retrained 1.1.0 is registered, canaried to every agent, and measured more accurate', async () => {
    // 1. the data has moved: the hub raises a drift alert for 1.0.0
    const alerts = await waitFor('a raised drift alert for gas-sensor@1.0.0', async () => {
      const list = await api<AlertList>('/alerts?model=gas-sensor&state=raised')
      return list.alerts.length > 0 ? list.alerts : undefined
    }, 90_000)
    expect(alerts.map((a) => a.alert.model.version)).toContain('1.0.0')

    // 2. the alert starts a job once 300 samples are labelled; it runs to its end
    const job = await waitFor('a finished retraining job', async () =>
      (await api<JobList>('/jobs?model=gas-sensor')).jobs.find((j) => j.state !== 'queued' && j.state !== 'running'), 180_000)
    expect(job, JSON.stringify(job)).toMatchObject({ trigger: 'drift', state: 'succeeded', parentVersion: '1.0.0', candidateVersion: '1.1.0', error: null, by: null })
    // the job names the alert that started it
    const cited = /drift alert ([0-9a-f-]{36})/.exec(job.reason)?.[1]
    expect(cited, job.reason).toBeDefined()
    expect((await api<AlertView>(`/alerts/${cited}`)).alert).toMatchObject({ state: 'raised', model: { name: 'gas-sensor', version: '1.0.0' } })
    const evaluation = job.evaluation!
    expect(evaluation).toMatchObject({ metric: 'accuracy', passed: true })
    expect(evaluation.holdoutRows).toBeGreaterThanOrEqual(POLICY.minLabelled * 0.2)
    expect(evaluation.candidate.accuracy!).toBeGreaterThan(evaluation.current.accuracy!)
    // one job: the alerts raised meanwhile were answered by it (and the cooldown keeps the next ones off)
    expect((await api<JobList>('/jobs?model=gas-sensor')).jobs).toHaveLength(1)

    // 3. registered with its lineage, signed like a pushed version
    const version = await api<ModelVersionView>('/models/gas-sensor/1.1.0')
    expect(version).toMatchObject({ parentVersion: '1.0.0', lineage: { ancestors: [{ name: 'gas-sensor', version: '1.0.0', registered: true }] } })
    expect(version.manifest.signature).toBeDefined()

    // 4. the canary the job started: a shadow stage, then a 50 % wave, then everyone
    expect(job.rolloutId).not.toBeNull()
    const rollout = await waitFor('the canary rollout to finish', async () => {
      const r = await api<RolloutView>(`/rollouts/${job.rolloutId}`)
      return ['shadow', 'rolling', 'soaking', 'paused'].includes(r.state) ? undefined : r
    }, 120_000)
    expect(rollout, `${rollout.reason}\n${JSON.stringify(rollout.history, null, 1)}`).toMatchObject({ state: 'completed', model: { name: 'gas-sensor', version: '1.1.0' } })
    expect(rollout.history.map((h) => h.event)).toContain('shadow-passed')
    expect(rollout.progress.waves.map((w) => w.counts.active)).toEqual(rollout.progress.waves.map((w) => w.assigned))
    await waitFor('every agent serving 1.1.0', async () => {
      const { devices } = await api<DeviceList>('/devices?tag=site=plant')
      return devices.length === DEVICES.length && devices.every((d) => d.model?.version === '1.1.0') ? true : undefined
    }, 30_000)

    // 5. the fleet keeps going on readings no model has seen; once 1.1.0 has enough labelled samples,
    //    its measured accuracy is well above what 1.0.0 measured on the same period
    const summary = await waitFor(`${AFTER_SWITCH} labelled samples predicted by 1.1.0`, async () => {
      const s = await api<DatasetSummary>('/datasets/gas-sensor')
      return (s.accuracyByVersion.find((v) => v.version === '1.1.0')?.labelled ?? 0) >= AFTER_SWITCH ? s : undefined
    }, 90_000)
    const [before, after] = ['1.0.0', '1.1.0'].map((v) => summary.accuracyByVersion.find((a) => a.version === v)!)
    expect(before!.labelled).toBeGreaterThanOrEqual(POLICY.minLabelled)
    expect(after!.accuracy!, JSON.stringify(summary.accuracyByVersion)).toBeGreaterThan(before!.accuracy! + 0.1)
    expect(failures).toEqual([])
  })
})

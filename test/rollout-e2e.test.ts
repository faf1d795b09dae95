import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadRunConfig, startAgent, type AgentHandle } from '@edgefleet/edge-agent'
import { SqliteRegistry, hubPaths } from '@edgefleet/hub'
import { dataPaths, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import type { DeployEvent, RolloutView } from '@edgefleet/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers/agent-process.ts'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'
import { gasSensorVariant, nanOnOutliersOnnx, selfTestMaxInput } from './helpers/model-variants.ts'

/**
 * Rollouts with real agents: a hub process, 20 agents (the agent library, one process) replaying the
 * gas-sensor data through onnxruntime, and the `edgefleet rollout` CLI against the hub's REST API.
 */
const DEVICES = Array.from({ length: 20 }, (_, i) => `edge-${String(i + 1).padStart(2, '0')}`)
const gasDir = dataPaths(resolveDataDir()).gasSensor
let dir: string
let hub: HubProcess
let token: string
const agents = new Map<string, AgentHandle>()
const events = new Map<string, DeployEvent[]>()
const failures: string[] = []
let stopping = false

const edgefleet = (...args: string[]) => runCli('hub/src/cli/main.ts', args, { env: { EDGEFLEET_TOKEN: token, EDGEFLEET_HUB_API: hub.httpUrl } })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ef-rollout-e2e-'))
  const dataDir = join(dir, 'hub')
  // v1.0.0 is the shipped package the agents start with; v1.1.0 is another file with the same network;
  // v1.2.0 passes every self-test (so the hub registers it) but outputs NaN for the ~40 % of real readings
  // with a standardised value above any self-test input's
  for (const pkg of [shippedPackageDir('gas-sensor'), gasSensorVariant(dir, '1.1.0'), gasSensorVariant(dir, '1.2.0', (b) => nanOnOutliersOnnx(b, selfTestMaxInput() + 0.01))]) {
    const pushed = await runCli('hub/src/cli/main.ts', ['model', 'push', pkg, '--data-dir', dataDir])
    expect(pushed.code, pushed.stderr).toBe(0)
  }
  const registry = await SqliteRegistry.open(hubPaths(dataDir).registry)
  const secrets = new Map<string, string>()
  try {
    for (const id of DEVICES) secrets.set(id, (await registry.addDevice(id, { site: 'lab' })).secret)
    token = `ops.${(await registry.addCredential('operator', 'ops', 'operator')).secret}`
  } finally {
    await registry.close()
  }
  writeFileSync(join(dir, 'hub.json'), JSON.stringify({ rolloutTickMs: 250 }))
  hub = await startHubProcess({ dataDir, ports: await freePorts(3), extraArgs: ['--config', join(dir, 'hub.json')] })
  const publicKey = join(dataDir, 'keys', 'model-signing.pub')
  for (const id of DEVICES) {
    const config = loadRunConfig({
      model: shippedPackageDir('gas-sensor'),
      // every batch in turn, 20 readings a second: more than the test needs
      csv: [1, 2, 3, 4, 5, 6, 8, 9].map((b) => join(gasDir, `batch${b}.csv`)),
      rate: 20, columns: ['gas', 'concentration', '*'], labelColumn: 'gas',
      hub: hub.mqttUrl, deviceId: id, secret: secrets.get(id)!, stateDir: join(dir, 'agents', id), hubPublicKey: publicKey,
      statusInterval: 1, format: 'none', drift: false,
    }, {})
    events.set(id, [])
    const agent = await startAgent(config, { onDeployEvent: (e) => events.get(id)!.push(e) })
    // an agent that stops early fails the test, naming why
    agent.done.then(() => stopping || failures.push(`${id} stopped reading`), (err: Error) => failures.push(`${id}: ${err.message}`))
    agents.set(id, agent)
  }
}, 300_000)

afterAll(async () => {
  stopping = true
  for (const a of agents.values()) a.stop()
  await Promise.allSettled([...agents.values()].map((a) => a.done))
  await hub?.stop('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const versions = () => DEVICES.map((id) => agents.get(id)!.served().version)

async function until(what: string, done: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!done()) {
    expect(failures).toEqual([])
    if (Date.now() > end) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`)
    await sleep(100)
  }
}

describe('rollouts with real agents', { timeout: 600_000 }, () => {
  it('moves 20 agents to v1.1.0 in three waves after a shadow stage, each agent reporting every activation step in order', async () => {
    expect(new Set(versions())).toEqual(new Set(['1.0.0']))
    // the agents report their model and latency once a second: give them a status before the rollout reads them
    await sleep(2000)
    // twenty agents share this process's event loop, so a wave activating (sessions created, manifests
    // parsed) shows as latency on its neighbours: latency gates are judged in the route tests, with figures
    // that do not depend on this machine's load
    expect(failures).toEqual([])
    const run = await edgefleet('rollout', 'create', '--model', 'gas-sensor@1.1.0', '--target', 'tag:site=lab', '--waves', '10,50,100', '--soak', '3s', '--max-latency-increase', 'off',
      // first the candidate runs beside v1.0.0 on the first wave's devices, on the same readings
      '--shadow', '3s', '--min-shadow-agreement', '95%', '--wait', '--json')
    expect(run.code, run.stderr + run.stdout).toBe(0)
    const done = JSON.parse(run.stdout) as RolloutView
    expect(done.state).toBe('completed')
    expect(done.progress.waves.map((w) => w.counts.active)).toEqual(done.progress.waves.map((w) => w.assigned))
    expect(done.progress.waves.every((w) => w.assigned > 0)).toBe(true)
    expect(done.progress.waves.reduce((n, w) => n + w.assigned, 0)).toBe(20)
    // one wave at a time: each wave's soak started after the previous wave passed
    const order = done.history.map((h) => h.event).filter((e) => e === 'soak-started' || e === 'wave-passed' || e === 'shadow-passed' || e === 'completed')
    expect(order).toEqual(['soak-started', 'shadow-passed', 'soak-started', 'wave-passed', 'soak-started', 'wave-passed', 'soak-started', 'completed'])
    // the same network as a shadow: it agreed on every reading it saw
    expect(done.history.find((h) => h.event === 'shadow-passed')!.message).toMatch(/agreement 100(\.0+)?%/)
    expect(versions()).toEqual(Array(20).fill('1.1.0'))
    for (const id of DEVICES) {
      const steps = events.get(id)!.filter((e) => e.model.version === '1.1.0' && e.role !== 'shadow' && e.state !== 'progress').map((e) => `${e.step}:${e.state}`)
      expect(steps.filter((s) => s.endsWith(':succeeded')).map((s) => s.split(':')[0])).toEqual(['received', 'download', 'verify-digest', 'verify-signature', 'load', 'self-test', 'swap', 'active'])
    }
    // serving never stopped: every agent keeps predicting
    const before = DEVICES.map((id) => agents.get(id)!.stats.predictions)
    await sleep(1500)
    DEVICES.forEach((id, i) => expect(agents.get(id)!.stats.predictions).toBeGreaterThan(before[i]!))
  })

  it('aborts a version that outputs NaN on real readings (inference-error gate) and rolls every updated agent back to v1.1.0', async () => {
    const run = await edgefleet('rollout', 'create', '--model', 'gas-sensor@1.2.0', '--target', 'all', '--waves', '10,50,100', '--soak', '20s', '--max-latency-increase', 'off', '--wait', '--json')
    expect(run.code).toBe(1)
    const aborted = JSON.parse(run.stdout) as RolloutView
    expect(aborted.state).toBe('aborted')
    expect(aborted.reason).toMatch(/inference errors \d+\/\d+ = [\d.]+% > 1%/)
    // the first wave's devices, nobody after: the gate binds once 100 inference runs are in, well within the soak
    expect(aborted.progress.waves[0]!.assigned).toBeGreaterThan(0)
    expect(aborted.progress.waves.slice(1).every((w) => w.assigned === 0)).toBe(true)
    await until('every agent back on 1.1.0', () => versions().every((v) => v === '1.1.0'))
    const updated = DEVICES.filter((id) => events.get(id)!.some((e) => e.model.version === '1.2.0' && e.step === 'active' && e.state === 'succeeded'))
    // the gate binds on the first devices that report: a wave-mate still installing then gets the rollback instead
    expect(updated.length).toBeGreaterThan(0)
    expect(updated.length).toBeLessThanOrEqual(aborted.progress.waves.reduce((n, w) => n + w.assigned, 0))
    for (const id of updated) {
      // back to the version kept on disk, through the signed rollback: nothing downloaded
      const back = events.get(id)!.filter((e) => e.model.version === '1.1.0' && e.step === 'download' && e.state === 'succeeded').at(-1)
      expect(back?.message).toMatch(/on disk/)
    }
    const list = await edgefleet('rollout', 'list')
    expect(list.stdout).toMatch(/gas-sensor@1\.2\.0\s+1\.1\.0\s+aborted/)
  })
})

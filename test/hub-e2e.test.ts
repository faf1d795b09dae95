import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { dataPaths, resolveDataDir } from '@edgefleet/models'
import { describe, expect, it } from 'vitest'
import { runAgent, runCli } from './helpers/agent-process.ts'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'
import { perTestCleanup } from './helpers/per-test-cleanup.ts'

const gasDir = dataPaths(resolveDataDir()).gasSensor
const batch = (n: number): string => join(gasDir, `batch${n}.csv`)
const rows = (n: number): number => readFileSync(batch(n), 'utf8').split('\n').filter((l) => l.trim().length > 0).length

const { defer, tempDir } = perTestCleanup()

/** `edgefleet …` with a data dir; returns parsed --json output. */
async function edgefleetJson<T>(args: string[]): Promise<T> {
  const r = await runCli('hub/src/cli/main.ts', [...args, '--json'])
  if (r.code !== 0) throw new Error(`edgefleet ${args.join(' ')} failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

async function hub(dataDir: string, ports: number[]): Promise<HubProcess> {
  const h = await startHubProcess({ dataDir, ports })
  defer(() => h.stop('SIGKILL'))
  return h
}

async function api<T>(h: HubProcess, token: string, path: string): Promise<T> {
  const res = await fetch(`${h.httpUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

const storedPredictions = async (h: HubProcess, token: string, id: string): Promise<number> =>
  (await api<{ total: number }>(h, token, `/devices/${id}/predictions?from=${Date.now() - 86_400_000}&to=${Date.now() + 60_000}&every=86400000`)).total

/** An agent process streaming a gas-sensor batch into the hub. */
function agent(h: { mqttUrl: string }, device: { id: string; secret: string }, stateDir: string, csv: string[], rate: number) {
  return runAgent(
    ['run', '--model', 'gas-sensor', '--hub', h.mqttUrl, '--device-id', device.id, '--state-dir', stateDir,
      '--columns', 'gas,concentration,*', '--label-column', 'gas', '--format', 'none', '--rate', String(rate), '--drain-timeout', '60', ...csv.flatMap((f) => ['--csv', f])],
    { env: { EDGEFLEET_DEVICE_SECRET: device.secret } },
  )
}

async function setup(dataDir: string, ids: string[]): Promise<{ token: string; devices: { id: string; secret: string }[] }> {
  const devices = []
  for (const id of ids) devices.push(await edgefleetJson<{ id: string; secret: string }>(['device', 'add', id, '--data-dir', dataDir, '--tag', 'site=test']))
  const t = await edgefleetJson<{ token: string }>(['token', 'add', 'ops', '--data-dir', dataDir])
  return { token: t.token, devices }
}

describe('hub and agents, as real processes on real data', () => {
  it('two agents stream into the hub: both show online, and every prediction is stored exactly once', async () => {
    const dataDir = tempDir('ef-hub-')
    const { token, devices } = await setup(dataDir, ['pi-a', 'pi-b'])
    const h = await hub(dataDir, await freePorts(3))
    const runs = [agent(h, devices[0]!, join(dataDir, 'a'), [batch(4)], 80), agent(h, devices[1]!, join(dataDir, 'b'), [batch(5)], 80)]
    await expect.poll(async () => (await api<{ online: number }>(h, token, '/devices?tag=site=test')).online, { timeout: 30_000, interval: 250 }).toBe(2)
    const results = await Promise.all(runs)
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    expect(await storedPredictions(h, token, 'pi-a')).toBe(rows(4))
    expect(await storedPredictions(h, token, 'pi-b')).toBe(rows(5))
    // a clean agent shutdown says so: both go offline
    await expect.poll(async () => (await api<{ online: number }>(h, token, '/devices')).online, { timeout: 10_000 }).toBe(0)
    const a = await api<{ counters: { invalid: number }; agentVersion: string | null; model: { name: string } | null }>(h, token, '/devices/pi-a')
    expect(a.counters.invalid).toBe(0)
    expect(a.model?.name).toBe('gas-sensor')
  })

  it('a hub killed with SIGKILL mid-stream and restarted still stores every sample exactly once', async () => {
    const dataDir = tempDir('ef-hub-kill-')
    const { token, devices } = await setup(dataDir, ['pi-k'])
    const ports = await freePorts(3)
    const first = await hub(dataDir, ports)
    const run = agent(first, devices[0]!, join(dataDir, 'k'), [batch(1), batch(4)], 60)
    // let part of the stream land, then kill the hub without warning
    await expect.poll(async () => storedPredictions(first, token, 'pi-k'), { timeout: 30_000, interval: 100 }).toBeGreaterThan(100)
    await first.stop('SIGKILL')
    await new Promise((r) => setTimeout(r, 1500))
    const second = await hub(dataDir, ports)
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    expect(await storedPredictions(second, token, 'pi-k')).toBe(rows(1) + rows(4))
  })
})

describe('edgefleet hub process lifecycle', () => {
  it('refuses a port that is taken with a clear error, and exits 0 on SIGTERM after a clean shutdown', async () => {
    const dataDir = tempDir('ef-hub-life-')
    const ports = await freePorts(3)
    const h = await hub(dataDir, ports)
    const clash = await runCli('hub/src/cli/main.ts', ['hub', '--data-dir', tempDir('ef-hub-clash-'), '--http-port', String(ports[0]), '--mqtt-port', '0', '--ws-port', '0'])
    expect(clash.code).toBe(1)
    expect(clash.stderr).toContain('HUB_PORT_IN_USE')
    expect(clash.stderr).toContain(`port ${ports[0]}`)
    expect(clash.stderr).toContain('--http-port')
    expect(await h.stop('SIGTERM')).toBe(0)
  })
})

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteRegistry, hubPaths } from '@edgefleet/hub'
import { dataPaths, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import { startAgent, type AgentChild } from './agent-child.ts'
import { runCli } from './agent-process.ts'
import { freePorts, startHubProcess, type HubProcess } from './hub-process.ts'
import { gasSensorVariant } from './model-variants.ts'

/** Options of {@link startDashboardFleet}. */
export interface DashboardFleetOptions {
  /** device ids registered before the hub starts; each gets an agent from {@link DashboardFleet.startAgents} */
  devices: readonly string[]
  /** tags of each device (default `site=lab`) */
  tags?: (id: string, index: number) => Record<string, string>
  /** the operator token's name, shown by the dashboard as who acknowledged an alert (default `ops`) */
  tokenName?: string
  /** readings per second each agent replays (default 20) */
  rate?: number
  /** hub settings written to its `--config` file (default: rollouts stepped every 250 ms) */
  hubConfig?: Record<string, unknown>
  /** called with a line of progress, for scripts that show it */
  progress?: (message: string) => void
}

/** What {@link startDashboardFleet} started; `stop()` ends every process and removes every file. */
export interface DashboardFleet {
  readonly hub: HubProcess
  /** a temp dir for the caller's files, removed by `stop()` */
  readonly workDir: string
  readonly dataDir: string
  /** `<name>.<secret>`, for the sign-in form and REST calls */
  readonly token: string
  readonly tokenName: string
  readonly devices: readonly string[]
  /** Starts one agent process per device, replaying the training period (batches 1–2, shuffled) on v1.0.0. */
  startAgents(): void
  /**
   * Registers `id` while the hub runs (the CLI and the hub share the registry) and starts an agent replaying
   * sensor data recorded 3 years after the training data, with 50-reading drift windows: the hub raises a
   * data-drift alert for it within seconds.
   */
  startAgedAgent(id: string): Promise<void>
  /** agents that exited while they should be reading, each with the end of its stderr */
  agentFailures(): string[]
  /** `GET /api/v1<path>` as the operator */
  api<T>(path: string, init?: RequestInit): Promise<T>
  stop(): Promise<void>
}

const gasDir = (): string => dataPaths(resolveDataDir()).gasSensor
const GAS_COLUMNS = ['--columns', 'gas,concentration,*', '--label-column', 'gas']
/** the training period, listed several times: a shuffled replay of it lasts minutes, not seconds */
const TRAINING_REPLAY = [1, 2, 1, 2, 1, 2, 1, 2]
/** batches 8–9 were recorded 36–37 months after batches 1–2: most features have moved */
const AGED_REPLAY = [8, 9, 8, 9, 8, 9, 8, 9]

/**
 * A real hub process serving the built dashboard (temp data dir, embedded broker and SQLite), the
 * gas-sensor model registered as v1.0.0 (the shipped package) and v1.1.0 (the same network in another
 * file), devices, an operator token from `edgefleet token add`, and real agent processes on real data:
 * what the dashboard's browser tests and the screenshot script look at.
 */
export async function startDashboardFleet(o: DashboardFleetOptions): Promise<DashboardFleet> {
  const say = o.progress ?? (() => undefined)
  const dir = mkdtempSync(join(tmpdir(), 'ef-dashboard-'))
  const dataDir = join(dir, 'hub')
  const agents = new Map<string, AgentChild>()
  let hub: HubProcess | undefined
  let stopping = false
  const stop = async (): Promise<void> => {
    stopping = true
    await Promise.all([...agents.values()].map((a) => a.stop()))
    await hub?.stop('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const pkg of [shippedPackageDir('gas-sensor'), gasSensorVariant(dir, '1.1.0')]) {
      say(`registering ${pkg.endsWith('1.1.0') ? 'gas-sensor@1.1.0' : 'gas-sensor@1.0.0'}`)
      const pushed = await runCli('hub/src/cli/main.ts', ['model', 'push', pkg, '--data-dir', dataDir])
      if (pushed.code !== 0) throw new Error(`edgefleet model push ${pkg} failed:\n${pushed.stderr}`)
    }
    const tokenName = o.tokenName ?? 'ops'
    const added = await runCli('hub/src/cli/main.ts', ['token', 'add', tokenName, '--role', 'operator', '--data-dir', dataDir, '--json'])
    if (added.code !== 0) throw new Error(`edgefleet token add failed:\n${added.stderr}`)
    const { token } = JSON.parse(added.stdout) as { token: string }
    const secrets = new Map<string, string>()
    const registry = await SqliteRegistry.open(hubPaths(dataDir).registry)
    try {
      for (const [i, id] of o.devices.entries()) secrets.set(id, (await registry.addDevice(id, o.tags?.(id, i) ?? { site: 'lab' })).secret)
    } finally {
      await registry.close()
    }
    writeFileSync(join(dir, 'hub.json'), JSON.stringify(o.hubConfig ?? { rolloutTickMs: 250 }))
    say('starting the hub')
    hub = await startHubProcess({ dataDir, ports: await freePorts(3), extraArgs: ['--config', join(dir, 'hub.json')] })
    const running = hub
    const publicKey = join(hubPaths(dataDir).keys, 'model-signing.pub')

    const agent = (id: string, secret: string, batches: number[], extra: string[]): void => {
      agents.set(id, startAgent([
        'run', '--model', shippedPackageDir('gas-sensor'), '--hub', running.mqttUrl, '--device-id', id,
        '--state-dir', join(dir, 'agents', id), '--hub-public-key', publicKey, ...GAS_COLUMNS,
        '--format', 'none', '--log-level', 'error', '--status-interval', '1',
        // the CSVs are sorted by gas: shuffled, each replay is a stationary stream
        '--shuffle', String(agents.size + 1), ...extra,
        ...batches.flatMap((b) => ['--csv', join(gasDir(), `batch${b}.csv`)]),
      ], { env: { EDGEFLEET_DEVICE_SECRET: secret } }))
    }

    return {
      hub,
      workDir: dir,
      dataDir,
      token,
      tokenName,
      devices: o.devices,
      startAgents() {
        say(`starting ${o.devices.length} agents`)
        for (const id of o.devices) agent(id, secrets.get(id)!, TRAINING_REPLAY, ['--rate', String(o.rate ?? 20)])
      },
      async startAgedAgent(id) {
        say(`registering ${id} and starting its agent on aged sensor data`)
        const device = await runCli('hub/src/cli/main.ts', ['device', 'add', id, '--tag', 'site=field', '--data-dir', dataDir, '--json'])
        if (device.code !== 0) throw new Error(`edgefleet device add ${id} failed:\n${device.stderr}`)
        const { secret } = JSON.parse(device.stdout) as { secret: string }
        // windows of 50 readings, three a few seconds: the hub's hysteresis raises after its third drifting window
        agent(id, secret, AGED_REPLAY, ['--rate', '30', '--drift-window-samples', '50'])
      },
      agentFailures: () =>
        stopping ? [] : [...agents].filter(([, a]) => a.child.exitCode !== null || a.child.signalCode !== null)
          .map(([id, a]) => `${id} exited (${a.child.exitCode ?? a.child.signalCode}): ${a.stderr.slice(-2000)}`),
      async api<T>(path: string, init: RequestInit = {}) {
        const res = await fetch(`${running.httpUrl}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } })
        if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`)
        return (await res.json()) as T
      },
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

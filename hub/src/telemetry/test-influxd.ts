import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { freePorts } from '../test-support/free-ports.ts'
import { join } from 'node:path'

/** A reachable InfluxDB 1.x server for tests. */
export interface TestInfluxd {
  /** base URL without a database, e.g. `http://127.0.0.1:41234` */
  url: string
  /** stops the server this helper started (a no-op for an external one) and removes its files */
  stop(): Promise<void>
  /**
   * Chaos controls of a private server (undefined for an external one): `kill` SIGKILLs it keeping its
   * data, `restart` starts it again on the same ports and data (resolves once it answers /ping),
   * `pause`/`resume` SIGSTOP/SIGCONT it (requests then hang rather than fail).
   */
  control?: { kill(): Promise<void>; restart(): Promise<void>; pause(): void; resume(): void }
}

/** Why no InfluxDB is available, for the message of a test that must fail under CI. */
export const INFLUXD_MISSING =
  'InfluxDB is not available: install it (`apt-get install -y influxdb`, as `.ci/run` does) ' +
  'or set EDGEFLEET_TEST_INFLUX_URL to a running InfluxDB 1.x (e.g. http://127.0.0.1:8086)'

const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000

/** true when an `influxd` binary is on the PATH or EDGEFLEET_TEST_INFLUX_URL names a server. */
export function influxdAvailable(): boolean {
  if (process.env.EDGEFLEET_TEST_INFLUX_URL) return true
  return spawnSync('influxd', ['version'], { stdio: 'ignore' }).status === 0
}

/**
 * An InfluxDB for one test file: the server named by EDGEFLEET_TEST_INFLUX_URL when set (CI may start
 * one), otherwise a private `influxd` on free loopback ports with its data in a temp directory.
 * Resolves null when neither exists. Callers give each test its own database.
 */
export async function startInfluxd(): Promise<TestInfluxd | null> {
  const external = process.env.EDGEFLEET_TEST_INFLUX_URL
  if (external) {
    await waitForPing(external.replace(/\/+$/, ''), null)
    return { url: external.replace(/\/+$/, ''), stop: async () => {} }
  }
  if (!influxdAvailable()) return null

  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-influxd-'))
  const [httpPort, rpcPort] = (await freePorts(2)) as [number, number]
  const config = join(dir, 'influxd.conf')
  await writeFile(config, influxdConfig(dir, httpPort, rpcPort))
  let stderr = ''
  const spawnInfluxd = (): ChildProcess => {
    const c = spawn('influxd', ['run', '-config', config], { stdio: ['ignore', 'ignore', 'pipe'] })
    c.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000)
    })
    return c
  }
  let child = spawnInfluxd()
  // a test process that dies without calling stop() must not leave influxd behind
  const killOnExit = (): void => {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', killOnExit)
  const url = `http://127.0.0.1:${httpPort}`
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit)
    child.kill('SIGCONT')
    await stopProcess(child)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitForPing(url, child)
  } catch (err) {
    await stop()
    throw new Error(`influxd did not start: ${(err as Error).message}\n${stderr}`, { cause: err })
  }
  const control: NonNullable<TestInfluxd['control']> = {
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGKILL')
      await exited
    },
    async restart() {
      await control.kill()
      child = spawnInfluxd()
      await waitForPing(url, child)
    },
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
  }
  return { url, stop, control }
}

/** The minimal configuration from DEPENDENCY-NOTES: loopback only, no reporting, no self-monitoring. */
function influxdConfig(dir: string, httpPort: number, rpcPort: number): string {
  return [
    `bind-address = "127.0.0.1:${rpcPort}"`,
    'reporting-disabled = true',
    '[meta]',
    `  dir = "${join(dir, 'meta')}"`,
    '[data]',
    `  dir = "${join(dir, 'data')}"`,
    `  wal-dir = "${join(dir, 'wal')}"`,
    '  query-log-enabled = false',
    '[http]',
    `  bind-address = "127.0.0.1:${httpPort}"`,
    '  log-enabled = false',
    '[monitor]',
    '  store-enabled = false',
    '',
  ].join('\n')
}


async function waitForPing(url: string, child: ChildProcess | null): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = 'no answer'
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`influxd exited with code ${child.exitCode}`)
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })
      if (res.status === 204) return
      last = `GET /ping answered ${res.status}`
    } catch (err) {
      last = (err as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${url}/ping did not answer 204 within ${READY_TIMEOUT_MS} ms (${last})`)
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS)
  })
  if ((await Promise.race([exited, timedOut])) === 'timeout') {
    child.kill('SIGKILL')
    await exited
  }
  clearTimeout(timer)
}

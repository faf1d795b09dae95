/**
 * The brokers the simulated fleet is pointed at, each in a process of its own: the edgefleet hub,
 * raw aedes 1.2 and Mosquitto. Node brokers preload bench/memory-probe.ts (full GCs on SIGUSR2).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer, connect, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { userInfo } from 'node:os'
import { REPO_ROOT } from '@edgefleet/models'
import { rssKB, spawnWithFdLimit, startBroker, stopProcess, type BrokerProcess } from '../bench-processes.ts'
import { sampleMemory, type MemorySample } from '../broker-runs.ts'

export type TargetName = 'hub' | 'aedes' | 'mosquitto'
export const TARGET_NAMES: readonly TargetName[] = ['hub', 'aedes', 'mosquitto']

export const MOSQUITTO_BINARY = '/usr/sbin/mosquitto'

/** A started target: its broker process and how to read its memory. */
export interface Target {
  name: TargetName
  broker: BrokerProcess
  /** memory now; after full GCs for node brokers (Mosquitto: VmRSS, it has no GC) */
  memory(): Promise<MemorySample>
}

export interface TargetOptions {
  fdLimit: number
  /** where node brokers' memory probe writes */
  probeFile: string
  /** hub only */
  dataDir: string
  maxConnections: number
  /** hub only: its --log-level (warn shows every broker warning; error hides the per-device invalid-message lines) */
  logLevel: 'warn' | 'error'
  /** hub only: node --cpu-prof into this directory */
  profileDir?: string
  /** node brokers: semi-space size in MB, fixed (min = max) */
  youngGenMB: number
  tmpDir: string
}

/**
 * V8 grows the young generation from 1 MB to its maximum once allocation picks up, a step of up to
 * 2 × that maximum per process: fixing it at its full size keeps that step out of the per-device
 * figures. Its size matters for the hub at 10 000 msg/s: at node's default (16 MB) a third of its time went
 * to the garbage collector (messages awaiting their group commit get promoted); the hub's launcher uses 64.
 */
const nodeArgs = (youngGenMB: number, profileDir?: string): string[] => [
  '--expose-gc', '--import', pathToFileURL(join(REPO_ROOT, 'bench', 'memory-probe.ts')).href,
  `--min-semi-space-size=${youngGenMB}`, `--max-semi-space-size=${youngGenMB}`,
  ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
]

export async function startTarget(name: TargetName, o: TargetOptions): Promise<Target> {
  const env = { EF_BENCH_MEMORY_FILE: o.probeFile }
  if (name === 'hub') {
    const args = ['hub', '--data-dir', o.dataDir, '--http-port', '0', '--mqtt-port', '0', '--ws-port', '0', '--log-level', o.logLevel, '--max-connections', String(o.maxConnections)]
    const broker = await startBroker('hub', join(REPO_ROOT, 'hub', 'src', 'cli', 'main.ts'), args, { fdLimit: o.fdLimit, nodeArgs: nodeArgs(o.youngGenMB, o.profileDir), env })
    return { name, broker, memory: () => sampleMemory(broker, o.probeFile) }
  }
  if (name === 'aedes') {
    const broker = await startBroker('raw aedes', join(REPO_ROOT, 'bench', 'raw-broker.ts'), [], { fdLimit: o.fdLimit, nodeArgs: nodeArgs(o.youngGenMB), env })
    return { name, broker, memory: () => sampleMemory(broker, o.probeFile) }
  }
  const broker = await startMosquitto(o)
  return {
    name,
    broker,
    memory: async () => {
      const rss = rssKB(broker.pid)
      return { rssKB: rss, rssAfterGcKB: rss, heapUsedKB: Number.NaN, externalKB: Number.NaN }
    },
  }
}

/** Mosquitto as a plain broker: anonymous, no persistence, no limits that would drop the stream. */
async function startMosquitto(o: TargetOptions): Promise<BrokerProcess> {
  if (!existsSync(MOSQUITTO_BINARY)) throw new Error(`${MOSQUITTO_BINARY} not found: install Mosquitto (apt-get install -y mosquitto) or leave it out with --targets hub,aedes`)
  const port = await freePort()
  const config = join(o.tmpDir, 'mosquitto.conf')
  writeFileSync(config, [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'max_connections -1',
    // 0 = no limit: a subscriber that falls behind is queued for, never dropped (as aedes does)
    'max_queued_messages 0',
    'set_tcp_nodelay true',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    // started as root, mosquitto would switch to the `mosquitto` user
    `user ${userInfo().username}`,
    '',
  ].join('\n'))
  const version = spawnSync(MOSQUITTO_BINARY, ['-h'], { encoding: 'utf8' }).stdout.match(/mosquitto version (\S+)/)?.[1] ?? '?'
  const child = spawnWithFdLimit(MOSQUITTO_BINARY, ['-c', config], o.fdLimit)
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)))
  child.stdout!.resume()
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited ${child.exitCode}: ${stderr}`)
    if (await accepts(port)) break
    if (i > 600) throw new Error(`mosquitto did not listen on ${port} within 30 s: ${stderr}`)
    await sleep(50)
  }
  return { name: `mosquitto ${version}`, pid: child.pid!, mqttUrl: `mqtt://127.0.0.1:${port}`, signal: (s) => void child.kill(s), stop: () => stopProcess(child) }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

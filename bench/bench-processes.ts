/**
 * Processes of the hub-ingest benchmark: brokers and simulated fleets started with a raised
 * open-file limit, their CPU and RSS read from /proc, and one place that stops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@edgefleet/models'
import type { ChildMessage, ParentMessage } from './fleet-ipc.ts'

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux we run on). */
const CLK_TCK = 100
const STOP_TIMEOUT_MS = 15_000
const live = new Set<ChildProcess>()

/** The soft and hard limits on open files of this process (what children inherit and may raise to). */
export function openFileLimits(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
  const [soft, hard] = (line?.match(/(\d+|unlimited)\s+(\d+|unlimited)/)?.slice(1) ?? ['1024', '1024']).map((v) => (v === 'unlimited' ? 1 << 20 : Number(v)))
  return { soft: soft!, hard: hard! }
}

/** User + system CPU seconds of a process so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // fields after "(comm)": state is field 3, utime 14, stime 15
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

/** Resident set size of a process, KB (VmRSS). */
export function rssKB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)
  if (!m) throw new Error(`no VmRSS for process ${pid}`)
  return Number(m[1])
}

/**
 * `command <args>` with the open-file limit raised to `fdLimit` by a shell that then `exec`s it, so
 * the pid is the command's own (for /proc) and `ulimit` applies to it alone. {@link stopAll} stops it.
 */
export function spawnWithFdLimit(command: string, args: readonly string[], fdLimit: number, o: { ipc?: boolean; env?: Record<string, string> } = {}): ChildProcess {
  const child = spawn('/bin/sh', ['-c', `ulimit -n ${fdLimit} && exec "$@"`, 'sh', command, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(o.ipc ? ['ipc' as const] : [])],
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

/** `node --import tsx <args>` through {@link spawnWithFdLimit}. */
function spawnNode(args: readonly string[], fdLimit: number, ipc: boolean, env?: Record<string, string>): ChildProcess {
  return spawnWithFdLimit(process.execPath, ['--import', 'tsx', ...args], fdLimit, { ipc, ...(env ? { env } : {}) })
}

/** A running broker process: where it listens and its pid. */
export interface BrokerProcess {
  name: string
  pid: number
  mqttUrl: string
  /** the hub's HTTP base URL */
  httpUrl?: string
  /** sends a signal (the memory probe listens for SIGUSR2) */
  signal(signal: NodeJS.Signals): void
  stop(): Promise<void>
}

/**
 * Starts a broker process and waits for its ready banner (`MQTT  mqtt://…`, and `API  http://…` for
 * the hub). `nodeArgs` go before the script (e.g. --cpu-prof).
 */
export async function startBroker(
  name: string,
  script: string,
  args: readonly string[],
  o: { fdLimit: number; nodeArgs?: readonly string[]; env?: Record<string, string> },
): Promise<BrokerProcess> {
  const child = spawnNode([...(o.nodeArgs ?? []), script, ...args], o.fdLimit, false, o.env)
  let stdout = ''
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
    // warnings from the broker are part of the result: show them as they come
    process.stderr.write(d.split('\n').filter(Boolean).map((l) => `  [${name}] ${l}\n`).join(''))
  })
  const ready = await new Promise<{ mqttUrl: string; httpUrl?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s: ${stderr}`)), 60_000)
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      const mqttUrl = stdout.match(/MQTT\s+(mqtt:\/\/\S+)/)?.[1]
      const httpUrl = stdout.match(/API\s+(http:\/\/\S+)\/api\/v1/)?.[1]
      if (mqttUrl && (httpUrl || !stdout.includes('edgefleet hub'))) {
        clearTimeout(timer)
        resolve({ mqttUrl, ...(httpUrl ? { httpUrl } : {}) })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited ${code} before it was ready: ${stderr}`))
    })
  })
  return { name, pid: child.pid!, ...ready, signal: (signal) => void child.kill(signal), stop: () => stopProcess(child) }
}

/** A child process talking over the fork IPC channel: sends `P`, receives `C` (`failed` ends it). */
export interface IpcChild<P, C extends { kind: string }> {
  pid: number
  send(m: P): void
  /** the next message of this kind (rejects when the child reports `failed` or exits) */
  next<K extends C['kind']>(kind: K, timeoutMs?: number): Promise<Extract<C, { kind: K }>>
  /** asks it to stop (`stop` message) and waits for it to exit */
  stop(): Promise<void>
}

/** A simulated-fleet process (fleet-publishers.ts) talking over IPC. */
export type FleetProcess = IpcChild<ParentMessage, ChildMessage>

/** Starts a fleet process and waits until it listens for a job. */
export function startFleet(fdLimit: number): Promise<FleetProcess> {
  return startIpcChild<ParentMessage, ChildMessage>(join(REPO_ROOT, 'bench', 'fleet-publishers.ts'), fdLimit, { kind: 'stop' })
}

/**
 * Starts `script` (node --import tsx, open-file limit raised) with an IPC channel and waits for its
 * `ready` message. A `{ kind: 'failed', message }` from it rejects whatever `next` is waiting.
 */
export async function startIpcChild<P, C extends { kind: string }>(script: string, fdLimit: number, stopMessage: P, args: readonly string[] = []): Promise<IpcChild<P, C>> {
  const child = spawnNode([script, ...args], fdLimit, true)
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)))
  child.stdout!.resume()
  const queue: C[] = []
  const waiters = new Set<() => void>()
  child.on('message', (m: C) => {
    queue.push(m)
    for (const w of waiters) w()
  })
  child.once('exit', () => {
    for (const w of waiters) w()
  })
  const name = script.split('/').pop()
  const ipc: IpcChild<P, C> = {
    pid: child.pid!,
    send: (m) => void child.send(m as object),
    next(kind, timeoutMs = 300_000) {
      type M = Extract<C, { kind: typeof kind }>
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${name}: no ${kind} within ${timeoutMs / 1000} s`)), timeoutMs)
        const check = (): void => {
          const i = queue.findIndex((m) => m.kind === kind || m.kind === 'failed')
          if (i >= 0) {
            const [m] = queue.splice(i, 1)
            if (m!.kind === 'failed') return done(new Error(`${name} failed: ${(m as { message?: string }).message}`))
            return done(undefined, m as M)
          }
          if (child.exitCode !== null || child.signalCode !== null) done(new Error(`${name} exited (${child.exitCode ?? child.signalCode}): ${stderr}`))
        }
        const done = (err?: Error, m?: M): void => {
          clearTimeout(timer)
          waiters.delete(check)
          if (err) reject(err)
          else resolve(m!)
        }
        waiters.add(check)
        check()
      })
    },
    async stop() {
      const asked = child.connected
      if (asked) child.send(stopMessage as object)
      await stopProcess(child, asked)
    },
  }
  await ipc.next('ready' as C['kind'], 60_000)
  return ipc
}

/**
 * Waits for a process to exit: at once SIGTERM (a broker closes on it), or, for a fleet already asked
 * to stop over IPC, after a grace period; SIGKILL when it does not exit in time.
 */
export function stopProcess(child: ChildProcess, askedToStop = false): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const term = setTimeout(() => child.kill('SIGTERM'), askedToStop ? STOP_TIMEOUT_MS / 2 : 0)
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    child.once('exit', () => {
      clearTimeout(term)
      clearTimeout(kill)
      resolve()
    })
  })
}

/** Stops every process this module started that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => stopProcess(child)))
}

/**
 * A benchmark's teardown: `cleanUp()` stops every process this module started and removes `tmp`; on
 * Ctrl-C or SIGTERM it runs once and the process exits 130. `stopping()` says whether that happened
 * (the failures that follow are the processes being stopped: nothing to report).
 */
export function cleanUpOnSignals(tmp: string, what: string): { cleanUp(): Promise<void>; stopping(): boolean } {
  let stopping = false
  const cleanUp = async (): Promise<void> => {
    await stopAll()
    rmSync(tmp, { recursive: true, force: true })
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return
      stopping = true
      process.stderr.write(`\n${signal}: stopping every process ${what} started\n`)
      void cleanUp().finally(() => process.exit(130))
    })
  }
  return { cleanUp, stopping: () => stopping }
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { freePorts } from './free-ports.ts'

/** A private Mosquitto on a loopback port. */
export interface TestMosquitto {
  /** e.g. `mqtt://127.0.0.1:41234` */
  url: string
  port: number
  /** stops mosquitto (SIGTERM, then SIGKILL after 10 s) and removes its files */
  stop(): Promise<void>
}

/** Options of {@link startMosquitto}. */
export interface MosquittoOptions {
  /** user name → password, written with `mosquitto_passwd -b` */
  users: Record<string, string>
  /** the `acl_file` contents */
  acl: string
  /** more configuration lines, e.g. `use_username_as_clientid true` */
  config?: string[]
}

/** Why no Mosquitto is available, for the message of a test that must fail under CI. */
export const MOSQUITTO_MISSING =
  'Mosquitto is not available: install it (`apt-get install -y mosquitto mosquitto-clients`, as `.ci/run` does); ' +
  'the external-broker tests need `mosquitto` and `mosquitto_passwd`'

const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000

/** Debian installs the broker in /usr/sbin, which is not on every user's PATH. */
function binary(name: string): string | null {
  for (const candidate of [name, `/usr/sbin/${name}`, `/usr/local/sbin/${name}`]) {
    if (candidate.includes('/') && !existsSync(candidate)) continue
    // `mosquitto -h` exits 3 after printing its usage; spawning at all proves it exists
    if (spawnSync(candidate, ['-h'], { stdio: 'ignore' }).error === undefined) return candidate
  }
  return null
}

/** Why `mosquitto_sub` is not available, for the message of a test that must fail under CI. */
export const MOSQUITTO_SUB_MISSING =
  'mosquitto_sub is not available: install it (`apt-get install -y mosquitto-clients`, as `.ci/run` does); ' +
  'the alert tests subscribe with the real Mosquitto client'

/** The `mosquitto_sub` binary (Debian package mosquitto-clients), or null when it is not installed. */
export function mosquittoSubBinary(): string | null {
  return binary('mosquitto_sub')
}

/** true when `mosquitto` and `mosquitto_passwd` can run here. */
export function mosquittoAvailable(): boolean {
  return binary('mosquitto') !== null && binary('mosquitto_passwd') !== null
}

/**
 * Starts `mosquitto -c FILE` with password and ACL files in a temp directory, on a free loopback
 * port, without persistence; resolves once it accepts connections. Resolves null when Mosquitto is
 * not installed.
 */
export async function startMosquitto(o: MosquittoOptions): Promise<TestMosquitto | null> {
  const mosquitto = binary('mosquitto')
  const passwd = binary('mosquitto_passwd')
  if (!mosquitto || !passwd) return null

  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-mosquitto-'))
  const files = { config: join(dir, 'mosquitto.conf'), passwords: join(dir, 'passwd'), acl: join(dir, 'acl'), log: join(dir, 'mosquitto.log') }
  Object.entries(o.users).forEach(([user, password], i) => {
    const r = spawnSync(passwd, ['-b', ...(i === 0 ? ['-c'] : []), files.passwords, user, password], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`mosquitto_passwd failed for ${user}: ${r.stderr || r.error?.message}`)
  })
  await writeFile(files.acl, o.acl)
  const port = await freePort()
  await writeFile(files.config, [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous false',
    `password_file ${files.passwords}`,
    `acl_file ${files.acl}`,
    'persistence false',
    `log_dest file ${files.log}`,
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    // started as root, mosquitto would switch to the `mosquitto` user, who cannot read this private temp dir
    `user ${userInfo().username}`,
    ...(o.config ?? []),
    '',
  ].join('\n'))

  const child = spawn(mosquitto, ['-c', files.config], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000)
  })
  // a test process that dies without calling stop() must not leave mosquitto behind
  const killOnExit = (): void => {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', killOnExit)
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit)
    await stopProcess(child)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitForListener(port, child)
  } catch (err) {
    const log = await readFile(files.log, 'utf8').catch(() => '')
    await stop()
    throw new Error(`mosquitto did not start: ${(err as Error).message}\n${stderr}${log}`, { cause: err })
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, stop }
}


async function waitForListener(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = 'no answer'
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode}`)
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.destroy()
          resolve()
        })
        socket.once('error', reject)
      })
      return
    } catch (err) {
      last = (err as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`port ${port} did not accept connections within ${READY_TIMEOUT_MS} ms (${last})`)
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

const freePort = async (): Promise<number> => (await freePorts(1))[0]!

// Test support for agent tests against a real MQTT broker: a private Mosquitto on a free loopback port
// (the agent package does not depend on aedes), and a client that records what the device publishes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect, type AddressInfo } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { deviceTopic, parseDeviceTopic, UPLINK_CHANNELS } from '@edgefleet/protocol'

/** Why the broker tests cannot run, for a skip (or a failure under CI, which installs Mosquitto). */
export const MOSQUITTO_MISSING = 'Mosquitto is not installed (`apt-get install -y mosquitto`, as `.ci/run` does): the agent\'s broker tests need it'

const READY_TIMEOUT_MS = 30_000

/** A running broker. */
export interface TestMosquitto {
  url: string
  /** SIGTERM, then SIGKILL after 5 s; removes its files */
  stop(): Promise<void>
}

/** The mosquitto binary (Debian installs it in /usr/sbin), or null. */
export function mosquittoBinary(): string | null {
  for (const candidate of ['mosquitto', '/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto']) {
    if (candidate.includes('/') && !existsSync(candidate)) continue
    if (spawnSync(candidate, ['-h'], { stdio: 'ignore' }).error === undefined) return candidate
  }
  return null
}

/** Starts Mosquitto on a free loopback port, anonymous access, no persistence; resolves once it accepts connections. */
export async function startMosquitto(): Promise<TestMosquitto> {
  const binary = mosquittoBinary()
  if (!binary) throw new Error(MOSQUITTO_MISSING)
  const dir = mkdtempSync(join(tmpdir(), 'ef-agent-mosquitto-'))
  const port = await freePort()
  const config = join(dir, 'mosquitto.conf')
  // started as root, mosquitto would switch to the `mosquitto` user, who cannot read this private temp dir
  writeFileSync(config, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', `user ${userInfo().username}`, ''].join('\n'))
  const child = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)))
  // a test process that dies without calling stop() must not leave mosquitto behind
  const killOnExit = (): void => void child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit)
    await stopProcess(child)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitForListener(port, child)
  } catch (err) {
    await stop()
    throw new Error(`mosquitto did not start: ${(err as Error).message}\n${stderr}`, { cause: err })
  }
  return { url: `mqtt://127.0.0.1:${port}`, stop }
}

/** A message a device published, as a subscriber received it. */
export interface Arrival {
  channel: string
  payload: string
  /** Date.now() when it arrived */
  at: number
}

/** A client subscribed to every uplink topic of `deviceId`, recording what arrives in `received`. */
export async function recordUplink(url: string, deviceId: string): Promise<{ received: Arrival[]; close(): Promise<void> }> {
  const received: Arrival[] = []
  const client = await mqtt.connectAsync(url, { clientId: `observer-${process.pid}-${Math.random().toString(36).slice(2)}`, reconnectPeriod: 0 })
  client.on('message', (topic, payload) => received.push({ channel: parseDeviceTopic(topic)?.channel ?? topic, payload: payload.toString(), at: Date.now() }))
  await client.subscribeAsync(UPLINK_CHANNELS.map((c) => deviceTopic(deviceId, c)), { qos: 1 })
  return { received, close: () => client.endAsync(true) }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function waitForListener(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode}`)
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)))
      socket.once('error', () => resolve(false))
    })
    if (up) return
    if (Date.now() > deadline) throw new Error(`port ${port} did not accept connections within ${READY_TIMEOUT_MS} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

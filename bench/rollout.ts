/**
 * Rollout orchestration overhead: 1 000 simulated devices (rollout-devices.ts: real MQTT connections and
 * downloads from the hub, no onnxruntime) behind a real hub process.
 *
 *   pnpm bench:rollout [--devices 1000] [--soak 10] [--waves 10,50,100] [--status-ms 5000]   (--help)
 *
 * baseline  every device is put on v1.1.0 at once (PUT /devices/:id/desired, no waves, no gates): time until
 *           every device reports it active — the cost of moving the fleet at all.
 * rollout   `POST /rollouts` v1.2.0 in the given waves with the given soak and the default gates: time until
 *           the rollout completes. Overhead = that time − waves × soak (what waves, gates and the engine's
 *           1 s steps add on top of the soak); the target is ≤ 10 s.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { SqliteRegistry, hubPaths } from '@edgefleet/hub'
import { REPO_ROOT, shippedPackageDir } from '@edgefleet/models'
import type { Manifest, RolloutView } from '@edgefleet/protocol'
import { openFileLimits, startBroker, stopAll } from './bench-processes.ts'
import { SimDevice } from './rollout-devices.ts'

const USAGE = `Usage: pnpm bench:rollout [options]

Rollout orchestration overhead beyond the soak time, against moving every device at once.

  --devices N     simulated devices (default 1000)
  --waves P,P…    cumulative percentages (default 10,50,100: three waves)
  --soak S        soak per wave, seconds (default 10)
  --status-ms MS  each device's status interval (default 5000)
  -h, --help      this text
`
const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    waves: { type: 'string', default: '10,50,100' },
    soak: { type: 'string', default: '10' },
    'status-ms': { type: 'string', default: '5000' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
const whole = (name: string, v: string, min: number): number => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} ${v}: give a whole number ≥ ${min}\n\n${USAGE}`)
    process.exit(2)
  }
  return n
}
const N = whole('devices', values.devices, 1)
const soakS = whole('soak', values.soak, 0)
const statusMs = whole('status-ms', values['status-ms'], 100)
const waves = values.waves.split(',').map((w) => Number(w.trim()))
const { soft } = openFileLimits()
if (N + 256 > soft) {
  process.stderr.write(`${N} devices need ${N + 256} open files; this shell allows ${soft} (ulimit -n): raise it or use fewer devices\n`)
  process.exit(2)
}

const tmp = mkdtempSync(join(tmpdir(), 'ef-bench-rollout-'))
const dataDir = join(tmp, 'hub')
const t0 = performance.now()
const progress = (line: string): void => void process.stderr.write(`· ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s  ${line}\n`)
const devices: SimDevice[] = []
async function cleanUp(): Promise<void> {
  await Promise.all(devices.map((d) => d.stop().catch(() => {})))
  await stopAll()
  rmSync(tmp, { recursive: true, force: true })
}
process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)))

/** Registers the shipped gas-sensor package as `version` through the CLI (the hub signs it). */
function push(version: string): string {
  const pkg = join(tmp, `gas-sensor-${version}`)
  cpSync(shippedPackageDir('gas-sensor'), pkg, { recursive: true })
  const manifest = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8')) as Manifest
  writeFileSync(join(pkg, 'manifest.json'), JSON.stringify({ ...manifest, version }))
  execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'hub/src/cli/main.ts'), 'model', 'push', pkg, '--data-dir', dataDir, '--json'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  return manifest.model.sha256
}

async function api<T>(httpUrl: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const send = () => fetch(`${httpUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) })
  // a GET may be retried when the connection fails (PUT desired is idempotent too)
  const res = await send().catch(() => sleep(500).then(send))
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return res.json() as Promise<T>
}

async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`${what}: not done after ${timeoutMs / 1000} s`)
    await sleep(50)
  }
}

async function run(): Promise<void> {
  progress(`registering ${N} devices and gas-sensor 1.0.0, 1.1.0, 1.2.0 in ${dataDir}`)
  const registry = await SqliteRegistry.open(hubPaths(dataDir).registry)
  const secrets: string[] = []
  let token: string
  try {
    for (let i = 0; i < N; i++) secrets.push((await registry.addDevice(`sim-${String(i).padStart(5, '0')}`, { bench: 'rollout' })).secret)
    token = `bench.${(await registry.addCredential('operator', 'bench', 'operator')).secret}`
  } finally {
    await registry.close()
  }
  const sha = push('1.0.0')
  push('1.1.0')
  push('1.2.0')
  const hub = await startBroker('hub', join(REPO_ROOT, 'hub/src/cli/main.ts'), ['hub', '--data-dir', dataDir, '--http-port', '0', '--mqtt-port', '0', '--ws-port', '0', '--log-level', 'warn'], { fdLimit: soft })
  const httpUrl = hub.httpUrl!
  progress(`connecting ${N} simulated devices to ${hub.mqttUrl}`)
  for (let i = 0; i < N; i++) {
    devices.push(new SimDevice({ mqttUrl: hub.mqttUrl, id: `sim-${String(i).padStart(5, '0')}`, secret: secrets[i]!, model: { name: 'gas-sensor', version: '1.0.0', sha256: sha }, statusMs, latencyMs: 0.02 }))
  }
  for (let i = 0; i < N; i += 100) await Promise.all(devices.slice(i, i + 100).map((d) => d.start()))
  await sleep(2000)

  progress('baseline: every device to 1.1.0 at once')
  const b0 = Date.now()
  for (let i = 0; i < N; i += 50) await Promise.all(devices.slice(i, i + 50).map((_d, j) => api(httpUrl, token, 'PUT', `/api/v1/devices/sim-${String(i + j).padStart(5, '0')}/desired`, { model: 'gas-sensor@1.1.0' })))
  await until('baseline', () => devices.every((d) => d.activeAt.has('1.1.0')), 300_000)
  const baselineS = (Math.max(...devices.map((d) => d.activeAt.get('1.1.0')!)) - b0) / 1000
  // let the devices report their new version before the rollout reads it
  await sleep(statusMs + 1000)

  progress(`rollout: 1.2.0 in waves ${waves.join(',')} with a ${soakS} s soak`)
  const r0 = Date.now()
  const created = await api<RolloutView>(httpUrl, token, 'POST', '/api/v1/rollouts', { model: 'gas-sensor@1.2.0', target: 'all', waves: waves.join(','), soak: `${soakS}s` })
  let view = created
  await until('rollout', async () => {
    view = await api<RolloutView>(httpUrl, token, 'GET', `/api/v1/rollouts/${created.id}`)
    if (view.state === 'aborted') throw new Error(`the rollout aborted: ${view.reason}`)
    return view.state === 'completed'
  }, 600_000)
  const totalS = (Date.now() - r0) / 1000
  const soakTotalS = waves.length * soakS
  const upgraded = devices.filter((d) => d.activeAt.get('1.2.0') !== undefined).length
  const byHistory = view.history.map((h) => `    +${((h.at - r0) / 1000).toFixed(1).padStart(6)} s  ${h.event}: ${h.message}`).join('\n')
  process.stdout.write([
    `Rollout orchestration, ${N} simulated devices (real MQTT, real downloads), hub in its own process, engine step 1 s`,
    `  baseline: all ${N} devices at once        ${baselineS.toFixed(1)} s until every device reported 1.1.0 active`,
    `  rollout: waves ${waves.join(',')}, soak ${soakS} s   ${totalS.toFixed(1)} s until completed (${upgraded}/${N} on 1.2.0; waves ${view.progress.waves.map((w) => w.assigned).join(' + ')})`,
    `  overhead beyond ${waves.length} × ${soakS} s soak        ${(totalS - soakTotalS).toFixed(1)} s (target ≤ 10 s)`,
    '  history:',
    byHistory,
    '',
  ].join('\n'))
}

try {
  await run()
} finally {
  await cleanUp()
}

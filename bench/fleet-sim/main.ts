/**
 * Fleet simulator (issue 10): N light simulated devices — real MQTT over loopback, the real protocol,
 * no onnxruntime — against the hub, raw aedes 1.2 and Mosquitto, one after another in one run.
 *
 *   pnpm bench:fleet-sim --devices 10000        (--help)
 */
import { mkdtempSync, readdirSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { SqliteRegistry, hubPaths } from '@edgefleet/hub'
import { cleanUpOnSignals, openFileLimits } from '../bench-processes.ts'
import { summariseCpuProfile, type ProfileSummary } from '../cpu-profile-summary.ts'
import { predictionsBuilder } from './payload.ts'
import { renderTable, type RunSetup } from './report.ts'
import { runTarget, type TargetFigures } from './run-target.ts'
import type { SimDevice } from './sim-ipc.ts'
import { startTarget, TARGET_NAMES, type TargetName } from './targets.ts'

const USAGE = `Usage: pnpm bench:fleet-sim [options]

N simulated devices (lean MQTT clients in a few processes; registered credentials, retained status,
last will, protocol-valid Predictions at QoS 1 with increasing seq, start times spread evenly) against
each target in turn: the edgefleet hub (stores, then acknowledges), raw aedes 1.2 and Mosquitto (each
with one QoS 1 subscriber consuming the stream). Per target: broker CPU, memory per idle device,
ingest rate, publish → PUBACK and publish → delivery latency, dropped and invalid messages.

  --devices N          simulated devices (default 1000)
  --rate R             messages per second per device (default 1)
  --items K            predictions per message (default 1)
  --invalid-ratio X    share of messages sent malformed, 0…1; the hub must count, not store them (default 0)
  --seconds S          measured window per target (default 30)
  --warmup S           publishing before the window opens (default 5)
  --settle S           wait before each memory reading (default 5)
  --drain S            after the window, wait this long at most for outstanding PUBACKs (default 60)
  --processes P        simulator processes (default one per 2500 devices)
  --keepalive S        devices' MQTT keepalive (default 60)
  --targets LIST       comma-separated, in run order: hub, aedes, mosquitto (default all three)
  --young-gen-mb M     node brokers' semi-space size, fixed (default 64, as \`pnpm edgefleet hub\` runs the hub;
                       node's own default grows to 16)
  --cpu-prof           profile the hub (node --cpu-prof) and print where its time goes in the window
  --json               print the figures as JSON instead of a table
  -h, --help           this text

Needs an open-file limit above N + 256 (ulimit -Hn); the hub gets --max-connections N + 100.
`

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '1' },
    items: { type: 'string', default: '1' },
    'invalid-ratio': { type: 'string', default: '0' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    settle: { type: 'string', default: '5' },
    drain: { type: 'string', default: '60' },
    processes: { type: 'string' },
    keepalive: { type: 'string', default: '60' },
    targets: { type: 'string', default: TARGET_NAMES.join(',') },
    'young-gen-mb': { type: 'string', default: '64' },
    'cpu-prof': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
function usageError(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`)
  process.exit(2)
}
const number = (name: string, v: string, min: number, max = Number.POSITIVE_INFINITY, integer = true): number => {
  const n = Number(v)
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) usageError(`--${name} ${v}: give a ${integer ? 'whole ' : ''}number from ${min}${max < Infinity ? ` to ${max}` : ' up'}`)
  return n
}
const N = number('devices', values.devices, 1)
const rate = number('rate', values.rate, 0.001, 100, false)
const items = number('items', values.items, 1, 1000)
const invalidRatio = number('invalid-ratio', values['invalid-ratio'], 0, 1, false)
const seconds = number('seconds', values.seconds, 1)
const warmupS = number('warmup', values.warmup, 0)
const settleS = number('settle', values.settle, 0)
const drainS = number('drain', values.drain, 1)
const keepaliveS = number('keepalive', values.keepalive, 0, 65535)
const processes = values.processes !== undefined ? number('processes', values.processes, 1, N) : Math.ceil(N / 2500)
const targets = values.targets.split(',').map((t) => t.trim()) as TargetName[]
for (const t of targets) if (!TARGET_NAMES.includes(t)) usageError(`--targets: unknown target ${t}; give any of ${TARGET_NAMES.join(', ')}`)

const { hard: fdLimit } = openFileLimits()
if (N + 256 > fdLimit) usageError(`${N} devices need more open files than the hard limit allows (ulimit -Hn = ${fdLimit}): raise it or simulate fewer devices`)

const tmp = mkdtempSync(join(tmpdir(), 'ef-fleet-sim-'))
const dataDir = join(tmp, 'hub-data')
const { cleanUp, stopping } = cleanUpOnSignals(tmp, 'the simulator')
const t0 = performance.now()
const progress = (line: string): void => void process.stderr.write(`· ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${line}\n`)

/** Registers the fleet in the hub's registry (before the hub starts); returns devices and an operator token. */
async function register(): Promise<{ devices: SimDevice[]; token: string }> {
  progress(`registering ${N} devices in ${dataDir}`)
  const registry = await SqliteRegistry.open(hubPaths(dataDir).registry)
  try {
    const devices: SimDevice[] = []
    for (let i = 0; i < N; i++) {
      const id = `sim-${String(i).padStart(5, '0')}`
      devices.push({ id, index: i, secret: (await registry.addDevice(id, { bench: 'fleet-sim' })).secret })
    }
    return { devices, token: `bench.${(await registry.addCredential('operator', 'bench', 'operator')).secret}` }
  } finally {
    await registry.close()
  }
}

async function run(): Promise<{ setup: RunSetup; results: TargetFigures[]; profile?: ProfileSummary }> {
  const setup: RunSetup = {
    devices: N, rate, items, invalidRatio, seconds, warmupS, processes,
    payloadBytes: Buffer.byteLength(predictionsBuilder('sim-00000', items)(1, Date.now(), String(process.hrtime.bigint() / 1000n))),
    loadAtStart: loadavg(),
    node: process.version,
  }
  const registered = targets.includes('hub') ? await register() : undefined
  const anonymous = Array.from({ length: N }, (_, i) => ({ id: `sim-${String(i).padStart(5, '0')}`, index: i }))
  const results: TargetFigures[] = []
  let profile: ProfileSummary | undefined
  for (const name of targets) {
    const profileDir = name === 'hub' && values['cpu-prof'] ? join(tmp, 'prof-hub') : undefined
    progress(`starting ${name}`)
    const target = await startTarget(name, { fdLimit, probeFile: join(tmp, 'memory.json'), dataDir, maxConnections: N + 100, logLevel: invalidRatio > 0 ? 'error' : 'warn', youngGenMB: number('young-gen-mb', values['young-gen-mb'], 1, 1024), tmpDir: tmp, ...(profileDir ? { profileDir } : {}) })
    try {
      results.push(await runTarget(target, {
        devices: name === 'hub' ? registered!.devices : anonymous,
        processes, rate, items, invalidRatio, keepaliveS, settleS, warmupS, seconds, drainS, fdLimit,
        ...(name === 'hub' ? { token: registered!.token } : {}),
        progress,
      }))
    } finally {
      await target.broker.stop()
    }
    if (profileDir) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'))
      if (file) profile = summariseCpuProfile(join(profileDir, file), results.find((r) => r.target === 'hub')?.windowUs)
    }
  }
  return { setup, results, ...(profile ? { profile } : {}) }
}

try {
  const r = await run()
  if (values.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`)
  else {
    let text = renderTable(r.setup, r.results)
    if (r.profile) {
      const p = r.profile
      text += `\n\nhub CPU profile (${p.windowed ? 'measured window' : 'whole run'}), ${(p.busyMs / 1000).toFixed(1)} s busy (self time)\n`
      text += p.groups.slice(0, 12).map((g) => `  ${(100 * g.share).toFixed(1).padStart(5)} %  ${g.name}`).join('\n')
      text += '\n  top functions:\n' + p.functions.slice(0, 25).map((f) => `  ${(100 * f.share).toFixed(1).padStart(5)} %  ${f.name}`).join('\n')
    }
    process.stdout.write(`${text}\n`)
  }
} catch (err) {
  if (!stopping()) process.stderr.write(`fleet simulator failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
} finally {
  await cleanUp()
}

/**
 * Hub ingest vs raw aedes, side by side in one run.
 *
 *   pnpm bench:hub [--devices 100] [--seconds 10] [--idle 1000,5000] [--cpu-prof] …   (--help)
 *
 * ingest  M simulated devices in a separate process (fleet-publishers.ts: MQTT.js over loopback, no
 *         onnxruntime) publish protocol-valid `Predictions` at QoS 1 with a bounded in-flight window
 *         as fast as PUBACKs allow. Raw aedes 1.2 (its own process, no auth, no hooks) forwards them to
 *         one QoS 1 subscriber in this process: messages delivered. The hub (`edgefleet hub`, a real
 *         process, devices registered first, embedded SQLite telemetry) acknowledges a message once it
 *         is stored: messages stored, checked afterwards against its REST API. CPU from /proc.
 * idle    N devices connect (keepalive 60 s, last will), publish a retained status once and stay
 *         idle: (broker VmRSS after − before) / N, read after full GCs (memory-probe.ts). One fresh
 *         process per broker; the counts are reached in turn (1000, then 4000 more for 5000).
 */
import { mkdtempSync, readdirSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { SqliteRegistry, hubPaths } from '@edgefleet/hub'
import { REPO_ROOT } from '@edgefleet/models'
import { allDevicesFilter } from '@edgefleet/protocol'
import mqtt from 'mqtt'
import { cleanUpOnSignals, openFileLimits, startBroker, type BrokerProcess } from './bench-processes.ts'
import { measureIdle, measureIngest, type IdleFigures, type IngestFigures } from './broker-runs.ts'
import { summariseCpuProfile, type ProfileSummary } from './cpu-profile-summary.ts'
import type { FleetDevice } from './fleet-ipc.ts'
import { fetchHubStored, type HubStored } from './hub-report.ts'

const USAGE = `Usage: pnpm bench:hub [options]

Hub ingest and idle-device memory vs a plain aedes 1.2 broker, each in its own process.

  --devices M      publishing devices (default 100)
  --seconds S      measured ingest window per broker (default 10)
  --warmup S       publishing before the window opens (default 2)
  --items K        predictions per message (default 10)
  --window W       unacknowledged QoS 1 messages per device (default 10)
  --idle N,N…      idle devices connected when memory is read, or "none" (default 1000,5000)
  --settle S       wait before each memory reading (default 5)
  --per-process P  idle devices per connecting process (default 2500)
  --cpu-prof       profile both brokers during ingest and print where their time goes
  -h, --help       this text
`

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    items: { type: 'string', default: '10' },
    window: { type: 'string', default: '10' },
    idle: { type: 'string', default: '1000,5000' },
    settle: { type: 'string', default: '5' },
    'per-process': { type: 'string', default: '2500' },
    'cpu-prof': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}
const positive = (name: string, v: string, min = 1): number => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} ${v}: give a whole number ≥ ${min}\n\n${USAGE}`)
    process.exit(2)
  }
  return n
}
const M = positive('devices', values.devices)
const seconds = positive('seconds', values.seconds)
const warmupS = positive('warmup', values.warmup, 0)
const items = positive('items', values.items)
const window = positive('window', values.window)
const idleCounts = values.idle === 'none' ? [] : [...new Set(values.idle.split(',').map((v) => positive('idle', v.trim())))].sort((a, b) => a - b)
const settleS = positive('settle', values.settle, 0)
const cpuProf = values['cpu-prof']

// every broker holds one socket per device; every fleet process one per device it simulates
const { hard: fdLimit } = openFileLimits()
const perProcess = Math.min(positive('per-process', values['per-process']), fdLimit - 256)
const maxDevices = Math.max(M, ...idleCounts)
if (maxDevices + 256 > fdLimit) {
  process.stderr.write(`${maxDevices} devices need more open files than this shell's hard limit allows (ulimit -Hn = ${fdLimit}): raise it or use fewer devices\n`)
  process.exit(2)
}

const tmp = mkdtempSync(join(tmpdir(), 'ef-bench-hub-'))
const dataDir = join(tmp, 'hub-data')
const probeFile = join(tmp, 'memory.json')
const { cleanUp, stopping } = cleanUpOnSignals(tmp, 'the benchmark')

const t0 = performance.now()
const progress = (line: string): void => void process.stderr.write(`· ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s  ${line}\n`)
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ')
const loadAtStart = load()
/** How a broker process runs: profiled, or (memory runs) with V8's young generation at its full size. */
interface BrokerRun {
  profileDir?: string
  /**
   * V8 grows the young generation from 1 MB to 2 × 16 MB when allocation picks up, once per
   * process: fixing it at full size keeps that step (up to ~32 MB) out of the per-device figure.
   */
  fixedYoungGen?: boolean
}
const brokerNodeArgs = (o: BrokerRun): string[] => [
  '--expose-gc', '--import', pathToFileURL(join(REPO_ROOT, 'bench', 'memory-probe.ts')).href,
  ...(o.fixedYoungGen ? ['--min-semi-space-size=16', '--max-semi-space-size=16'] : []),
  ...(o.profileDir ? ['--cpu-prof', '--cpu-prof-dir', o.profileDir] : []),
]
const brokerEnv = { EF_BENCH_MEMORY_FILE: probeFile }

function startRaw(o: BrokerRun = {}): Promise<BrokerProcess> {
  return startBroker('raw aedes', join(REPO_ROOT, 'bench', 'raw-broker.ts'), [], { fdLimit, nodeArgs: brokerNodeArgs(o), env: brokerEnv })
}

function startHub(o: BrokerRun = {}): Promise<BrokerProcess> {
  const args = ['hub', '--data-dir', dataDir, '--http-port', '0', '--mqtt-port', '0', '--ws-port', '0', '--log-level', 'warn']
  return startBroker('hub', join(REPO_ROOT, 'hub', 'src', 'cli', 'main.ts'), args, { fdLimit, nodeArgs: brokerNodeArgs(o), env: brokerEnv })
}

/** Stops a broker; with a profile directory, summarises the profile it wrote on exit. */
async function stopBroker(broker: BrokerProcess, profileDir?: string, windowUs?: { fromUs: number; toUs: number }): Promise<ProfileSummary | undefined> {
  await broker.stop()
  if (!profileDir) return undefined
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'))
  return file ? summariseCpuProfile(join(profileDir, file), windowUs) : undefined
}

interface Results {
  payloadBytes: number
  raw?: IngestFigures & { received: number; profile?: ProfileSummary }
  hub?: IngestFigures & { stored: HubStored; profile?: ProfileSummary }
  idle: { n: number; raw: IdleFigures; hub: IdleFigures }[]
}

async function run(): Promise<Results> {
  progress(`registering ${maxDevices} devices in ${dataDir}`)
  const registry = await SqliteRegistry.open(hubPaths(dataDir).registry)
  const devices: FleetDevice[] = []
  let token: string
  try {
    for (let i = 0; i < maxDevices; i++) {
      const id = `bench-${String(i).padStart(5, '0')}`
      devices.push({ id, secret: (await registry.addDevice(id, { bench: 'hub-ingest' })).secret })
    }
    token = `bench.${(await registry.addCredential('operator', 'bench', 'operator')).secret}`
  } finally {
    await registry.close()
  }
  const anonymous = devices.map(({ id }) => ({ id }))
  const job = { items, window, warmupS, durationS: seconds, fdLimit }
  const results: Results = { payloadBytes: 0, idle: [] }

  progress(`ingest, raw aedes: ${M} devices publish for ${warmupS} + ${seconds} s`)
  const rawProfile = cpuProf ? join(tmp, 'prof-raw') : undefined
  const raw = await startRaw(rawProfile ? { profileDir: rawProfile } : {})
  let received = 0
  const subscriber = await mqtt.connectAsync(raw.mqttUrl, { clientId: 'bench-subscriber', protocolVersion: 4, reconnectPeriod: 0 })
  subscriber.on('message', () => received++)
  await subscriber.subscribeAsync(allDevicesFilter('pred'), { qos: 1 })
  const rawFigures = await measureIngest(raw, { ...job, devices: anonymous.slice(0, M), delivered: () => received })
  for (let i = 0; i < 200 && received < rawFigures.done.acked; i++) await new Promise((r) => setTimeout(r, 50))
  await subscriber.endAsync(true)
  results.raw = { ...rawFigures, received, profile: await stopBroker(raw, rawProfile, rawFigures.windowUs) }
  results.payloadBytes = rawFigures.done.payloadBytes

  progress(`ingest, hub: ${M} registered devices publish for ${warmupS} + ${seconds} s`)
  const hubProfile = cpuProf ? join(tmp, 'prof-hub') : undefined
  const hub = await startHub(hubProfile ? { profileDir: hubProfile } : {})
  const since = Date.now()
  const hubFigures = await measureIngest(hub, { ...job, devices: devices.slice(0, M) })
  const stored = await fetchHubStored(hub.httpUrl!, token, devices.slice(0, M).map((d) => d.id), since)
  results.hub = { ...hubFigures, stored, profile: await stopBroker(hub, hubProfile, hubFigures.windowUs) }

  if (idleCounts.length > 0) {
    const idle = { counts: idleCounts, keepaliveS: 60, settleS, perProcess, fdLimit, probeFile }
    progress(`idle, raw aedes: ${idleCounts.join(', ')} devices`)
    const rawBroker = await startRaw({ fixedYoungGen: true })
    const rawIdle = await measureIdle(rawBroker, { ...idle, devices: anonymous }).finally(() => rawBroker.stop())
    progress(`idle, hub: ${idleCounts.join(', ')} devices`)
    const hubBroker = await startHub({ fixedYoungGen: true })
    const hubIdle = await measureIdle(hubBroker, { ...idle, devices }).finally(() => hubBroker.stop())
    results.idle = idleCounts.map((n, i) => ({ n, raw: rawIdle[i]!, hub: hubIdle[i]! }))
  }
  return results
}

const int = (v: number, width = 10): string => Math.round(v).toLocaleString('en-US').padStart(width)
const pct = (a: number, b: number): string => `${(100 * a / b).toFixed(0)} %`

function report(r: Results): void {
  const out: string[] = []
  const line = (s = ''): number => out.push(s)
  line(`edgefleet hub vs raw aedes 1.2: ${M} devices, QoS 1, window ${window}/device, ${items} predictions/message (${r.payloadBytes} B); warm-up ${warmupS} s, measured ${seconds} s; node ${process.version}`)
  line()
  const rows: [string, IngestFigures][] = []
  if (r.raw) rows.push(['raw aedes → 1 subscriber (delivered)', r.raw])
  if (r.hub) rows.push(['hub → SQLite (stored)', r.hub])
  line(`load average at start ${loadAtStart}, at end ${load()} (2 cores: above ~2, other work competes for the CPU)`)
  line()
  line(`${'ingest'.padEnd(38)}|      msg/s |  samples/s | CPU s/1000 msg | broker CPU | fleet CPU | subscriber CPU`)
  const rate = (f: IngestFigures): number => f.messages / f.seconds
  const cpuPer1000 = (f: IngestFigures): number => (1000 * f.brokerCpuS) / f.messages
  for (const [name, f] of rows) {
    line(`${name.padEnd(38)}| ${int(rate(f))} | ${int(rate(f) * items)} | ${cpuPer1000(f).toFixed(4).padStart(14)} | ${pct(f.brokerCpuS, f.seconds).padStart(10)} | ${pct(f.fleetCpuS, f.seconds).padStart(9)} | ${(f === r.raw ? pct(f.benchCpuS, f.seconds) : '-').padStart(14)}`)
  }
  if (r.raw && r.hub) {
    const ratio = pct(rate(r.hub), rate(r.raw)).padStart(10)
    line(`${'hub / raw'.padEnd(38)}| ${ratio} | ${ratio} | ${`${(cpuPer1000(r.hub) / cpuPer1000(r.raw)).toFixed(1)}×`.padStart(14)} |`)
  }
  line()
  if (r.raw) {
    const d = r.raw.done
    line(`raw aedes: the subscriber received ${int(r.raw.received, 0)} of ${int(d.acked, 0)} acknowledged messages${d.failed ? `; ${d.failed} not acknowledged (${d.firstError})` : ''}`)
  }
  if (r.hub) {
    const { done: d, stored: s } = r.hub
    const expected = d.acked * items
    const verdict = s.stored === expected ? 'equal' : `DIFFERENCE ${(s.stored - expected).toLocaleString('en-US')}`
    line(`hub: ${int(s.stored, 0)} predictions stored; acknowledged ${int(d.acked, 0)} messages × ${items} = ${int(expected, 0)}: ${verdict}` +
      ` (hub counters: ${int(s.messages, 0)} messages, ${s.duplicates} duplicates, ${s.invalid} invalid${d.failed ? `; ${d.failed} not acknowledged: ${d.firstError}` : ''})`)
  }
  if (r.idle.length > 0) {
    line()
    line('idle devices (keepalive 60 s, retained status, last will) | RSS KB/device: raw   hub (of raw) | JS heap KB/device: raw  hub | connect s: raw  hub')
    const kb = (f: IdleFigures, k: 'rssAfterGcKB' | 'heapUsedKB'): number => (f.after[k] - f.before[k]) / f.devices
    const fix = (v: number, width: number): string => v.toFixed(1).padStart(width)
    for (const { n, raw, hub } of r.idle) {
      const failed = raw.failed + hub.failed ? `  (failed: raw ${raw.failed}, hub ${hub.failed}: ${raw.firstError ?? hub.firstError})` : ''
      const ofRaw = `(${pct(kb(hub, 'rssAfterGcKB'), kb(raw, 'rssAfterGcKB'))})`.padStart(8)
      line(`${int(n, 57)} | ${fix(kb(raw, 'rssAfterGcKB'), 18)} ${fix(kb(hub, 'rssAfterGcKB'), 5)} ${ofRaw} | ${fix(kb(raw, 'heapUsedKB'), 22)} ${fix(kb(hub, 'heapUsedKB'), 4)} | ${fix(raw.connectS, 14)} ${fix(hub.connectS, 4)}${failed}`)
    }
    // the cost of each further device, free of whatever the first connections brought along
    for (let i = 1; i < r.idle.length; i++) {
      const [a, b] = [r.idle[i - 1]!, r.idle[i]!]
      const marginal = (x: IdleFigures, y: IdleFigures): number => (y.after.rssAfterGcKB - x.after.rssAfterGcKB) / (y.devices - x.devices)
      line(`  RSS KB per device from ${a.n} to ${b.n}: raw ${marginal(a.raw, b.raw).toFixed(1)}, hub ${marginal(a.hub, b.hub).toFixed(1)}`)
    }
    for (const { n, raw, hub } of r.idle) {
      const mb = (v: number): string => `${(v / 1024).toFixed(0)}`
      line(`  RSS MB before → after ${n} (after GC; without GC): raw ${mb(raw.before.rssAfterGcKB)} → ${mb(raw.after.rssAfterGcKB)} (${mb(raw.before.rssKB)} → ${mb(raw.after.rssKB)}), hub ${mb(hub.before.rssAfterGcKB)} → ${mb(hub.after.rssAfterGcKB)} (${mb(hub.before.rssKB)} → ${mb(hub.after.rssKB)})`)
    }
  }
  if (r.raw && r.hub) {
    line()
    const ingest = rate(r.hub) / rate(r.raw)
    line(`target: hub ingest ≥ 50 % of raw aedes: ${pct(rate(r.hub), rate(r.raw))} — ${ingest >= 0.5 ? 'met' : 'missed'}`)
    const last = r.idle.at(-1)
    if (last) {
      const perDevice = (last.hub.after.rssAfterGcKB - last.hub.before.rssAfterGcKB) / last.hub.devices
      line(`target: ≤ 20 KB hub memory per idle device: ${perDevice.toFixed(1)} KB at ${last.n} — ${perDevice <= 20 ? 'met' : 'missed'}`)
    }
  }
  for (const [name, f] of [['raw aedes', r.raw], ['hub', r.hub]] as const) {
    const p = f?.profile
    if (!p) continue
    line()
    line(`${name}: CPU profile of the ${p.windowed ? 'measured window' : 'whole run'}, ${(p.busyMs / 1000).toFixed(1)} s busy (self time)`)
    for (const g of p.groups.slice(0, 12)) line(`  ${(100 * g.share).toFixed(1).padStart(5)} %  ${g.name}`)
    line('  top functions:')
    for (const fn of p.functions.slice(0, 20)) line(`  ${(100 * fn.share).toFixed(1).padStart(5)} %  ${fn.name}`)
  }
  process.stdout.write(`${out.join('\n')}\n`)
}

try {
  report(await run())
} catch (err) {
  // after Ctrl-C the failures are the processes being stopped: nothing to report
  if (!stopping()) process.stderr.write(`hub benchmark failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
} finally {
  await cleanUp()
}

import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { dataPaths, REPO_ROOT, requireDataPath, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import type { JobView } from '@edgefleet/protocol'
import type { HubConfig } from '../config.ts'
import { ModelBlobs } from '../models/model-blobs.ts'
import { pushModel } from '../models/push-model.ts'
import { hubPaths } from '../paths.ts'
import type { DemoOptions } from './demo-command.ts'
import { startHub, untilSignal, type RunningHub } from './hub-server.ts'

const DEMO_TOKEN = 'demo'
const DEMO_SUBSCRIBER = 'demo-alerts'

/**
 * Starts the hub, registers demo devices and credentials, builds the gas-sensor model if needed, and
 * runs one agent process per device: the first replays the training period (batches 1-2), the others
 * the later batches (sensors aged for months), each shuffled into a stationary stream. Prints where everything is, then progress, until Ctrl-C.
 */
export async function runDemo(config: Readonly<HubConfig>, o: DemoOptions): Promise<void> {
  const dataDir = resolveDataDir(o.datasetDir)
  const gasDir = requireDataPath(dataPaths(dataDir).gasSensor, 'The gas-sensor CSVs')
  const { buildShipped } = await import('@edgefleet/models/build')
  process.stdout.write('edgefleet demo: building the gas-sensor model package if needed…\n')
  await buildShipped('gas-sensor', { dataDir })

  const hub = await startHub(config)
  const agents: ChildProcess[] = []
  try {
    const registry = hub.app.registry
    const devices: { id: string; secret: string }[] = []
    for (let i = 1; i <= o.agents; i++) {
      const id = `demo-${i}`
      const existing = await registry.getDevice(id)
      const secret = existing ? await registry.rotateDeviceSecret(id) : (await registry.addDevice(id, { site: 'demo', slot: String(i) })).secret
      devices.push({ id, secret })
    }
    // the agents start on the shipped version: registered, a rollout can go back to it
    await pushModel(shippedPackageDir('gas-sensor'), { registry, blobs: new ModelBlobs(hubPaths(config.dataDir).models), keys: hub.app.signingKeys })
      .catch((err: { code?: string }) => { if (err.code !== 'HUB_MODEL_VERSION_EXISTS' && err.code !== 'HUB_MODEL_VERSION_NOT_NEWER') throw err })
    const token = await freshCredential(hub, 'operator', DEMO_TOKEN)
    const subscriber = await freshCredential(hub, 'subscriber', DEMO_SUBSCRIBER)

    const batches = readdirSync(gasDir).filter((f) => /^batch\d+\.csv$/.test(f)).sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))
    // demo-1 replays the training period (batches 1-2), the others the later batches: healthy vs aged sensors
    const early = batches.filter((f) => /^batch[12]\.csv$/.test(f))
    const later = batches.filter((f) => !early.includes(f))
    const filesOf = (i: number): string[] =>
      devices.length === 1 ? batches : i === 0 ? early : later.filter((_, k) => k % (devices.length - 1) === i - 1)
    devices.forEach((device, i) => {
      const files = filesOf(i).map((f) => join(gasDir, f))
      const args = [
        // one process per agent (node with tsx's loader), so stopping it stops the agent itself
        '--import', 'tsx', join(REPO_ROOT, 'edge-agent/src/cli/main.ts'), 'run', '--model', 'gas-sensor',
        '--hub', hub.mqttUrl, '--device-id', device.id, '--state-dir', join(config.dataDir, 'agents', device.id),
        // the key that proves a rollout's models come from this hub
        '--hub-public-key', join(hubPaths(config.dataDir).keys, 'model-signing.pub'),
        '--columns', 'gas,concentration,*', '--label-column', 'gas', '--rate', String(o.rate), '--format', 'none',
        // the demo prints each device's drift state and every alert itself; agents only report errors
        '--log-level', 'error',
        // the CSVs are sorted by gas: a shuffled replay is a stationary stream of each device's batches
        '--shuffle', String(i + 1),
        // samples go up with their true gas 20 s later, as lab results would: drift then starts a retraining job
        '--send-labels', '--label-delay', '20s',
        ...files.flatMap((f) => ['--csv', f]),
      ]
      // own process group: a terminal's Ctrl-C reaches only the demo, which then stops each agent with
      // one SIGTERM so it drains its outbox (a second signal would cut the drain short)
      const child = spawn(process.execPath, args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, EDGEFLEET_DEVICE_SECRET: device.secret } })
      agents.push(child)
    })

    const port = new URL(hub.mqttUrl).port
    process.stdout.write(
      `\nedgefleet demo running: ${devices.length} agents replaying ${batches.length} gas-sensor batches at ${o.rate} readings/s each\n` +
        devices.map((d, i) => `  ${d.id.padEnd(10)} ${filesOf(i).map((f) => f.replace('.csv', '')).join(', ')}${i === 0 && devices.length > 1 ? ' (the training period: should stay ok)' : ''}\n`).join('') +
        `  API        ${hub.httpUrl}/api/v1/devices   (docs ${hub.httpUrl}/docs, metrics ${hub.httpUrl}/metrics)\n` +
        `             curl -H 'Authorization: Bearer ${token}' ${hub.httpUrl}/api/v1/devices\n` +
        `  MQTT       ${hub.mqttUrl}   (WebSocket ${hub.wsUrl})\n` +
        `  alerts     mosquitto_sub -h ${new URL(hub.mqttUrl).hostname} -p ${port} -u ${DEMO_SUBSCRIBER} -P '${subscriber}' -t 'ef/v1/alerts/drift/#' -v\n` +
        `  rollouts   EDGEFLEET_TOKEN=${token} EDGEFLEET_HUB_API=${hub.httpUrl} pnpm edgefleet rollout create --model gas-sensor@<version> --waves 34,67,100 --soak 30s --wait\n` +
        `             (register the version first: pnpm edgefleet model push <package-dir> --hub ${hub.httpUrl})\n` +
        `  dashboard  ${hub.httpUrl}/#token=${token}   (signs you in; the token stays out of the address bar)\n` +
        `  data       ${config.dataDir}\nCtrl-C stops everything.\n\n`,
    )
    const seen = new Set((await hub.app.registry.listAlerts({ limit: 1000 })).alerts.map((r) => r.alert.id))
    const timer = setInterval(() => void progress(hub, devices.map((d) => d.id), seen), 5000)
    await untilSignal()
    clearInterval(timer)
    process.stdout.write('stopping agents…\n')
  } finally {
    await Promise.all(agents.map((a) => stop(a)))
    await progress(hub, [], new Set())
    await hub.close()
  }
}

/**
 * A credential of the demo's with a new secret: `<name>.<secret>` for operators. The demo's token is admin:
 * whoever runs the demo owns the hub, and its dashboard should offer everything (devices included).
 */
async function freshCredential(hub: RunningHub, kind: 'operator' | 'subscriber', name: string): Promise<string> {
  await hub.app.registry.removeCredential(kind, name)
  if (kind === 'subscriber') return (await hub.app.registry.addCredential(kind, name)).secret
  return `${name}.${(await hub.app.registry.addCredential(kind, name, 'admin')).secret}`
}

/** One progress line (each device: presence, predictions, drift state), then any alert not shown before. */
async function progress(hub: RunningHub, ids: readonly string[], seen: Set<string>): Promise<void> {
  const devices = await hub.app.registry.listDevices({ tags: { site: 'demo' } })
  const drift = new Map((await hub.app.drift.snapshot()).filter((s) => s.deviceId !== null).map((s) => [s.deviceId!, s]))
  const parts = devices.filter((d) => ids.length === 0 || ids.includes(d.id)).map((d) => {
    const c = hub.app.ingest.counters.get(d.id)
    const s = drift.get(d.id)
    const state = !s || s.lastJudgedAt === null ? 'drift ?' : s.raised.length > 0 ? `DRIFTING (${s.raised.join(', ')})` : 'drift ok'
    return `${d.id} ${d.online ? 'online ' : 'offline'} ${c.predictions} predictions, ${state}`
  })
  const total = await hub.app.telemetry.countPredictions()
  const now = new Date().toISOString().slice(11, 19)
  process.stdout.write(`[${now}] ${parts.join(' | ')} | stored ${total}\n`)
  if (ids.length === 0) return
  const fresh = (await hub.app.registry.listAlerts({ limit: 50 })).alerts.filter((r) => !seen.has(r.alert.id)).reverse()
  for (const { alert } of fresh) {
    seen.add(alert.id)
    process.stdout.write(`[${now}] alert ${alert.state} (${alert.severity}): ${alert.message}\n`)
  }
  const labelled = (await hub.app.datasets.summary('gas-sensor')).labelled
  for (const job of (await hub.app.retraining.jobs.list({ limit: 5 })).reverse()) {
    const line = jobLine(job)
    if (seen.has(`job:${job.id}:${line}`)) continue
    seen.add(`job:${job.id}:${line}`)
    process.stdout.write(`[${now}] retraining ${line} (${labelled} labelled samples)\n`)
  }
}

/** What a demo user wants to know of a retraining job, changing only when its state or stage does. */
function jobLine(j: JobView): string {
  const e = j.evaluation
  const verdict = e ? `: ${e.metric} ${(e.candidate[e.metric]! * 100).toFixed(1)} % vs ${(e.current[e.metric]! * 100).toFixed(1)} % on the newest ${e.holdoutRows} labelled samples` : ''
  const stage = j.state === 'running' && j.progress ? ` (${j.progress.stage.replace(/^train: /, '')})` : ''
  const outcome = j.candidateVersion ? `, registered ${j.model}@${j.candidateVersion}${j.rolloutId ? `, canary rollout ${j.rolloutId}` : ''}` : ''
  return `job ${j.id} ${j.trigger} ${j.state}${stage}${verdict}${outcome}${j.error ? `: ${j.error.message}` : ''}`
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
  })
}

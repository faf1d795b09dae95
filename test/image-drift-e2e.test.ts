import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alertFilters, validators, type Alert, type AlertList, type DriftStateList } from '@edgefleet/protocol'
import { dataPaths, requireDataPath, resolveDataDir } from '@edgefleet/models'
import { afterEach, describe, expect, it } from 'vitest'
import { edgefleetJson, runAgent } from './helpers/agent-process.ts'
import { writeFrameDir, type FrameVariant } from './helpers/frame-variants.ts'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'
import { MOSQUITTO_SUB_MISSING, mosquittoSubBinary } from './helpers/mosquitto.ts'
import { startMosquittoSub } from './helpers/mosquitto-sub.ts'

/**
 * Drift of an image model, all real processes: a hub, four agents running UltraFace on directories of
 * frames (the photos as they are, darkened, blurred, noisy) and `mosquitto_sub` on the model's alert
 * topics. The drift features are the frames' image statistics and the detector's per-frame
 * statistics, judged against the package's reference by the same engine as tabular features.
 */
const binary = mosquittoSubBinary()
const faces = requireDataPath(dataPaths(resolveDataDir()).faces, 'The face photos')
const VARIANTS: readonly FrameVariant[] = ['unchanged', 'dark', 'blur', 'noise']
/** 15 passes over the 9 photos: 135 frames, four windows of 30 (UltraFace's default) and a partial one */
const PASSES = 15
const cleanup: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const edgefleet = edgefleetJson

it('runs against mosquitto_sub (required under CI)', (ctx) => {
  if (binary) return
  if (process.env.CI === 'true') throw new Error(MOSQUITTO_SUB_MISSING)
  ctx.skip(MOSQUITTO_SUB_MISSING)
})

describe.runIf(binary)('image drift end to end', () => {
  it('raises data drift for darkened, blurred and noisy frames, naming the statistics that moved, and nothing for the photos as they are', { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ef-image-drift-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const dataDir = join(dir, 'hub')
    const frames = new Map<FrameVariant, string>()
    for (const v of VARIANTS) frames.set(v, await writeFrameDir(join(dir, 'frames'), faces, v, PASSES))
    const devices = new Map<FrameVariant, { id: string; secret: string }>()
    for (const v of VARIANTS) devices.set(v, await edgefleet(['device', 'add', `cam-${v}`, '--data-dir', dataDir]))
    const subscriber = await edgefleet<{ name: string; secret: string }>(['subscriber', 'add', 'alerts', '--data-dir', dataDir])
    const { token } = await edgefleet<{ token: string }>(['token', 'add', 'ops', '--data-dir', dataDir])
    const hub: HubProcess = await startHubProcess({ dataDir, ports: await freePorts(3) })
    cleanup.push(() => hub.stop('SIGKILL'))

    const sub = startMosquittoSub(binary!, [
      '-h', '127.0.0.1', '-p', new URL(hub.mqttUrl).port, '-u', subscriber.name, '-P', subscriber.secret, '-i', 'image-drift-e2e',
      '-t', alertFilters.model('ultraface'), '-q', '1', '-v', '-d', '-W', '600',
    ])
    cleanup.push(() => sub.stop())
    await sub.waitFor(/Subscribed/)

    const runs = await Promise.all(VARIANTS.map((v) => runAgent(
      ['run', '--model', 'ultraface', '--backend', 'wasm', '--frames', frames.get(v)!, '--hub', hub.mqttUrl, '--device-id', devices.get(v)!.id,
        '--state-dir', join(dir, `agent-${v}`), '--format', 'none', '--drift-window-samples', '30', '--drain-timeout', '60', '--log-level', 'info'],
      { env: { EDGEFLEET_DEVICE_SECRET: devices.get(v)!.secret } },
    )))
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0)
      // frames do not fit in MQTT messages: training samples stay off, and the log says so once
      expect(run.stderr.match(/training samples are not uploaded for image models/g)).toHaveLength(1)
    }

    // every agent has drained its outbox, so the hub has judged every window it will judge: the three alerts are out
    const device = (v: FrameVariant): string => `ef/v1/alerts/drift/ultraface/cam-${v}/data-drift`
    await sub.waitFor(new RegExp(['dark', 'blur', 'noise'].map((v) => `(?=[\\s\\S]*${device(v as FrameVariant)} )`).join('')))
    await sub.stop()
    const alerts = new Map<string, Alert>()
    for (const line of (await sub.exited).stdout.split('\n').filter((l) => l.startsWith('ef/v1/alerts/'))) {
      const space = line.indexOf(' ')
      const alert = JSON.parse(line.slice(space + 1)) as Alert
      expect(validators.alert.check(alert)).toBe(true)
      alerts.set(line.slice(0, space), alert)
    }
    // nothing at all for the unchanged photos, on any kind
    expect([...alerts.keys()].filter((t) => t.includes('/cam-unchanged/'))).toEqual([])

    const drifted = (v: FrameVariant): string[] => {
      const alert = alerts.get(device(v))!
      expect(alert).toMatchObject({ kind: 'data-drift', state: 'raised', scope: 'device', deviceId: `cam-${v}`, model: { name: 'ultraface', version: '1.0.0' } })
      const ks = alert.signals.filter((s) => s.metric === 'ks')
      for (const s of ks) expect(s.value).toBeGreaterThan(s.threshold)
      return ks.map((s) => s.feature!)
    }
    const means = ['mean_r', 'mean_g', 'mean_b']
    const deviations = ['std_r', 'std_g', 'std_b']
    // darker: every channel's mean (and with it contrast, entropy and the Laplacian) moves
    expect(drifted('dark')).toEqual(expect.arrayContaining([...means, ...deviations, 'entropy', 'sharpness']))
    // out of focus: the Laplacian and the channels' spread move, the colours do not
    const blur = drifted('blur')
    expect(blur).toEqual(expect.arrayContaining(['sharpness', ...deviations]))
    for (const f of means) expect(blur).not.toContain(f)
    // noisy: the Laplacian and the spread move; greyscale entropy does not (these photos already use
    // ~7.5 of its 8 bits), and the means stay (zero-mean noise)
    const noise = drifted('noise')
    expect(noise).toEqual(expect.arrayContaining(['sharpness', ...deviations]))
    for (const f of [...means, 'entropy']) expect(noise).not.toContain(f)

    // the unchanged device's windows were judged (so "no alert" means clean windows, not silence)
    const api = async <T>(path: string): Promise<T> => (await fetch(`${hub.httpUrl}/api/v1/${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<T>
    const { scopes } = await api<DriftStateList>('drift?deviceId=cam-unchanged')
    expect(scopes).toHaveLength(1)
    expect(scopes[0]).toMatchObject({ model: { name: 'ultraface' }, raised: [], drifted: [], window: { count: 30 } })
    // and the raised alerts are stored: the REST list has them
    const list = await api<AlertList>('alerts?state=raised')
    expect(list.alerts.filter((a) => a.alert.scope === 'device').map((a) => a.alert.deviceId).sort()).toEqual(['cam-blur', 'cam-dark', 'cam-noise'])
  })
})

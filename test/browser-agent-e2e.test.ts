import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, loadHubConfig } from '@edgefleet/hub'
import { readPackage, shippedPackageDir } from '@edgefleet/models'
import { DETECTION_STATISTICS, IMAGE_STATISTICS } from '@edgefleet/models/vision'
import type { ChannelPayloads, DeployEvent, DeviceView, Manifest, UplinkChannel } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { launchCameraBrowser, writeFaceVideo, type CameraBrowser } from './browser-agent-camera.ts'
import { BROWSER_AGENT_INDEX } from './build-browser-agent.ts'
import { runCli } from './helpers/agent-process.ts'
import { CHROMIUM_MISSING, chromiumAvailable } from './helpers/browser.ts'
import { until } from './helpers/dashboard-ui.ts'
import { freePorts } from './helpers/free-ports.ts'

/**
 * The browser agent as a person uses it, every part real: a hub (in this process, so the test sees
 * each message its ingest stores) serving the built page at /agent, UltraFace registered and signed,
 * `edgefleet device add --link` printing the provisioning link, and headless Chromium whose camera
 * plays the data set's face photos. The page verifies, self-tests and serves the model and reports
 * over MQTT-over-WebSocket like any agent.
 */
interface Received {
  deviceId: string
  channel: UplinkChannel
  message: ChannelPayloads[UplinkChannel]
  outcome: string
}

let dir: string
let app: FastifyInstance | undefined
let browser: CameraBrowser | undefined
let httpUrl: string
let token: string
let video: string
let manifest: Manifest
const links = new Map<string, string>()
const received: Received[] = []

const CLI = 'hub/src/cli/main.ts'
const DEVICES = ['cam-wasm', 'cam-gpu']

const messages = <C extends UplinkChannel>(deviceId: string, channel: C, from = 0): ChannelPayloads[C][] =>
  received.slice(from).filter((r) => r.deviceId === deviceId && r.channel === channel).map((r) => r.message as ChannelPayloads[C])
const deployEvents = (deviceId: string, from = 0): DeployEvent[] =>
  messages(deviceId, 'events', from).flatMap((e) => (e.event.type === 'deploy' ? [e.event] : []))
const stepOutcome = (deviceId: string, step: DeployEvent['step'], from = 0): DeployEvent | undefined =>
  deployEvents(deviceId, from).find((e) => e.step === step && (e.state === 'succeeded' || e.state === 'failed'))

async function api<T>(method: 'GET' | 'PUT', url: string, payload?: object): Promise<T> {
  const res = await app!.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) })
  if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
  return res.json() as T
}

beforeAll(async () => {
  if (!chromiumAvailable()) return
  dir = await mkdtemp(join(tmpdir(), 'ef-browser-agent-'))
  const dataDir = join(dir, 'hub')
  const [httpPort, mqttPort, wsPort] = (await freePorts(3)) as [number, number, number]
  httpUrl = `http://127.0.0.1:${httpPort}`
  manifest = (await readPackage(shippedPackageDir('ultraface'))).manifest
  const pushed = await runCli(CLI, ['model', 'push', shippedPackageDir('ultraface'), '--data-dir', dataDir])
  if (pushed.code !== 0) throw new Error(`edgefleet model push ultraface failed:\n${pushed.stderr}`)
  const added = await runCli(CLI, ['token', 'add', 'ops', '--role', 'operator', '--data-dir', dataDir, '--json'])
  token = (JSON.parse(added.stdout) as { token: string }).token
  for (const id of DEVICES) {
    const device = await runCli(CLI, ['device', 'add', id, '--data-dir', dataDir, '--link', httpUrl, '--json'])
    if (device.code !== 0) throw new Error(`edgefleet device add ${id} --link failed:\n${device.stderr}`)
    links.set(id, (JSON.parse(device.stdout) as { link: string }).link)
  }
  video = join(dir, 'faces.y4m')
  await writeFaceVideo(video)

  app = await build({ config: loadHubConfig({ dataDir, host: '127.0.0.1', httpPort, mqttPort, wsPort, logLevel: 'silent' }, {}) })
  // every device message the hub's ingest handles, decoded, in the order it arrived, with whether it was stored
  const handle = app.ingest.handle.bind(app.ingest)
  vi.spyOn(app.ingest, 'handle').mockImplementation(async (deviceId, channel, payload) => {
    const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload)
    const entry: Received = { deviceId, channel, message: JSON.parse(text) as Received['message'], outcome: 'pending' }
    received.push(entry)
    const result = await handle(deviceId, channel, payload)
    entry.outcome = result.outcome
    return result
  })
  await app.listen({ host: '127.0.0.1', port: httpPort })
  await app.broker.start()
  for (const id of DEVICES) await api('PUT', `/devices/${id}/desired`, { model: 'ultraface@1.0.0' })
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

it('runs in Chromium (required under CI)', (ctx) => {
  if (chromiumAvailable()) return
  if (process.env.CI === 'true') throw new Error(CHROMIUM_MISSING)
  ctx.skip(CHROMIUM_MISSING)
})

describe.runIf(chromiumAvailable())('the browser agent, end to end', () => {
  it('a browser without a GPU opens its provisioning link, self-tests UltraFace, serves the camera on WASM and reports faces and drift', { timeout: 300_000 }, async () => {
    expect(existsSync(BROWSER_AGENT_INDEX), `${BROWSER_AGENT_INDEX} is missing: the global setup builds it (test/build-browser-agent.ts)`).toBe(true)
    const id = 'cam-wasm'
    const link = links.get(id)!
    expect(link).toMatch(new RegExp(`^${httpUrl}/agent#device=${id}&secret=[^&]+&key=[A-Za-z0-9_-]+$`))
    browser = await launchCameraBrowser(video)
    const { page } = browser
    await page.goto(link)

    // the secret leaves the address bar and stays in the browser's storage
    await until('the page connected', () => page.locator('#status-hub').getAttribute('data-tone'), (t) => t === 'good')
    expect(new URL(page.url()).hash).toBe('')
    expect(await page.evaluate(() => JSON.parse(localStorage.getItem('edgefleet.device') ?? '{}') as { deviceId?: string })).toMatchObject({ deviceId: id })
    // a second tab of the same browser waits instead of fighting the first for the connection
    const second = await browser.context.newPage()
    await second.goto(`${httpUrl}/agent`)
    await until('the second tab waiting', () => second.locator('#status-device').innerText(), (t) => /running in another tab/.test(t), 30_000)
    await second.close()

    // every activation step, in order; the signature checked with WebCrypto; the backend choice and its reason reported
    const last = await until('activation finished', async () => deployEvents(id).filter((e) => e.state === 'succeeded' || e.state === 'failed').at(-1), (e) => e?.state === 'failed' || e?.step === 'active', 120_000)
    expect(last).toMatchObject({ step: 'active', state: 'succeeded', model: { name: 'ultraface', version: '1.0.0' }, role: 'active' })
    const outcomes = deployEvents(id).filter((e) => e.state !== 'started' && e.state !== 'progress')
    expect(outcomes.map((e) => `${e.step}:${e.state}`)).toEqual(['received', 'download', 'verify-digest', 'verify-signature', 'load', 'self-test', 'swap', 'active'].map((s) => `${s}:succeeded`))
    expect(stepOutcome(id, 'verify-signature')!.message).toMatch(/WebCrypto Ed25519/)
    expect(stepOutcome(id, 'self-test')!.message).toMatch(/^serving on wasm: webgpu unavailable \(no WebGPU adapter.*\); wasm passed 2 self-test vector\(s\)/)
    await until('a status with the backend', async () => messages(id, 'status').at(-1), (s) => s?.backend === 'wasm' && s.model?.name === 'ultraface')

    // faces found in the photos, boxes inside the frame, stored by the hub
    const faces = await until('predictions with faces', async () => messages(id, 'pred').flatMap((p) => p.items).filter((i) => (i.detections?.length ?? 0) > 0).length, (n) => n >= 5, 60_000)
    expect(faces).toBeGreaterThanOrEqual(5)
    const preds = messages(id, 'pred')
    for (const p of preds) {
      expect(p.model).toEqual({ name: 'ultraface', version: '1.0.0' })
      for (const item of p.items) {
        for (const d of item.detections ?? []) {
          const [x1, y1, x2, y2] = d.box as [number, number, number, number]
          expect(0 <= x1 && x1 < x2 && x2 <= 1 && 0 <= y1 && y1 < y2 && y2 <= 1, `box ${d.box.join(',')}`).toBe(true)
          expect(d.score).toBeGreaterThan(manifest.postprocessing.type === 'detection' ? manifest.postprocessing.scoreThreshold : 0)
        }
      }
    }

    // a drift window over the manifest's reference features: the image statistics, then the detection statistics
    const [window] = await until('a drift window', async () => messages(id, 'drift'), (w) => w.length > 0, 90_000)
    expect(window!.features.map((f) => f.name)).toEqual(manifest.reference.features.map((f) => f.name))
    expect(manifest.reference.features.map((f) => f.name)).toEqual([...IMAGE_STATISTICS, ...DETECTION_STATISTICS])
    expect(window!.window.count).toBe(manifest.drift.windowSamples)
    expect(window!.features.every((f) => f.count === manifest.drift.windowSamples && f.missing === 0)).toBe(true)
    expect(window!.outputs.detectionCount).toBeGreaterThan(0)

    // the page draws the boxes over the video and counts the faces
    const drawn = await until('boxes drawn on the overlay', () => page.evaluate(() => {
      const canvas = document.getElementById('overlay') as HTMLCanvasElement
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
      let painted = 0
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++
      return { faces: Number(document.getElementById('faces')!.dataset.faces), painted }
    }), (d) => d.faces > 0 && d.painted > 0)
    expect(drawn.painted).toBeGreaterThan(100)

    // the hub stored every message, numbered in order, and lists the device on WASM
    const mine = received.filter((r) => r.deviceId === id && r.outcome !== 'pending')
    expect(mine.filter((r) => r.outcome !== 'stored').map((r) => `${r.channel}: ${r.outcome}`)).toEqual([])
    const seqs = mine.flatMap((r) => ('seq' in r.message ? [r.message.seq] : []))
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(new Set(seqs).size).toBe(seqs.length)
    const view = await api<DeviceView>('GET', `/devices/${id}`)
    expect(view).toMatchObject({ online: true, backend: 'wasm', model: { name: 'ultraface', version: '1.0.0' }, agentVersion: '0.1.0+browser' })
    expect(view.counters.invalid).toBe(0)
    expect(view.counters.predictions).toBeGreaterThan(0)

    // the network goes away: frames go on, their messages wait (counted on the page) and follow in order when it is back
    const before = received.length
    await browser.context.setOffline(true)
    const offlineAt = Date.now()
    await until('the page noticing it is offline', () => page.locator('#status-hub').getAttribute('data-tone'), (t) => t === 'bad')
    const waiting = await until('messages waiting while offline', async () => Number((await page.locator('#status-queue').innerText()).split(' ')[0]), (n) => n >= 3)
    expect(waiting).toBeGreaterThanOrEqual(3)
    await browser.context.setOffline(false)
    const onlineAt = Date.now()
    await until('the page back online', () => page.locator('#status-hub').getAttribute('data-tone'), (t) => t === 'good', 60_000)
    const caughtUp = await until('frames taken offline stored by the hub', async () => messages(id, 'pred', before).flatMap((p) => p.items).filter((i) => i.ts > offlineAt && i.ts < onlineAt).length, (n) => n > 0, 60_000)
    expect(caughtUp).toBeGreaterThan(0)
    // in order: a message whose acknowledgement was lost with the connection comes again (stored once), the rest follow it
    const firstArrivals = received.filter((r) => r.deviceId === id && r.outcome === 'stored').flatMap((r) => ('seq' in r.message ? [r.message.seq] : []))
    expect(firstArrivals).toEqual([...firstArrivals].sort((a, b) => a - b))
    expect(await page.locator('#status-queue').innerText()).not.toMatch(/dropped/)

    const fps = await page.locator('#status-fps').innerText()
    const latency = await page.locator('#status-latency').innerText()
    process.stdout.write(`browser agent, UltraFace on WASM in headless Chromium, 10 frames/s camera: ${fps} frames/s served, inference ${latency}\n`)
    // while offline, Chromium itself logs each failed connection attempt; nothing else may go wrong
    expect(browser.problems.filter((p) => !/^WebSocket connection to '.*' failed: .*ERR_INTERNET_DISCONNECTED/.test(p.text))).toEqual([])
    await browser.close()
    browser = undefined
    await until('the device offline after the tab closed', async () => (await api<DeviceView>('GET', `/devices/${id}`)).online, (online) => !online)
  })

  it('with WebGPU on SwiftShader: the page loads and self-tests WebGPU, keeps WASM because WebGPU is slower, and serves on WebGPU when asked', { timeout: 600_000 }, async () => {
    const id = 'cam-gpu'
    browser = await launchCameraBrowser(video, { gpu: true })
    const { page } = browser
    await page.goto(links.get(id)!)
    // what this machine offers: a WebGPU adapter on SwiftShader (Vulkan on the CPU)
    expect(await page.evaluate(async () => {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { architecture?: string } } | null> } }).gpu
      return (await gpu?.requestAdapter())?.info?.architecture ?? null
    })).toBe('swiftshader')

    const tested = await until('the self-test on both backends', async () => stepOutcome(id, 'self-test'), (e) => e !== undefined, 240_000)
    expect(stepOutcome(id, 'load')!.message).toMatch(/^wasm loaded; webgpu loaded on google swiftshader/)
    // WebGPU computes the same outputs, so it passes; the choice of WASM says why
    expect(tested!.state).toBe('succeeded')
    expect(tested!.message).toMatch(/^serving on wasm: webgpu passed 2 self-test vector\(s\) \(largest difference [0-9.e-]+\), \d+ ms per run; wasm passed 2 self-test vector\(s\), [0-9.]+ ms per run; webgpu is \d+× slower than wasm here$/)
    await until('a status on WASM', async () => messages(id, 'status').at(-1)?.backend, (b) => b === 'wasm')
    process.stdout.write(`browser agent with WebGPU on SwiftShader, ${tested!.message}\n`)

    // the same browser, asked for WebGPU: no link any more (the device is in its storage), served on WebGPU
    const from = received.length
    await page.goto(`${httpUrl}/agent?backend=webgpu`)
    const asked = await until('the self-test asked for WebGPU', async () => stepOutcome(id, 'self-test', from), (e) => e !== undefined, 240_000)
    expect(asked!.message).toMatch(/^serving on webgpu: webgpu passed .*; webgpu as asked \(\?backend=webgpu\)$/)
    await until('a status on WebGPU', async () => messages(id, 'status', from).at(-1)?.backend, (b) => b === 'webgpu')
    await until('a face found on WebGPU', async () => messages(id, 'pred', from).flatMap((p) => p.items).filter((i) => (i.detections?.length ?? 0) > 0).length, (n) => n > 0, 120_000)
    for (const item of messages(id, 'pred', from).flatMap((p) => p.items)) {
      for (const d of item.detections ?? []) expect(d.box.every((v) => v >= 0 && v <= 1)).toBe(true)
    }
    expect(await page.locator('#status-backend').innerText()).toMatch(/^webgpu — /)
    process.stdout.write(`browser agent serving on WebGPU (SwiftShader): inference ${await page.locator('#status-latency').innerText()}\n`)
    expect(received.filter((r) => r.deviceId === id && r.outcome !== 'stored' && r.outcome !== 'pending')).toEqual([])
    expect(browser.problems).toEqual([])
  })
})

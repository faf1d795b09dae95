import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, loadHubConfig } from '@edgefleet/hub'
import { shippedPackageDir } from '@edgefleet/models'
// the test suite's fake camera (Y4M of the face photos) and Chromium launcher: one implementation of each
import { launchCameraBrowser, writeFaceVideo } from '../test/browser-agent-camera.ts'
import { buildBrowserAgent } from '../test/build-browser-agent.ts'
import { runCli } from '../test/helpers/agent-process.ts'
import { chromiumAvailable } from '../test/helpers/browser.ts'
import { freePorts } from '../test/helpers/free-ports.ts'

/** The browser agent's figure: frames per second the page served and its mean inference time. */
export interface BrowserFrameRate {
  backend: string
  fps: number
  note: string
}

const CLI = 'hub/src/cli/main.ts'

/**
 * Runs the `/agent` page in headless Chromium (no GPU: onnxruntime-web WASM) on a fake camera playing
 * the photos at 60 frames/s — faster than the model, so the page, not the camera, sets the pace — and
 * reads the page's own frames-per-second and inference figures after `seconds` of serving.
 */
export async function browserFrameRate(o: { photos: readonly string[]; seconds: number }): Promise<BrowserFrameRate> {
  if (!chromiumAvailable()) return { backend: 'wasm', fps: Number.NaN, note: 'skipped: no Chromium at /usr/bin/chromium' }
  buildBrowserAgent()
  const dir = await mkdtemp(join(tmpdir(), 'ef-bench-browser-'))
  const dataDir = join(dir, 'hub')
  const [httpPort, mqttPort, wsPort] = (await freePorts(3)) as [number, number, number]
  const httpUrl = `http://127.0.0.1:${httpPort}`
  let app: Awaited<ReturnType<typeof build>> | undefined
  let browser: Awaited<ReturnType<typeof launchCameraBrowser>> | undefined
  try {
    const pushed = await runCli(CLI, ['model', 'push', shippedPackageDir('ultraface'), '--data-dir', dataDir])
    if (pushed.code !== 0) throw new Error(`model push failed: ${pushed.stderr}`)
    const added = await runCli(CLI, ['device', 'add', 'bench-cam', '--data-dir', dataDir, '--link', httpUrl, '--json'])
    if (added.code !== 0) throw new Error(`device add failed: ${added.stderr}`)
    const link = (JSON.parse(added.stdout) as { link: string }).link
    const tokenAdded = await runCli(CLI, ['token', 'add', 'bench', '--role', 'operator', '--data-dir', dataDir, '--json'])
    const token = (JSON.parse(tokenAdded.stdout) as { token: string }).token
    const video = join(dir, 'faces.y4m')
    await writeFaceVideo(video, { width: 640, height: 480, fps: 60 })
    app = await build({ config: loadHubConfig({ dataDir, host: '127.0.0.1', httpPort, mqttPort, wsPort, logLevel: 'silent' }, {}) })
    await app.listen({ host: '127.0.0.1', port: httpPort })
    await app.broker.start()
    const put = await app.inject({ method: 'PUT', url: '/api/v1/devices/bench-cam/desired', headers: { authorization: `Bearer ${token}` }, payload: { model: 'ultraface@1.0.0' } })
    if (put.statusCode !== 200) throw new Error(`PUT desired: ${put.statusCode} ${put.body}`)
    browser = await launchCameraBrowser(video)
    const { page } = browser
    await page.goto(link)
    await page.waitForFunction(() => Number.parseFloat(document.getElementById('status-fps')?.textContent ?? '') > 0, undefined, { timeout: 180_000 })
    await page.waitForTimeout(o.seconds * 1000)
    const read = (field: string): Promise<string> => page.locator(`#status-${field}`).innerText()
    const [fps, latency, backend] = await Promise.all([read('fps'), read('latency'), read('backend')])
    return { backend: backend.split(/[\s:(,]/)[0] || 'wasm', fps: Number.parseFloat(fps), note: `(page: ${fps} fps, inference ${latency}; camera 60 fps)` }
  } finally {
    await browser?.close()
    await app?.close()
    await rm(dir, { recursive: true, force: true })
  }
}

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dataPaths, resolveDataDir } from '@edgefleet/models'
import sharp from 'sharp'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH, type PageProblem } from './helpers/browser.ts'

/**
 * Writes a Y4M video (4:2:0, the format Chromium's `--use-file-for-fake-video-capture` plays in a loop)
 * of the data set's face photos, each fitted into `width × height` on grey and shown for one second at
 * `fps` frames per second. Returns how many photos it holds.
 */
export async function writeFaceVideo(file: string, o: { width?: number; height?: number; fps?: number } = {}): Promise<number> {
  const width = o.width ?? 640
  const height = o.height ?? 480
  const fps = o.fps ?? 10
  const dir = dataPaths(resolveDataDir()).faces
  const photos = (await readdir(dir)).filter((f) => /\.jpe?g$/i.test(f)).sort()
  const frames: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`)]
  for (const photo of photos) {
    const { data } = await sharp(join(dir, photo)).resize(width, height, { fit: 'contain', background: { r: 128, g: 128, b: 128 } }).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    const frame = Buffer.concat([Buffer.from('FRAME\n'), i420(data, width, height)])
    for (let i = 0; i < fps; i++) frames.push(frame)
  }
  await writeFile(file, Buffer.concat(frames))
  return photos.length
}

/** RGB → Y'CbCr 4:2:0 (BT.601, full range as JPEG), chroma averaged over each 2×2 block. */
function i420(rgb: Buffer, width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height * 1.5)
  const cw = width / 2
  const u0 = width * height
  const v0 = u0 + cw * (height / 2)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3
      out[y * width + x] = clamp(0.299 * rgb[p]! + 0.587 * rgb[p + 1]! + 0.114 * rgb[p + 2]!)
    }
  }
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      let r = 0, g = 0, b = 0
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const p = ((y + dy) * width + x + dx) * 3
        r += rgb[p]!; g += rgb[p + 1]!; b += rgb[p + 2]!
      }
      r /= 4; g /= 4; b /= 4
      const c = (y / 2) * cw + x / 2
      out[u0 + c] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)
      out[v0 + c] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)
    }
  }
  return out
}

function clamp(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)))
}

/** A Chromium whose camera is `video`, with the page errors it reported. */
export interface CameraBrowser {
  readonly context: BrowserContext
  readonly page: Page
  readonly problems: readonly PageProblem[]
  close(): Promise<void>
}

/**
 * Launches headless Chromium with a fresh profile and a fake camera playing `video`, the camera
 * allowed without a prompt. `gpu`: drop `--disable-gpu` and ask for WebGPU on SwiftShader (Vulkan on the CPU).
 */
export async function launchCameraBrowser(video: string, o: { gpu?: boolean } = {}): Promise<CameraBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'ef-chromium-agent-'))
  const base = o.gpu ? CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu') : CHROMIUM_ARGS
  const gpu = o.gpu ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--use-angle=swiftshader'] : []
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...base, ...gpu, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
      viewport: { width: 1280, height: 900 },
      timeout: 60_000,
    })
  } catch (err) {
    await rm(profile, { recursive: true, force: true })
    throw err
  }
  const problems: PageProblem[] = []
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => problems.push({ kind: 'pageerror', text: `${err.name}: ${err.message}`, url: page.url() }))
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push({ kind: 'console', text: m.text(), url: page.url() })
  })
  let closed: Promise<void> | undefined
  return {
    context,
    page,
    problems,
    close() {
      closed ??= context.close().catch(() => undefined).then(() => rm(profile, { recursive: true, force: true }))
      return closed
    },
  }
}

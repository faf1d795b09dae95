/**
 * The camera path: UltraFace RFB-320 frames per second, side by side in one run.
 *
 *   pnpm bench:camera [--seconds 5] [--no-browser]
 *
 * prepare    `prepareFrame` on the shared photos (decode JPEG, resize to 320×240, sharp stats, tensor):
 *            the agent's preprocessing per frame, in ms.
 * raw        `session.run` on prepared tensors in this process: wasm (onnxruntime-web, 1 thread, the
 *            agent's options) and native (onnxruntime-node, 1 thread). The ceiling of each backend.
 * agent      the agent library's pipeline on a directory of frames replayed in a loop (frame source →
 *            prepareFrame → queue → session.run → NMS → JSONL sink to /dev/null), wasm and native:
 *            frames/s and the share of wall time preprocessing takes when it is not overlapped.
 * browser    the `/agent` page in headless Chromium on a fake camera fed from the same photos
 *            (onnxruntime-web WASM in the page): frames/s and the page's own split of a frame's time.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createBackend, type BackendKind, type InferenceBackend } from '@edgefleet/edge-agent'
import { dataPaths, readPackage, requireDataPath, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import { prepareFrame, type PreparedFrame } from '@edgefleet/models/camera'
import { decodeDetections } from '@edgefleet/models/vision'
import type { ImagePreprocessing } from '@edgefleet/protocol'
import { agentFrameRates } from './camera-agent.ts'
import { browserFrameRate } from './camera-browser.ts'

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, browser: { type: 'boolean', default: true }, 'no-browser': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
})
if (values.help) {
  process.stdout.write('Usage: pnpm bench:camera [--seconds S per measurement, default 5] [--no-browser skip the Chromium row]\n')
  process.exit(0)
}
const seconds = Number(values.seconds)

const pkg = await readPackage(shippedPackageDir('ultraface')).catch((err: Error) => {
  process.stderr.write(`${err.message}\nBuild it first: pnpm edgefleet model build ultraface\n`)
  process.exit(1)
})
const input = pkg.manifest.inputs[0]!
const pre = input.preprocessing as ImagePreprocessing
const post = pkg.manifest.postprocessing
if (post.type !== 'detection') throw new Error('expected the ultraface detection package')
const facesDir = requireDataPath(dataPaths(resolveDataDir()).faces, 'The face photos')
const photos = readdirSync(facesDir).filter((f) => /\.jpe?g$/i.test(f)).sort().map((f) => join(facesDir, f))
const photoBytes = photos.map((p) => new Uint8Array(readFileSync(p)))
const onnx = new Uint8Array(readFileSync(pkg.onnxPath))

/** Runs `step` for `seconds` after a few warm-up calls; returns the mean ms per call and the calls made. */
async function timed(step: (i: number) => Promise<unknown>): Promise<{ ms: number; runs: number }> {
  for (let i = 0; i < 5; i++) await step(i)
  let runs = 0
  const t0 = performance.now()
  while (performance.now() - t0 < seconds * 1000) await step(runs++)
  return { ms: (performance.now() - t0) / runs, runs }
}

const row = (name: string, ms: number, note = ''): string => `${name.padEnd(34)} ${ms.toFixed(2).padStart(8)} ms ${(1000 / ms).toFixed(1).padStart(8)} /s  ${note}`

process.stdout.write(`UltraFace RFB-320 (${pre.width}×${pre.height}), ${photos.length} photos from ${facesDir}, ${seconds} s per row\n\n`)
const frames: PreparedFrame[] = []
for (const bytes of photoBytes) frames.push(await prepareFrame(bytes, pre))
const sizes = frames.map((f) => `${f.source.width}×${f.source.height}`)
process.stdout.write(`photo sizes: ${[...new Set(sizes)].join(', ')}\n`)

const prepare = await timed((i) => prepareFrame(photoBytes[i % photoBytes.length]!, pre))
process.stdout.write(`${row('prepare (decode+resize+stats+tensor)', prepare.ms)}\n`)

const raw: Partial<Record<BackendKind, number>> = {}
for (const kind of ['wasm', 'native'] as const) {
  let backend: InferenceBackend
  try {
    backend = await createBackend(kind, onnx, { threads: 1 })
  } catch (err) {
    process.stdout.write(`raw ${kind}: not available (${(err as Error).message})\n`)
    continue
  }
  try {
    let faces = 0
    const r = await timed(async (i) => {
      const f = frames[i % frames.length]!
      const out = await backend.run({ [input.name]: { data: f.tensor, dims: f.dims } })
      faces += decodeDetections(out['scores']!.data, out['boxes']!.data, post, f.transform).detections.length
    })
    raw[kind] = r.ms
    process.stdout.write(`${row(`raw session.run + NMS, ${kind}`, r.ms, `(${(faces / r.runs).toFixed(2)} faces/frame)`)}\n`)
  } finally {
    await backend.close()
  }
}
for (const kind of ['wasm', 'native'] as const) {
  const ms = raw[kind]
  if (ms !== undefined) process.stdout.write(`  preprocessing share if serial, ${kind}: ${((100 * prepare.ms) / (prepare.ms + ms)).toFixed(1)} %\n`)
}

process.stdout.write('\n')
for (const r of await agentFrameRates({ packageDir: shippedPackageDir('ultraface'), photos, seconds })) {
  process.stdout.write(`${row(`agent pipeline, ${r.backend}`, 1000 / r.fps, `(${r.frames} frames, ${r.faces.toFixed(2)} faces/frame)`)}\n`)
}

if (values.browser && !values['no-browser']) {
  process.stdout.write('\n')
  const b = await browserFrameRate({ photos, seconds })
  process.stdout.write(`${row(`browser /agent page, ${b.backend}`, 1000 / b.fps, b.note)}\n`)
}

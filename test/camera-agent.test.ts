import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dataPaths, readPackage, requireDataPath, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import type { Detection } from '@edgefleet/protocol'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseJsonl, runAgent } from './helpers/agent-process.ts'

/**
 * The camera path end to end: `edgefleet-agent run --model ultraface --frames DIR` on the WASM
 * backend over the real photos, checked against an independent computation written here from the
 * model's documentation (decode and resize with sharp, `(x - 127) / 128`, score > 0.7, greedy NMS at
 * IoU 0.3) and run on onnxruntime-node when it loads, else onnxruntime-web.
 */
const faces = requireDataPath(dataPaths(resolveDataDir()).faces, 'The face photos')
const photos = readdirSync(faces).filter((f) => f.endsWith('.jpg'))

type Ort = typeof import('onnxruntime-web')

async function referenceRuntime(): Promise<{ ort: Ort; kind: string }> {
  try {
    return { ort: (await import('onnxruntime-node')) as unknown as Ort, kind: 'onnxruntime-node' }
  } catch {
    return { ort: await import('onnxruntime-web'), kind: 'onnxruntime-web' }
  }
}

type PixelBox = [number, number, number, number]

/** UltraFace on one photo, computed independently of the agent: boxes in pixels of the photo, best first. */
async function referenceFaces(session: import('onnxruntime-web').InferenceSession, ort: Ort, file: string): Promise<{ width: number; height: number; boxes: PixelBox[] }> {
  const { width, height } = await sharp(file).metadata()
  const { data, info } = await sharp(file).resize(320, 240, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  expect(info).toMatchObject({ width: 320, height: 240, channels: 3 })
  const plane = 320 * 240
  const input = new Float32Array(3 * plane)
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) input[c * plane + p] = (data[p * 3 + c]! - 127) / 128
  const out = await session.run({ input: new ort.Tensor('float32', input, [1, 3, 240, 320]) })
  const scores = out['scores']!.data as Float32Array
  const boxes = out['boxes']!.data as Float32Array
  const order: number[] = []
  for (let i = 0; i < boxes.length / 4; i++) if (scores[i * 2 + 1]! > 0.7) order.push(i)
  order.sort((a, b) => scores[b * 2 + 1]! - scores[a * 2 + 1]!)
  const box = (i: number): number[] => Array.from(boxes.subarray(i * 4, i * 4 + 4))
  const iou = (a: number[], b: number[]): number => {
    const w = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!))
    const h = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!))
    const area = (r: number[]): number => Math.max(0, r[2]! - r[0]!) * Math.max(0, r[3]! - r[1]!)
    return (w * h) / (area(a) + area(b) - w * h)
  }
  const kept: number[][] = []
  for (const i of order) if (kept.every((k) => iou(k, box(i)) <= 0.3)) kept.push(box(i))
  const clip = (v: number, max: number): number => Math.min(max, Math.max(0, v))
  return {
    width: width!,
    height: height!,
    boxes: kept.map((b) => [clip(b[0]! * width!, width!), clip(b[1]! * height!, height!), clip(b[2]! * width!, width!), clip(b[3]! * height!, height!)]),
  }
}

interface AgentLine {
  id: string
  model: string
  latencyMs: number
  detections: Detection[]
}

describe('the agent on camera frames (UltraFace, WASM)', () => {
  let lines: AgentLine[]
  let summary: Record<string, unknown>
  beforeAll(async () => {
    const run = await runAgent(['run', '--model', 'ultraface', '--frames', faces, '--backend', 'wasm', '--format', 'jsonl', '--summary', '--json'])
    expect(run.code, run.stderr).toBe(0)
    lines = parseJsonl(run.stdout) as unknown as AgentLine[]
    summary = JSON.parse(run.stderr.trim().split('\n').at(-1)!) as Record<string, unknown>
  })

  it('predicts every photo, named by its file, in name order', () => {
    expect(lines.map((l) => l.id)).toEqual(['1.jpg', '2.jpg', '3.jpg', '5.jpg', '6.jpg', '8.jpg', '10.jpg', '11.jpg', '12.jpg'])
    expect(summary).toMatchObject({ predictions: 9, frames: 9, rejected: {} })
    expect(summary['meanPrepareMs']).toBeGreaterThan(0)
  })

  it('finds a face on every photo, every box inside the image', () => {
    for (const l of lines) {
      expect(l.detections.length, l.id).toBeGreaterThan(0)
      for (const d of l.detections) {
        expect(d).toMatchObject({ label: 'face' })
        expect(d.score).toBeGreaterThan(0.7)
        const [x1, y1, x2, y2] = d.box as PixelBox
        expect(0 <= x1 && x1 < x2 && x2 <= 1 && 0 <= y1 && y1 < y2 && y2 <= 1, `${l.id} ${d.box.join(', ')}`).toBe(true)
      }
    }
  })

  describe('matches an independent computation', () => {
    let reference: Map<string, Awaited<ReturnType<typeof referenceFaces>>>
    let runtime: string
    let close: (() => Promise<void>) | undefined
    beforeAll(async () => {
      const { ort, kind } = await referenceRuntime()
      runtime = kind
      const pkg = await readPackage(shippedPackageDir('ultraface'))
      const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(pkg.onnxPath)), { logSeverityLevel: 3 })
      close = () => session.release()
      reference = new Map()
      for (const f of photos) reference.set(f, await referenceFaces(session, ort, join(faces, f)))
    })
    afterAll(() => close?.())

    it('the same faces, every box within one pixel of the original image', () => {
      expect(['onnxruntime-node', 'onnxruntime-web']).toContain(runtime)
      for (const l of lines) {
        const ref = reference.get(l.id)!
        const agent = l.detections.map((d) => [d.box[0]! * ref.width, d.box[1]! * ref.height, d.box[2]! * ref.width, d.box[3]! * ref.height] as PixelBox)
        expect(agent.length, `${l.id}: ${agent.length} faces, the reference finds ${ref.boxes.length}`).toBe(ref.boxes.length)
        // matched by position, not by rank: near-equal scores may swap places between runtimes
        const unmatched = [...agent]
        for (const r of ref.boxes) {
          const at = unmatched.findIndex((a) => a.every((v, k) => Math.abs(v - r[k]!) <= 1))
          expect(at, `${l.id}: no agent box within 1 px of [${r.map((v) => v.toFixed(1)).join(', ')}]`).toBeGreaterThanOrEqual(0)
          unmatched.splice(at, 1)
        }
      }
    })
  })
})

describe('camera sources and models of the other kind', () => {
  it('refuses frames for a tabular model, and readings for an image model, before serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ef-camera-'))
    try {
      const csv = join(dir, 'readings.csv')
      writeFileSync(csv, '1,2,3\n')
      const frames = await runAgent(['run', '--model', 'gas-sensor', '--frames', faces, '--backend', 'wasm'])
      expect(frames.code).toBe(2)
      expect(frames.stderr).toMatch(/error AGENT_USAGE: frames:.* feeds camera frames, but gas-sensor@[\d.]+ reads tabular readings: give it --csv, --jsonl, --stdin or --mqtt-url/)
      const readings = await runAgent(['run', '--model', 'ultraface', '--csv', csv, '--backend', 'wasm'])
      expect(readings.code).toBe(2)
      expect(readings.stderr).toMatch(/error AGENT_USAGE: csv:.* feeds tabular readings, but ultraface@[\d.]+ is an image model: give it --frames DIR or --snapshot-url URL/)
      expect(readings.stdout).toBe('')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

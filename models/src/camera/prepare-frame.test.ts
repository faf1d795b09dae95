import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ImagePreprocessing } from '@edgefleet/protocol'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dataPaths, resolveDataDir } from '../data/data-dir.ts'
import { ImageError } from '../errors.ts'
import { makeTempDir } from '../package/test-fixture.ts'
import { mapBox } from '../vision/box-transform.ts'
import { imageStatistics } from '../vision/image-statistics.ts'
import { prepareFrame } from './prepare-frame.ts'

const FACE = join(dataPaths(resolveDataDir()).faces, '3.jpg') // 1024×768
const ULTRAFACE: ImagePreprocessing = { type: 'image', width: 320, height: 240, resize: 'stretch', channels: 'rgb', layout: 'nchw', scale: 1, mean: [127, 127, 127], std: [128, 128, 128] }

let tmp: { dir: string; cleanup: () => Promise<void> }
beforeAll(async () => {
  tmp = await makeTempDir()
})
afterAll(() => tmp?.cleanup())

/** A black `w × h` JPEG-free (PNG) image with a white rectangle, for geometry checks. */
async function rectangleImage(w: number, h: number, r: { left: number; top: number; width: number; height: number }): Promise<Uint8Array> {
  const white = await sharp({ create: { width: r.width, height: r.height, channels: 3, background: '#ffffff' } }).png().toBuffer()
  return sharp({ create: { width: w, height: h, channels: 3, background: '#000000' } }).composite([{ input: white, left: r.left, top: r.top }]).png().toBuffer()
}

/** Bounding box of model-input pixels whose first tensor channel is above `threshold`, normalised. */
function brightBox(tensor: Float32Array, w: number, h: number, threshold: number): number[] {
  let x1 = w, y1 = h, x2 = -1, y2 = -1
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (tensor[y * w + x]! > threshold) {
    x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x); y2 = Math.max(y2, y)
  }
  return [x1 / w, y1 / h, (x2 + 1) / w, (y2 + 1) / h]
}

describe('prepareFrame', () => {
  it("builds UltraFace's input from a photo: (x − 127) / 128 per RGB channel in nchw", async () => {
    const frame = await prepareFrame(FACE, ULTRAFACE)
    expect(frame.dims).toEqual([1, 3, 240, 320])
    expect(frame.source).toEqual({ width: 1024, height: 768 })
    expect(frame.transform).toEqual({ scaleX: 1, offsetX: 0, scaleY: 1, offsetY: 0 })
    const reference = await sharp(FACE).resize(320, 240, { fit: 'fill' }).raw().toBuffer()
    const n = 320 * 240
    for (const i of [0, 319, 160 + 120 * 320, n - 1]) {
      for (let c = 0; c < 3; c++) expect(frame.tensor[c * n + i]).toBeCloseTo((reference[i * 3 + c]! - 127) / 128, 6)
    }
  })

  it('takes bytes as well as a path, and gives sharp statistics of the resized frame', async () => {
    const bytes = new Uint8Array(await readFile(FACE))
    const frame = await prepareFrame(bytes, ULTRAFACE)
    expect(frame.tensor).toEqual((await prepareFrame(FACE, ULTRAFACE)).tensor)
    const pixels = new Uint8Array(await sharp(FACE).resize(320, 240, { fit: 'fill' }).raw().toBuffer())
    const port = imageStatistics(pixels, 320, 240, 3)
    frame.statistics.forEach((v, i) => expect(Math.abs(v - port[i]!)).toBeLessThan(1e-4))
  })

  it('lays out nhwc, swaps bgr and converts to grey', async () => {
    const rgb = await prepareFrame(FACE, ULTRAFACE)
    const nhwc = await prepareFrame(FACE, { ...ULTRAFACE, layout: 'nhwc', channels: 'bgr' })
    expect(nhwc.dims).toEqual([1, 240, 320, 3])
    const n = 320 * 240, i = 1234
    expect([nhwc.tensor[i * 3], nhwc.tensor[i * 3 + 1], nhwc.tensor[i * 3 + 2]]).toEqual([rgb.tensor[2 * n + i], rgb.tensor[n + i], rgb.tensor[i]])
    const grey = await prepareFrame(FACE, { ...ULTRAFACE, channels: 'gray', mean: [0], std: [1] })
    expect(grey.dims).toEqual([1, 1, 240, 320])
    expect(grey.tensor.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true)
  })

  it('letterboxes with black padding, and the box transform finds the source rectangle again', async () => {
    const rect = { left: 400, top: 300, width: 600, height: 400 }
    const image = await rectangleImage(1600, 900, rect)
    const pre: ImagePreprocessing = { ...ULTRAFACE, width: 320, height: 320, resize: 'letterbox' }
    const frame = await prepareFrame(image, pre)
    const n = 320 * 320
    // 1600×900 → 320×180, centred: rows 0..69 and 250..319 are padding, (0 − 127) / 128 in every channel
    for (const i of [0, 69 * 320 + 5, 250 * 320, n - 1]) for (let c = 0; c < 3; c++) expect(frame.tensor[c * n + i]).toBe(-127 / 128)
    const found = mapBox(frame.transform, brightBox(frame.tensor, 320, 320, 0))
    const expected = [rect.left / 1600, rect.top / 900, (rect.left + rect.width) / 1600, (rect.top + rect.height) / 900]
    found.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(0.01))
  })

  it('centre-crops, and the box transform finds the source rectangle again', async () => {
    const rect = { left: 700, top: 200, width: 300, height: 500 }
    const frame = await prepareFrame(await rectangleImage(1600, 900, rect), { ...ULTRAFACE, resize: 'crop' })
    const found = mapBox(frame.transform, brightBox(frame.tensor, 320, 240, 0))
    const expected = [rect.left / 1600, rect.top / 900, (rect.left + rect.width) / 1600, (rect.top + rect.height) / 900]
    found.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(0.01))
  })

  it('honours EXIF orientation', async () => {
    // pixels stored rotated a quarter turn back, with orientation 6 saying "turn a quarter clockwise to show"
    const stored = await sharp(FACE).rotate(-90).withMetadata({ orientation: 6 }).png().toBuffer()
    const frame = await prepareFrame(stored, ULTRAFACE)
    expect(frame.source).toEqual({ width: 1024, height: 768 })
    const upright = await prepareFrame(await sharp(FACE).png().toBuffer(), ULTRAFACE)
    let diff = 0
    for (let i = 0; i < frame.tensor.length; i++) diff += Math.abs(frame.tensor[i]! - upright.tensor[i]!)
    expect(diff / frame.tensor.length).toBeLessThan(0.02)
  })

  it('refuses bad input with a coded ImageError and keeps working afterwards', async () => {
    const bytes = new Uint8Array(await readFile(FACE))
    const missing = join(tmp.dir, 'missing.jpg')
    const notImage = join(tmp.dir, 'notes.jpg')
    await writeFile(notImage, 'not a photo')
    const cases: [Uint8Array | string, string][] = [
      [new TextEncoder().encode('hello, not an image'), 'IMAGE_DECODE_FAILED'],
      [bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'IMAGE_DECODE_FAILED'],
      [bytes.subarray(0, 200), 'IMAGE_DECODE_FAILED'],
      [new Uint8Array(0), 'IMAGE_EMPTY'],
      [missing, 'IMAGE_NOT_FOUND'],
      [notImage, 'IMAGE_DECODE_FAILED'],
    ]
    for (const [input, code] of cases) {
      const error = await prepareFrame(input, ULTRAFACE).then(() => null, (e: unknown) => e)
      expect(error, code).toBeInstanceOf(ImageError)
      expect((error as ImageError).code).toBe(code)
      expect((error as ImageError).message).toMatch(/: (pass|check)/)
    }
    expect((await prepareFrame(bytes, ULTRAFACE)).dims).toEqual([1, 3, 240, 320])
  })
})

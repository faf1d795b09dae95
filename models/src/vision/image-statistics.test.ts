import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { dataPaths, resolveDataDir } from '../data/data-dir.ts'
import { IMAGE_STATISTICS, imageStatistics } from './image-statistics.ts'

const FACES = dataPaths(resolveDataDir()).faces

/**
 * Largest difference to sharp allowed per statistic. Measured on the 9 photos: means, stds and the
 * dominant colour agree exactly (to float64 rounding); entropy and sharpness within 2.5e-5, since
 * libvips accumulates those in float32.
 */
const TOLERANCE: Record<(typeof IMAGE_STATISTICS)[number], number> = {
  mean_r: 1e-9, mean_g: 1e-9, mean_b: 1e-9,
  std_r: 1e-9, std_g: 1e-9, std_b: 1e-9,
  entropy: 1e-4, sharpness: 1e-4,
  dominant_r: 0, dominant_g: 0, dominant_b: 0,
}

async function sharpStatistics(pixels: Uint8Array, width: number, height: number): Promise<number[]> {
  const s = await sharp(pixels, { raw: { width, height, channels: 3 } }).stats()
  const [r, g, b] = s.channels
  return [r!.mean, g!.mean, b!.mean, r!.stdev, g!.stdev, b!.stdev, s.entropy, s.sharpness, s.dominant.r, s.dominant.g, s.dominant.b]
}

async function frame(file: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(join(FACES, file), { autoOrient: true }).resize(320, 240, { fit: 'fill' }).toColourspace('srgb').raw().toBuffer())
}

describe('imageStatistics', () => {
  const photos = readdirSync(FACES).filter((f) => f.endsWith('.jpg')).sort()

  it('has photos to compare on', () => {
    expect(photos.length).toBeGreaterThanOrEqual(9)
  })

  it.each(photos)('agrees with sharp stats() on %s at 320×240', async (file) => {
    const pixels = await frame(file)
    const expected = await sharpStatistics(pixels, 320, 240)
    const got = imageStatistics(pixels, 320, 240, 3)
    IMAGE_STATISTICS.forEach((name, i) => {
      expect(Math.abs(got[i]! - expected[i]!), name).toBeLessThanOrEqual(TOLERANCE[name])
    })
  })

  it('ignores alpha: RGBA pixels give the RGB figures', async () => {
    const rgb = await frame(photos[0]!)
    const rgba = new Uint8ClampedArray(320 * 240 * 4)
    for (let i = 0; i < 320 * 240; i++) rgba.set([rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!, i % 256], i * 4)
    expect(imageStatistics(rgba, 320, 240, 4)).toEqual(imageStatistics(rgb, 320, 240, 3))
  })

  it('matches sharp on a small synthetic frame with edges and ties', async () => {
    const w = 7, h = 5
    const pixels = new Uint8Array(w * h * 3)
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256
    const expected = await sharpStatistics(pixels, w, h)
    const got = imageStatistics(pixels, w, h, 3)
    IMAGE_STATISTICS.forEach((name, i) => expect(Math.abs(got[i]! - expected[i]!), name).toBeLessThanOrEqual(Math.max(TOLERANCE[name], 1e-9)))
  })

  it('gives zero spread for a flat frame and a single pixel', () => {
    const flat = imageStatistics(new Uint8Array(4 * 4 * 3).fill(100), 4, 4, 3)
    expect([...flat]).toEqual([100, 100, 100, 0, 0, 0, 0, 0, 104, 104, 104])
    expect(imageStatistics(Uint8Array.of(10, 20, 30), 1, 1, 3)[7]).toBe(0)
  })

  it('refuses a buffer of the wrong size', () => {
    expect(() => imageStatistics(new Uint8Array(10), 2, 2, 3)).toThrow(RangeError)
  })
})

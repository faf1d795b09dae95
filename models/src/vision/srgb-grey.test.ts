import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { greyPlane, srgbGrey } from './srgb-grey.ts'

describe('srgbGrey', () => {
  it("equals libvips' sRGB → B_W on every grey, and on 60 000 pseudo-random colours but for a few one level off", async () => {
    const n = 60_256
    const rgb = new Uint8Array(n * 3)
    for (let v = 0; v < 256; v++) rgb.fill(v, v * 3, v * 3 + 3)
    let s = 12345
    for (let i = 256 * 3; i < rgb.length; i++) rgb[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24
    const expected = await sharp(rgb, { raw: { width: n, height: 1, channels: 3 } }).toColourspace('b-w').raw().toBuffer()
    const grey = greyPlane(rgb, n, 3)
    const off: number[] = []
    for (let i = 0; i < n; i++) if (grey[i] !== expected[i]) off.push(expected[i]! - grey[i]!)
    expect(grey.subarray(0, 256)).toEqual(Uint8Array.from({ length: 256 }, (_, v) => v))
    // measured: 6 per million colours differ, by one level
    expect(off.length).toBeLessThanOrEqual(3)
    for (const d of off) expect(Math.abs(d)).toBe(1)
  })

  it('keeps greys and weights green most', () => {
    expect(srgbGrey(77, 77, 77)).toBe(77)
    expect(srgbGrey(0, 255, 0)).toBeGreaterThan(srgbGrey(255, 0, 0))
    expect(srgbGrey(255, 0, 0)).toBeGreaterThan(srgbGrey(0, 0, 255))
  })
})

import type { ImagePreprocessing } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { srgbGrey } from './srgb-grey.ts'
import { tensorDims, tensorFromPixels } from './tensor-from-pixels.ts'

const W = 4, H = 3
const base: ImagePreprocessing = { type: 'image', width: W, height: H, resize: 'stretch', channels: 'rgb', layout: 'nchw', scale: 1, mean: [127, 100, 50], std: [128, 64, 32] }
const pixels = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 53) % 256)
const at = (i: number, c: number): number => pixels[i * 3 + c]!

describe('tensorFromPixels', () => {
  it('normalises per channel into nchw', () => {
    const t = tensorFromPixels(pixels, 3, base)
    expect(tensorDims(base)).toEqual([1, 3, H, W])
    for (const i of [0, 5, 11]) for (let c = 0; c < 3; c++) expect(t[c * W * H + i]).toBeCloseTo((at(i, c) - base.mean[c]!) / base.std[c]!, 5)
  })

  it('interleaves for nhwc and swaps for bgr', () => {
    const pre: ImagePreprocessing = { ...base, layout: 'nhwc', channels: 'bgr' }
    const t = tensorFromPixels(pixels, 3, pre)
    expect(tensorDims(pre)).toEqual([1, H, W, 3])
    for (const i of [0, 7]) {
      expect(t[i * 3]).toBeCloseTo((at(i, 2) - 127) / 128, 5)
      expect(t[i * 3 + 1]).toBeCloseTo((at(i, 1) - 100) / 64, 5)
      expect(t[i * 3 + 2]).toBeCloseTo((at(i, 0) - 50) / 32, 5)
    }
  })

  it("uses libvips' greyscale for gray, scale, and one mean/std for all channels", () => {
    const pre: ImagePreprocessing = { ...base, channels: 'gray', scale: 1 / 255, mean: [0.5], std: [0.25] }
    const t = tensorFromPixels(pixels, 3, pre)
    expect(tensorDims(pre)).toEqual([1, 1, H, W])
    expect(t[6]).toBeCloseTo((srgbGrey(at(6, 0), at(6, 1), at(6, 2)) / 255 - 0.5) / 0.25, 5)
  })

  it('ignores alpha in RGBA pixels', () => {
    const rgba = new Uint8ClampedArray(W * H * 4)
    for (let i = 0; i < W * H; i++) rgba.set([at(i, 0), at(i, 1), at(i, 2), 7], i * 4)
    expect(tensorFromPixels(rgba, 4, base)).toEqual(tensorFromPixels(pixels, 3, base))
  })

  it('refuses pixels of another size and a zero std', () => {
    expect(() => tensorFromPixels(new Uint8Array(5), 3, base)).toThrow(RangeError)
    expect(() => tensorFromPixels(pixels, 3, { ...base, std: [1, 0, 1] })).toThrow(/std/)
  })
})

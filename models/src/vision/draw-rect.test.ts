import type { ImagePreprocessing } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { boxTransform, mapBox } from './box-transform.ts'
import { drawRect } from './draw-rect.ts'

const pre = (resize: ImagePreprocessing['resize'], width = 320, height = 240): ImagePreprocessing => ({
  type: 'image', width, height, resize, channels: 'rgb', layout: 'nchw', scale: 1, mean: [0], std: [1],
})

/** The inverse of the transform: a source-normalised box in model-normalised coordinates. */
function toModel(t: ReturnType<typeof boxTransform>, box: number[]): number[] {
  return [(box[0]! - t.offsetX) / t.scaleX, (box[1]! - t.offsetY) / t.scaleY, (box[2]! - t.offsetX) / t.scaleX, (box[3]! - t.offsetY) / t.scaleY]
}

describe('drawRect', () => {
  it('stretches the whole source onto the whole input', () => {
    expect(drawRect(1920, 1080, pre('stretch'))).toEqual({ sx: 0, sy: 0, sw: 1920, sh: 1080, dx: 0, dy: 0, dw: 320, dh: 240 })
  })

  it('letterboxes a wide frame with bars above and below, centred', () => {
    expect(drawRect(1920, 1080, pre('letterbox'))).toEqual({ sx: 0, sy: 0, sw: 1920, sh: 1080, dx: 0, dy: 30, dw: 320, dh: 180 })
    expect(drawRect(480, 640, pre('letterbox'))).toEqual({ sx: 0, sy: 0, sw: 480, sh: 640, dx: 70, dy: 0, dw: 180, dh: 240 })
  })

  it('crops the centre of a wide frame to the input aspect', () => {
    expect(drawRect(1920, 1080, pre('crop'))).toEqual({ sx: 240, sy: 0, sw: 1440, sh: 1080, dx: 0, dy: 0, dw: 320, dh: 240 })
    expect(drawRect(480, 640, pre('crop'))).toEqual({ sx: 0, sy: 140, sw: 480, sh: 360, dx: 0, dy: 0, dw: 320, dh: 240 })
  })

  it('refuses a zero-size source', () => {
    expect(() => drawRect(0, 10, pre('stretch'))).toThrow(RangeError)
  })
})

describe('boxTransform', () => {
  it('is the identity for stretch', () => {
    expect(boxTransform(1920, 1080, pre('stretch'))).toEqual({ scaleX: 1, offsetX: 0, scaleY: 1, offsetY: 0 })
  })

  it('maps the letterboxed content edges to the source edges', () => {
    const t = boxTransform(1920, 1080, pre('letterbox'))
    mapBox(t, [0, 30 / 240, 1, 210 / 240]).forEach((v, i) => expect(v).toBeCloseTo([0, 0, 1, 1][i]!, 12))
  })

  it('maps the crop window to the centre of the source', () => {
    const t = boxTransform(1920, 1080, pre('crop'))
    const box = mapBox(t, [0, 0, 1, 1])
    expect(box[0]).toBeCloseTo(240 / 1920, 12)
    expect(box[2]).toBeCloseTo(1680 / 1920, 12)
  })

  it.each(['stretch', 'letterbox', 'crop'] as const)('round-trips a source box through the model input (%s)', (resize) => {
    for (const [w, h] of [[1920, 1080], [480, 640], [333, 333], [1000, 3]] as const) {
      const t = boxTransform(w, h, pre(resize, 300, 200))
      const box = [0.3, 0.35, 0.6, 0.65]
      mapBox(t, toModel(t, box)).forEach((v, i) => expect(v).toBeCloseTo(box[i]!, 12))
    }
  })

  it('clips boxes to the image', () => {
    const t = boxTransform(1920, 1080, pre('letterbox'))
    expect(mapBox(t, [-0.1, 0, 1.2, 0.1])).toEqual([0, 0, 1, 0])
  })
})

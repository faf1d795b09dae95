import type { ImagePreprocessing } from '@edgefleet/protocol'
import { drawRect } from './draw-rect.ts'

/**
 * Maps a box normalised to the model input (0..1 of its width and height) to a box normalised to the
 * source image, undoing letterbox padding or a centre crop: per axis, `source = model · scale + offset`.
 * Plain data, so it can be posted to a worker or stored with a frame.
 */
export interface BoxTransform {
  scaleX: number
  offsetX: number
  scaleY: number
  offsetY: number
}

/** The {@link BoxTransform} of a `sourceWidth × sourceHeight` image placed by {@link drawRect}. */
export function boxTransform(sourceWidth: number, sourceHeight: number, pre: ImagePreprocessing): BoxTransform {
  const r = drawRect(sourceWidth, sourceHeight, pre)
  // model pixel u·W_in lies in the destination rectangle at (u·W_in − dx) / dw of it, which shows source
  // pixels sx + that · sw
  return {
    scaleX: (pre.width / r.dw) * (r.sw / sourceWidth),
    offsetX: (r.sx - (r.dx * r.sw) / r.dw) / sourceWidth,
    scaleY: (pre.height / r.dh) * (r.sh / sourceHeight),
    offsetY: (r.sy - (r.dy * r.sh) / r.dh) / sourceHeight,
  }
}

/**
 * A model-normalised `[x1, y1, x2, y2]` box in source-normalised coordinates, clipped to 0..1 (parts
 * of a box over letterbox padding or outside the frame are cut off).
 */
export function mapBox(t: BoxTransform, box: ArrayLike<number>): [number, number, number, number] {
  return [
    clip01(box[0]! * t.scaleX + t.offsetX),
    clip01(box[1]! * t.scaleY + t.offsetY),
    clip01(box[2]! * t.scaleX + t.offsetX),
    clip01(box[3]! * t.scaleY + t.offsetY),
  ]
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v
}

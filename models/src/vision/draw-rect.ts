import type { ImagePreprocessing } from '@edgefleet/protocol'

/**
 * Where a source image goes in the model input, as the arguments of canvas
 * `drawImage(source, sx, sy, sw, sh, dx, dy, dw, dh)`: the source rectangle (source pixels) drawn
 * stretched into the destination rectangle (model input pixels). All values are integers.
 */
export interface DrawRect {
  sx: number
  sy: number
  sw: number
  sh: number
  dx: number
  dy: number
  dw: number
  dh: number
}

/**
 * The placement of a `sourceWidth × sourceHeight` image in the model input `pre.width × pre.height`:
 * - `stretch`: the whole source onto the whole input;
 * - `letterbox`: the whole source, aspect kept, centred (offsets rounded down); the caller fills the rest
 *   with black first (the Node path pads with black too);
 * - `crop`: the centred source region with the input's aspect (offsets rounded down) onto the whole input.
 *
 * The Node path (`prepareFrame`) resizes with exactly these rectangles, and `boxTransform` undoes them.
 */
export function drawRect(sourceWidth: number, sourceHeight: number, pre: ImagePreprocessing): DrawRect {
  checkSize(sourceWidth, sourceHeight)
  const { width: w, height: h } = pre
  const full = { sx: 0, sy: 0, sw: sourceWidth, sh: sourceHeight, dx: 0, dy: 0, dw: w, dh: h }
  if (pre.resize === 'letterbox') {
    const s = Math.min(w / sourceWidth, h / sourceHeight)
    const dw = clampSize(Math.round(sourceWidth * s), w)
    const dh = clampSize(Math.round(sourceHeight * s), h)
    return { ...full, dx: Math.floor((w - dw) / 2), dy: Math.floor((h - dh) / 2), dw, dh }
  }
  if (pre.resize === 'crop') {
    const s = Math.max(w / sourceWidth, h / sourceHeight)
    const sw = clampSize(Math.round(w / s), sourceWidth)
    const sh = clampSize(Math.round(h / s), sourceHeight)
    return { ...full, sx: Math.floor((sourceWidth - sw) / 2), sy: Math.floor((sourceHeight - sh) / 2), sw, sh }
  }
  return full
}

function clampSize(v: number, max: number): number {
  return Math.min(max, Math.max(1, v))
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`source size must be positive integers, got ${width}×${height}`)
  }
}

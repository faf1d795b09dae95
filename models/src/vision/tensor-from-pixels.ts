import type { ImagePreprocessing } from '@edgefleet/protocol'
import { srgbGrey } from './srgb-grey.ts'

/** Number of tensor channels a preprocessing produces: 1 for `gray`, else 3. */
export function tensorChannels(pre: ImagePreprocessing): 1 | 3 {
  return pre.channels === 'gray' ? 1 : 3
}

/** The model input dimensions `[1, C, H, W]` (nchw) or `[1, H, W, C]` (nhwc) of a preprocessing. */
export function tensorDims(pre: ImagePreprocessing): number[] {
  const c = tensorChannels(pre)
  return pre.layout === 'nchw' ? [1, c, pre.height, pre.width] : [1, pre.height, pre.width, c]
}

/**
 * The model input tensor from interleaved 8-bit RGB or RGBA pixels already at `pre.width × pre.height`
 * (alpha ignored): channel order (`bgr` swaps; `gray` uses libvips' greyscale, as sharp does),
 * `x' = (x · scale − mean[c]) / std[c]` per tensor channel (a one-element `mean`/`std` applies to every
 * channel), then `nchw` or `nhwc` layout. The browser draws the frame onto a canvas of that size with
 * `drawRect`; the Node path (`prepareFrame`) gets the same pixels from libvips and calls this too, so
 * both produce identical tensors.
 */
export function tensorFromPixels(pixels: Uint8Array | Uint8ClampedArray, channels: 3 | 4, pre: ImagePreprocessing): Float32Array {
  const n = pre.width * pre.height
  if (pixels.length !== n * channels) {
    throw new RangeError(`expected ${n * channels} bytes for ${pre.width}×${pre.height}×${channels}, got ${pixels.length}`)
  }
  const c = tensorChannels(pre)
  const a = new Float64Array(c)
  const b = new Float64Array(c)
  for (let k = 0; k < c; k++) {
    const mean = pre.mean.length === 1 ? pre.mean[0] : pre.mean[k]
    const std = pre.std.length === 1 ? pre.std[0] : pre.std[k]
    if (mean === undefined || std === undefined || std === 0) {
      throw new RangeError(`image preprocessing needs mean and non-zero std for ${c} channel(s), got mean ${JSON.stringify(pre.mean)} std ${JSON.stringify(pre.std)}`)
    }
    // x' = x·a + b, folded once per channel
    a[k] = pre.scale / std
    b[k] = -mean / std
  }
  const out = new Float32Array(n * c)
  if (c === 1) {
    const a0 = a[0]!, b0 = b[0]!
    for (let i = 0, p = 0; i < n; i++, p += channels) out[i] = srgbGrey(pixels[p]!, pixels[p + 1]!, pixels[p + 2]!) * a0 + b0
    return out
  }
  // source channel feeding tensor channel 0 and 2 (bgr swaps them)
  const first = pre.channels === 'bgr' ? 2 : 0
  const last = 2 - first
  const a0 = a[0]!, a1 = a[1]!, a2 = a[2]!, b0 = b[0]!, b1 = b[1]!, b2 = b[2]!
  if (pre.layout === 'nchw') {
    for (let i = 0, p = 0; i < n; i++, p += channels) {
      out[i] = pixels[p + first]! * a0 + b0
      out[n + i] = pixels[p + 1]! * a1 + b1
      out[2 * n + i] = pixels[p + last]! * a2 + b2
    }
  } else {
    for (let i = 0, p = 0, q = 0; i < n; i++, p += channels, q += 3) {
      out[q] = pixels[p + first]! * a0 + b0
      out[q + 1] = pixels[p + 1]! * a1 + b1
      out[q + 2] = pixels[p + last]! * a2 + b2
    }
  }
  return out
}

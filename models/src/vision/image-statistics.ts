import { greyPlane } from './srgb-grey.ts'

/**
 * Per-frame image statistics, in the order of {@link imageStatistics}' result. These are the drift
 * feature names of image models: per-channel mean and standard deviation (0..255), greyscale entropy
 * (bits, 0..8), sharpness (standard deviation of the greyscale Laplacian) and the dominant colour
 * (centre of the most populated bin of a 16×16×16 RGB histogram).
 */
export const IMAGE_STATISTICS = [
  'mean_r', 'mean_g', 'mean_b',
  'std_r', 'std_g', 'std_b',
  'entropy', 'sharpness',
  'dominant_r', 'dominant_g', 'dominant_b',
] as const

/**
 * A TypeScript port of sharp's `stats()` (libvips 8.18) for browsers, on interleaved 8-bit RGB or RGBA
 * pixels (alpha ignored; a grey frame is passed as r = g = b). Returns a Float64Array in
 * {@link IMAGE_STATISTICS} order. Compute it on the frame at the model's input size, so the figures do
 * not depend on the camera's resolution.
 *
 * Definitions, as libvips computes them (sharp `src/stats.cc`):
 * - mean and std per channel, std with the n − 1 denominator (`vips_stats`);
 * - entropy: −Σ p·log2 p over the 256-bin histogram of the greyscale image (`vips_hist_entropy`),
 *   greyscale being libvips' sRGB → B_W conversion (luminance in linear light, see `srgb-grey.ts`);
 * - sharpness: std (n − 1) of the greyscale image convolved with the 3×3 Laplacian
 *   [0 1 0; 1 −4 1; 0 1 0] / 9, edges extended by copying the border pixels (`vips_conv`, `vips_deviate`);
 * - dominant colour: the most populated bin of a 16×16×16 histogram, reported as bin·16 + 8; the bin of
 *   a value v is ⌊16·v / 257⌋ (so 0..16 is bin 0 and 17..32 bin 1: measured on sharp for every v, it is
 *   not v >> 4); ties go to the lowest green, then red, then blue bin (libvips' `maxpos` scan order).
 *
 * Agreement with sharp on the real photos of the data set resized to 320×240: see `image-statistics.test.ts`.
 */
export function imageStatistics(pixels: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 3 | 4): Float64Array {
  const n = width * height
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`frame size must be positive integers, got ${width}×${height}`)
  }
  if (pixels.length !== n * channels) {
    throw new RangeError(`expected ${n * channels} bytes for ${width}×${height}×${channels}, got ${pixels.length}`)
  }
  const out = new Float64Array(IMAGE_STATISTICS.length)
  channelMoments(pixels, n, channels, out)
  const grey = greyPlane(pixels, n, channels)
  out[6] = greyEntropy(grey)
  out[7] = laplacianDeviation(grey, width, height)
  dominantColour(pixels, n, channels, out)
  return out
}

/** Writes mean (0..2) and n − 1 standard deviation (3..5) of the R, G and B channels. */
function channelMoments(pixels: ArrayLike<number>, n: number, channels: number, out: Float64Array): void {
  let s0 = 0, s1 = 0, s2 = 0, q0 = 0, q1 = 0, q2 = 0
  for (let p = 0; p < n * channels; p += channels) {
    const r = pixels[p]!, g = pixels[p + 1]!, b = pixels[p + 2]!
    s0 += r; s1 += g; s2 += b
    q0 += r * r; q1 += g * g; q2 += b * b
  }
  const sums = [s0, s1, s2]
  const squares = [q0, q1, q2]
  for (let c = 0; c < 3; c++) {
    out[c] = sums[c]! / n
    out[3 + c] = n > 1 ? Math.sqrt(Math.max(0, (squares[c]! - (sums[c]! * sums[c]!) / n) / (n - 1))) : 0
  }
}

function greyEntropy(grey: Uint8Array): number {
  const hist = new Float64Array(256)
  for (const v of grey) hist[v]!++
  let h = 0
  for (const count of hist) {
    if (count > 0) {
      const p = count / grey.length
      h -= p * Math.log2(p)
    }
  }
  return Math.abs(h)
}

/** Standard deviation (n − 1) of the Laplacian / 9 with copied edges; 0 for a single pixel, as sharp. */
function laplacianDeviation(grey: Uint8Array, width: number, height: number): number {
  const n = width * height
  if (n <= 1) return 0
  let sum = 0, sq = 0
  for (let y = 0; y < height; y++) {
    const row = y * width
    const up = (y > 0 ? y - 1 : 0) * width
    const down = (y < height - 1 ? y + 1 : y) * width
    for (let x = 0; x < width; x++) {
      const left = x > 0 ? x - 1 : 0
      const right = x < width - 1 ? x + 1 : x
      const v = (grey[up + x]! + grey[down + x]! + grey[row + left]! + grey[row + right]! - 4 * grey[row + x]!) / 9
      sum += v
      sq += v * v
    }
  }
  return Math.sqrt(Math.max(0, (sq - (sum * sum) / n) / (n - 1)))
}

/** Histogram bin (0..15) of each 8-bit value, as libvips bins it for sharp's dominant colour. */
const DOMINANT_BIN = Uint8Array.from({ length: 256 }, (_, v) => Math.floor((16 * v) / 257))

/** Writes the dominant colour (8..11) from a 4096-bin histogram indexed green, red, blue. */
function dominantColour(pixels: ArrayLike<number>, n: number, channels: number, out: Float64Array): void {
  const hist = new Uint32Array(4096)
  for (let p = 0; p < n * channels; p += channels) {
    hist[(DOMINANT_BIN[pixels[p + 1]!]! << 8) | (DOMINANT_BIN[pixels[p]!]! << 4) | DOMINANT_BIN[pixels[p + 2]!]!]!++
  }
  let best = 0
  for (let i = 1; i < 4096; i++) if (hist[i]! > hist[best]!) best = i
  out[8] = ((best >> 4) & 15) * 16 + 8
  out[9] = (best >> 8) * 16 + 8
  out[10] = (best & 15) * 16 + 8
}

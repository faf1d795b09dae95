import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'

/** How a camera's picture changed: as the photos are, darker, out of focus, or noisy. */
export type FrameVariant = 'unchanged' | 'dark' | 'blur' | 'noise'

/** Darkening factor, blur sigma (px of the original photo) and noise standard deviation (of 0..255) of the variants. */
export const VARIANT_SETTINGS = { brightness: 0.4, blurSigma: 5, noiseStd: 40 } as const

/** The encoded photo as `variant` changes it (the unchanged photo is the original file's bytes). */
async function variantOf(file: string, variant: Exclude<FrameVariant, 'unchanged'>): Promise<Uint8Array> {
  if (variant === 'dark') return sharp(file).modulate({ brightness: VARIANT_SETTINGS.brightness }).jpeg({ quality: 92 }).toBuffer()
  if (variant === 'blur') return sharp(file).blur(VARIANT_SETTINGS.blurSigma).jpeg({ quality: 92 }).toBuffer()
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true })
  const random = mulberry32(7)
  // a sum of three uniforms: near-Gaussian, standard deviation 0.5 before scaling
  const scale = VARIANT_SETTINGS.noiseStd / 0.5
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(data[i]! + (random() + random() + random() - 1.5) * scale)))
  return sharp(data, { raw: info }).jpeg({ quality: 92 }).toBuffer()
}

/**
 * A directory of `passes × photos` frames as a camera would leave them: `<dir>/<variant>/` holds each
 * photo once (changed as `variant` says), and `<dir>/<variant>-frames/` links to them pass after
 * pass (`00-1.jpg`, `00-2.jpg`, …, `01-1.jpg`, …), so a replay sees the photos again and again.
 */
export async function writeFrameDir(dir: string, photosDir: string, variant: FrameVariant, passes: number): Promise<string> {
  const photos = readdirSync(photosDir).filter((f) => f.endsWith('.jpg'))
  const store = join(dir, variant)
  const frames = join(dir, `${variant}-frames`)
  mkdirSync(store, { recursive: true })
  mkdirSync(frames, { recursive: true })
  for (const photo of photos) {
    const target = variant === 'unchanged' ? join(photosDir, photo) : join(store, photo)
    if (variant !== 'unchanged') writeFileSync(target, await variantOf(join(photosDir, photo), variant))
    for (let pass = 0; pass < passes; pass++) symlinkSync(target, join(frames, `${String(pass).padStart(2, '0')}-${photo}`))
  }
  return frames
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

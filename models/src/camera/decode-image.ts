import { readFile } from 'node:fs/promises'
import type { Metadata, SharpOptions } from 'sharp'
import { ImageError } from '../errors.ts'
import { loadSharp } from './load-sharp.ts'

/**
 * sharp options for camera frames: EXIF orientation applied on load, and `failOn: 'error'` so a
 * truncated or corrupt image is refused (sharp's default `warning` would also refuse photos with
 * harmless warnings, `none` would hand grey-filled frames to the model).
 */
export const FRAME_SHARP_OPTIONS = { autoOrient: true, failOn: 'error' } as const satisfies SharpOptions

/** An encoded image's bytes (read from disk when given a path), and its size after EXIF orientation. */
export interface EncodedImage {
  bytes: Uint8Array
  width: number
  height: number
}

/** Reads and checks an encoded image; every failure is an {@link ImageError}. */
export async function openImage(image: Uint8Array | string): Promise<EncodedImage> {
  const bytes = typeof image === 'string' ? await readImageFile(image) : image
  const what = typeof image === 'string' ? image : `the ${bytes.byteLength}-byte image`
  if (bytes.byteLength === 0) throw new ImageError('IMAGE_EMPTY', `${what} is empty: pass the bytes of a JPEG, PNG or WebP frame`)
  const sharp = await loadSharp()
  let meta: Metadata
  try {
    meta = await sharp(bytes, FRAME_SHARP_OPTIONS).metadata()
  } catch (cause) {
    throw imageError(cause, what)
  }
  const { width, height } = meta.autoOrient
  if (!width || !height) throw new ImageError('IMAGE_EMPTY', `${what} has no pixels (${width}×${height}): check the camera's capture settings`)
  return { bytes, width, height }
}

/** The {@link ImageError} for a sharp failure on `what`. */
export function imageError(cause: unknown, what: string): ImageError {
  const detail = cause instanceof Error ? cause.message : String(cause)
  if (/pixel limit/i.test(detail)) {
    return new ImageError('IMAGE_TOO_LARGE', `${what} has more pixels than sharp opens (${detail}): capture at a lower resolution`, { cause })
  }
  return new ImageError('IMAGE_DECODE_FAILED', `${what} cannot be decoded (${detail}): pass a complete JPEG, PNG, WebP, AVIF, GIF or TIFF image`, { cause })
}

async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path)
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw new ImageError('IMAGE_NOT_FOUND', `cannot read the image ${path} (${code ?? String(cause)}): check the path and its permissions`, { cause })
  }
}

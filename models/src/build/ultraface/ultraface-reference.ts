import { readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ImagePreprocessing, Manifest } from '@edgefleet/protocol'
import type { InferenceSession } from 'onnxruntime-web'
import sharp from 'sharp'
import { prepareFrame } from '../../camera/prepare-frame.ts'
import { DataDirError, dataPaths, requireDataPath, resolveDataDir } from '../../data/data-dir.ts'
import { featureReference } from '../../reference/feature-reference.ts'
import { DETECTION_STATISTICS, decodeDetections, type DetectionSettings } from '../../vision/decode-detections.ts'
import { IMAGE_STATISTICS } from '../../vision/image-statistics.ts'
import type { BuildProgress } from '../build-types.ts'
import { runFloat } from '../onnx/ort-session.ts'

/** Drift features of the ultraface package, in order: the image statistics, then the detector's. */
export const ULTRAFACE_FEATURES: readonly string[] = [...IMAGE_STATISTICS, ...DETECTION_STATISTICS]

/** Quantile bins per reference feature (the fewest allowed: a couple of hundred frames fill 16 well). */
const REFERENCE_BINS = 16

/**
 * One reference frame made from a photo: mirrored or not, then a window of `scale` × its width and
 * height, placed at `ax`, `ay` (0 = left/top edge, 0.5 = centred, 1 = right/bottom edge). Only geometry
 * changes, the natural variation of a camera's framing; brightness, blur and noise stay untouched, as
 * they are what drift must notice.
 */
export interface ReferenceView {
  flip: boolean
  scale: number
  ax: number
  ay: number
}

const FRAMINGS: readonly Omit<ReferenceView, 'flip'>[] = [
  { scale: 1, ax: 0.5, ay: 0.5 },
  ...[0.9, 0.8, 0.7, 0.6].map((scale) => ({ scale, ax: 0.5, ay: 0.5 })),
  ...[0.8, 0.7].flatMap((scale) => [[0, 0], [1, 0], [0, 1], [1, 1]].map(([ax, ay]) => ({ scale, ax: ax!, ay: ay! }))),
]

/** The views of every photo: 13 framings (full, 4 centred crops, 8 corner crops), each also mirrored. */
export const REFERENCE_VIEWS: readonly ReferenceView[] = [false, true].flatMap((flip) => FRAMINGS.map((f) => ({ flip, ...f })))

/** Names the reference set's recipe in the build stamp: change it when the views change. */
export const REFERENCE_SET_ID = 'faces: 13 framings x mirror, v1'

/** The face photos of the data directory, sorted; a DataDirError when the folder is missing or empty. */
export function facePhotos(dataDir?: string): string[] {
  const dir = requireDataPath(dataPaths(resolveDataDir(dataDir)).faces, 'the face photos (data/faces) for the ultraface reference statistics')
  const photos = readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort()
  if (photos.length === 0) throw new DataDirError(`${dir} holds no JPEG, PNG or WebP photos: the ultraface build needs the face photos; fetch the data again`)
  return photos.map((f) => join(dir, f))
}

/** A photo decoded once (EXIF orientation applied), to cut its views from. */
export interface DecodedPhoto {
  data: Uint8Array
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 }
}

/** Decodes an encoded photo to raw pixels. */
export async function decodePhoto(photo: Uint8Array): Promise<DecodedPhoto> {
  const { data, info } = await sharp(photo, { autoOrient: true }).raw().toBuffer({ resolveWithObject: true })
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info }
}

/** One view of a decoded photo, as lossless PNG bytes (what a camera would hand `prepareFrame`). */
export async function viewOf({ data, info }: DecodedPhoto, view: ReferenceView): Promise<Uint8Array> {
  const width = Math.max(1, Math.round(info.width * view.scale))
  const height = Math.max(1, Math.round(info.height * view.scale))
  const left = Math.round((info.width - width) * view.ax)
  const top = Math.round((info.height - height) * view.ay)
  let image = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).extract({ left, top, width, height })
  if (view.flip) image = image.flop()
  return new Uint8Array(await image.png({ compressionLevel: 0 }).toBuffer())
}

/** What the ultraface build needs to compute reference statistics. */
export interface ReferenceRun {
  session: InferenceSession
  photos: readonly string[]
  inputName: string
  pre: ImagePreprocessing
  post: DetectionSettings
  onProgress?: (p: BuildProgress) => void
}

/**
 * Reference statistics of the detector over every view of every photo: each frame goes through
 * `prepareFrame`, the model and `decodeDetections`, giving one row of {@link ULTRAFACE_FEATURES}.
 */
export async function ultrafaceReference(run: ReferenceRun): Promise<Manifest['reference']> {
  const total = run.photos.length * REFERENCE_VIEWS.length
  const columns = ULTRAFACE_FEATURES.map(() => new Float64Array(total))
  let row = 0
  let detections = 0
  for (const path of run.photos) {
    const photo = await decodePhoto(new Uint8Array(await readFile(path)))
    for (const view of REFERENCE_VIEWS) {
      const frame = await prepareFrame(await viewOf(photo, view), run.pre)
      const out = await runFloat(run.session, { [run.inputName]: { data: frame.tensor, dims: frame.dims } })
      const decoded = decodeDetections(out['scores']!, out['boxes']!, run.post, frame.transform)
      const values = [...frame.statistics, decoded.detections.length, decoded.topScore]
      values.forEach((v, j) => (columns[j]![row] = v))
      detections += decoded.detections.length
      row++
      run.onProgress?.({ stage: 'reference', done: row, total })
    }
  }
  return {
    sampleCount: total,
    source:
      `data/faces: ${run.photos.length} photos × ${REFERENCE_VIEWS.length} views (full frame, centred crops at 0.9/0.8/0.7/0.6, ` +
      'corner crops at 0.8/0.7, each also mirrored) = ' +
      `${total} frames resized to 320×240; features: ${IMAGE_STATISTICS.length} image statistics + detections and top score`,
    features: ULTRAFACE_FEATURES.map((name, j) => featureReference(name, columns[j]!, REFERENCE_BINS)),
    outputs: { meanDetections: detections / total },
  }
}

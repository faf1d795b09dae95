import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ImagePreprocessing, Manifest } from '@edgefleet/protocol'
import type { InferenceSession } from 'onnxruntime-web'
import { DataDirError, dataPaths, requireDataPath, resolveDataDir } from '../../data/data-dir.ts'
import { imageReference } from '../../reference/image-reference.ts'
import { REFERENCE_VIEWS } from '../../reference/image-views.ts'
import { DETECTION_STATISTICS, type DetectionSettings } from '../../vision/decode-detections.ts'
import { IMAGE_STATISTICS } from '../../vision/image-statistics.ts'
import type { BuildProgress } from '../build-types.ts'

export { REFERENCE_VIEWS, decodePhoto, viewOf, type DecodedPhoto, type ReferenceView } from '../../reference/image-views.ts'

/** Drift features of the ultraface package, in order: the image statistics, then the detector's. */
export const ULTRAFACE_FEATURES: readonly string[] = [...IMAGE_STATISTICS, ...DETECTION_STATISTICS]

/** Quantile bins per reference feature (the fewest allowed: a couple of hundred frames fill 16 well). */
const REFERENCE_BINS = 16

/** Names the reference set's recipe in the build stamp: change it when the views change. */
export const REFERENCE_SET_ID = 'faces: 13 framings x mirror, v1'

/** The face photos of the data directory, sorted; a DataDirError when the folder is missing or empty. */
export function facePhotos(dataDir?: string): string[] {
  const dir = requireDataPath(dataPaths(resolveDataDir(dataDir)).faces, 'the face photos (data/faces) for the ultraface reference statistics')
  const photos = readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort()
  if (photos.length === 0) throw new DataDirError(`${dir} holds no JPEG, PNG or WebP photos: the ultraface build needs the face photos; fetch the data again`)
  return photos.map((f) => join(dir, f))
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
 * Reference statistics of the detector over every view of every photo ({@link imageReference}: each
 * frame goes through `prepareFrame`, the model and `decodeDetections`, giving one row of
 * {@link ULTRAFACE_FEATURES}).
 */
export async function ultrafaceReference(run: ReferenceRun): Promise<Manifest['reference']> {
  const { reference, frames } = await imageReference({
    session: run.session,
    images: run.photos,
    views: REFERENCE_VIEWS,
    inputName: run.inputName,
    pre: run.pre,
    readout: { kind: 'detection', scores: 'scores', boxes: 'boxes', post: run.post },
    bins: REFERENCE_BINS,
    ...(run.onProgress ? { onProgress: run.onProgress } : {}),
  })
  return {
    sampleCount: reference.sampleCount,
    source:
      `data/faces: ${run.photos.length} photos × ${REFERENCE_VIEWS.length} views (full frame, centred crops at 0.9/0.8/0.7/0.6, ` +
      'corner crops at 0.8/0.7, each also mirrored) = ' +
      `${frames} frames resized to 320×240; features: ${IMAGE_STATISTICS.length} image statistics + detections and top score`,
    features: reference.features,
    outputs: reference.outputs,
  }
}

// Test-only helpers of the camera source tests; not exported from the package.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { dataPaths, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import type { ImagePreprocessing, Manifest } from '@edgefleet/protocol'
import type { Rejection, SourceContext, SourceRecord } from './source.ts'

/** The real photos of the data directory. */
export const FACES = dataPaths(resolveDataDir()).faces

/** UltraFace's preprocessing, from the built package. */
export function ultrafacePreprocessing(): ImagePreprocessing {
  const manifest = JSON.parse(readFileSync(join(shippedPackageDir('ultraface'), 'manifest.json'), 'utf8')) as Manifest
  return manifest.inputs[0]!.preprocessing as ImagePreprocessing
}

/** A source context that records what a camera source does; `room` bounds tryPush (live drops). */
export function frameContext(o: { room?: number; onRecord?: (r: SourceRecord) => void } = {}): SourceContext & { records: SourceRecord[]; rejections: Rejection[]; stop(): void } {
  const controller = new AbortController()
  const records: SourceRecord[] = []
  const rejections: Rejection[] = []
  const add = (r: SourceRecord): boolean => {
    if (controller.signal.aborted) return false
    if (o.room !== undefined && records.length >= o.room) return false
    records.push(r)
    o.onRecord?.(r)
    return true
  }
  return {
    features: [],
    image: ultrafacePreprocessing(),
    push: async (r) => add(r),
    tryPush: add,
    reject: (r) => void rejections.push(r),
    signal: controller.signal,
    records,
    rejections,
    stop: () => controller.abort(),
  }
}

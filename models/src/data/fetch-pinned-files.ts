import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { dataPaths } from './data-dir.ts'
import { downloadFile } from './download.ts'
import { downloadDefaults, relativeItem, type FetchContext, type FetchItemReport } from './fetch-context.ts'
import { isFileValid } from './file-digest.ts'
import { FACE_FILES, ULTRAFACE_FILES, resolveSourceUrl, type PinnedFile } from './sources.ts'

/** Step: `models/ultraface/` (both ONNX models and the licence). */
export function fetchUltraface(ctx: FetchContext): Promise<FetchItemReport[]> {
  return fetchPinnedFiles(ctx, 'ultraface', dataPaths(ctx.dest).ultraface, ctx.sources.ultrafaceBaseUrl, ULTRAFACE_FILES)
}

/** Step: `data/faces/` (the nine photographs). */
export function fetchFaces(ctx: FetchContext): Promise<FetchItemReport[]> {
  return fetchPinnedFiles(ctx, 'faces', dataPaths(ctx.dest).faces, ctx.sources.facesBaseUrl, FACE_FILES)
}

/** Downloads each file as is, skipping those already present with the pinned digest. */
async function fetchPinnedFiles(
  ctx: FetchContext,
  group: FetchItemReport['group'],
  dir: string,
  baseUrl: string,
  files: readonly PinnedFile[],
): Promise<FetchItemReport[]> {
  await mkdir(dir, { recursive: true })
  const reports: FetchItemReport[] = []
  for (const file of files) {
    const path = join(dir, file.name)
    const item = relativeItem(ctx, path)
    if (!ctx.force && (await isFileValid(path, file.sha256))) {
      reports.push({ group, item, status: 'skipped', receivedBytes: 0, files: [] })
      continue
    }
    const result = await downloadFile({
      ...downloadDefaults(ctx),
      url: resolveSourceUrl(baseUrl, file.urlPath),
      path,
      item,
      ...(file.sha256 ? { sha256: file.sha256 } : {}),
    })
    reports.push({ group, item, status: 'downloaded', receivedBytes: result.receivedBytes, files: [item] })
  }
  return reports
}

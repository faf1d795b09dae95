import { unzipSync, type UnzipFileInfo } from 'fflate'
import { DataFetchError } from './errors.ts'

const BATCH_ENTRY = /(?:^|\/)batch(\d+)\.dat$/i
const ZIP_ENTRY = /\.zip$/i
// macOS archivers add `__MACOSX/…/._batch1.dat` resource forks next to the real files.
const isJunk = (name: string): boolean => name.startsWith('__MACOSX/') || /(?:^|\/)\._/.test(name)

/** One `batchN.dat` found in the archive. */
export interface BatchFile {
  batch: number
  /** Where it was found, for messages: `archive.zip/Dataset/batch1.dat`. */
  entry: string
  bytes: Uint8Array
}

/**
 * The `batchN.dat` files of the UCI gas-sensor archive, in batch order. The batches sit in
 * `Dataset/` of the archive or of a zip inside it (both layouts have been published).
 * Throws DATA_FORMAT_INVALID, naming `archive`, when it is not a zip or holds no batch file.
 */
export function extractBatchFiles(zip: Uint8Array, archive: string): BatchFile[] {
  const batches = findBatches(zip, archive, 0)
  if (batches.length === 0) throw invalid(`${archive} holds no batchN.dat file`)
  return batches.sort((a, b) => a.batch - b.batch)
}

function findBatches(zip: Uint8Array, archive: string, depth: number): BatchFile[] {
  const entries = Object.entries(unzipOrThrow(zip, archive))
  const batches: BatchFile[] = []
  for (const [name, bytes] of entries) {
    const batch = Number(BATCH_ENTRY.exec(name)?.[1] ?? NaN)
    if (Number.isNaN(batch)) continue
    if (batches.some((b) => b.batch === batch)) throw invalid(`${archive} holds batch${batch}.dat twice`)
    batches.push({ batch, entry: `${archive}/${name}`, bytes })
  }
  // Look into nested archives only when this level has no batch file, and not forever.
  if (batches.length > 0 || depth >= 2) return batches
  for (const [name, bytes] of entries) {
    if (!ZIP_ENTRY.test(name)) continue
    const inner = findBatches(bytes, `${archive}/${name}`, depth + 1)
    if (inner.length > 0) return inner
  }
  return batches
}

function unzipOrThrow(zip: Uint8Array, archive: string): Record<string, Uint8Array> {
  const filter = (f: UnzipFileInfo): boolean =>
    !isJunk(f.name) && (BATCH_ENTRY.test(f.name) || ZIP_ENTRY.test(f.name))
  try {
    return unzipSync(zip, { filter })
  } catch (err) {
    throw new DataFetchError('DATA_FORMAT_INVALID', `${archive} is not a readable zip archive. ${NEXT}`, { cause: err })
  }
}

const NEXT = 'Check the gas-sensor source URL, or re-run with force to download it again.'

function invalid(what: string): DataFetchError {
  return new DataFetchError('DATA_FORMAT_INVALID', `${what}. ${NEXT}`)
}

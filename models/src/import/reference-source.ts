import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { CsvTrainError, ImportError } from '../errors.ts'
import { readTable, type Table } from '../table/csv-table.ts'

/** Reference data as the user gave it: a table of inputs (tabular models) or a folder of images. */
export type ReferenceSource = { kind: 'table'; table: Table } | { kind: 'images'; dir: string; images: string[] }

/** Image files the image reference reads (what sharp decodes), by extension. */
export const IMAGE_FILE = /\.(jpe?g|png|webp|avif|gif|tiff?)$/i

/** Rows read from a reference table unless the spec says otherwise. */
export const DEFAULT_REFERENCE_ROWS = 5000

/**
 * Opens the reference data: a directory is a folder of images (sorted by name), a file a CSV or
 * JSONL table of inputs (at most `maxRows` rows). IMPORT_REFERENCE_INVALID when it cannot be read.
 */
export async function openReference(path: string, maxRows = DEFAULT_REFERENCE_ROWS): Promise<ReferenceSource> {
  let isDir: boolean
  try {
    isDir = statSync(path).isDirectory()
  } catch (cause) {
    throw new ImportError('IMPORT_REFERENCE_INVALID', `no reference data at ${path}: give a CSV or JSONL file of model inputs, or a folder of images`, { cause })
  }
  if (isDir) {
    const images = readdirSync(path).filter((f) => IMAGE_FILE.test(f)).sort().map((f) => join(path, f))
    if (images.length === 0) throw new ImportError('IMPORT_REFERENCE_INVALID', `${path} holds no images (JPEG, PNG, WebP, AVIF, GIF or TIFF): the reference of an image model is a folder of frames like the ones the camera will take`)
    return { kind: 'images', dir: path, images }
  }
  try {
    return { kind: 'table', table: await readTable(path, { maxRows }) }
  } catch (cause) {
    if (cause instanceof CsvTrainError) throw new ImportError('IMPORT_REFERENCE_INVALID', `reference data: ${cause.message}`, { cause })
    throw cause
  }
}

/** The table's columns that can be features: all but the label and id columns the spec names. */
export function candidateFeatures(table: Table, exclude: readonly (string | undefined)[]): string[] | undefined {
  if (!table.named) return undefined
  const skip = new Set(exclude.filter((c): c is string => c !== undefined))
  return table.columns.filter((c) => !skip.has(c))
}

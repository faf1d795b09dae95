import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { sha256File } from '../package/sha256-file.ts'

/**
 * Version of the builders' output format. Bump it whenever a builder would write a different package
 * from the same inputs (new manifest fields, training changes), so stamped packages get rebuilt.
 */
export const BUILDER_VERSION = 2

/** File in a package directory recording what it was built from. */
export const STAMP_FILE = '.build-stamp'

/**
 * The stamp of a build: sha256 over the builder version, the package name, the build parameters and
 * the sha256 of each input file. Equal stamps mean the build would produce the same package.
 */
export async function computeStamp(name: string, inputFiles: readonly string[], params: Record<string, number | string>): Promise<string> {
  const files = []
  for (const path of inputFiles) files.push({ file: basename(path), sha256: await sha256File(path) })
  const sortedParams = Object.fromEntries(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)))
  const text = JSON.stringify({ builderVersion: BUILDER_VERSION, name, params: sortedParams, files })
  return createHash('sha256').update(text).digest('hex')
}

/** The stamp recorded in a package directory, or null when there is none. */
export async function readStamp(dir: string): Promise<string | null> {
  try {
    return (await readFile(join(dir, STAMP_FILE), 'utf8')).trim()
  } catch {
    return null
  }
}

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { dataPaths } from './data-dir.ts'
import { downloadFile } from './download.ts'
import { DataFetchError } from './errors.ts'
import { downloadDefaults, relativeItem, type FetchContext, type FetchItemReport } from './fetch-context.ts'
import { isFileValid, sha256Of } from './file-digest.ts'
import { extractBatchFiles } from './gas-sensor-archive.ts'
import { datToCsv } from './gas-sensor-dat.ts'

/** Records which CSVs a fetch wrote and their digests, so a later run can tell they are complete. */
const MANIFEST = '.edgefleet-fetch.json'
/** The archive is downloaded here, converted, then removed. */
const ARCHIVE = '.uci-gas-sensor-archive.zip'

interface Manifest {
  source: string
  files: Record<string, string>
}

/**
 * Step: `data/gas-sensor-drift/batchN.csv` for every batch in the UCI archive. Downloads the
 * archive, converts every batch in memory (so a malformed one leaves nothing behind), then writes
 * each CSV atomically and the manifest last.
 */
export async function fetchGasSensor(ctx: FetchContext): Promise<FetchItemReport[]> {
  const dir = dataPaths(ctx.dest).gasSensor
  const item = relativeItem(ctx, dir)
  if (!ctx.force && (await isComplete(dir))) {
    return [{ group: 'gas-sensor', item, status: 'skipped', receivedBytes: 0, files: [] }]
  }
  await mkdir(dir, { recursive: true })
  await rm(join(dir, MANIFEST), { force: true })
  const archive = join(dir, ARCHIVE)
  const url = ctx.sources.gasSensorZip
  const download = (fresh: boolean) => downloadFile({ ...downloadDefaults(ctx), fresh, url, path: archive, item })
  try {
    let result = await download(ctx.force)
    let receivedBytes = result.receivedBytes
    let csvs: Map<string, string>
    try {
      csvs = convertArchive(await readFile(archive), url)
    } catch (err) {
      // Bytes kept from an earlier run may belong to an older upstream archive: start over once.
      if (!(result.resumedEarlierPart && err instanceof DataFetchError)) throw err
      result = await download(true)
      receivedBytes += result.receivedBytes
      csvs = convertArchive(await readFile(archive), url)
    }
    const files = await writeCsvs(dir, csvs, url)
    return [{ group: 'gas-sensor', item, status: 'downloaded', receivedBytes, files: files.map((f) => relativeItem(ctx, f)) }]
  } finally {
    await rm(archive, { force: true })
  }
}

/** CSV text by file name (`batch1.csv` …) for every batch in the archive. */
function convertArchive(zip: Uint8Array, url: string): Map<string, string> {
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'archive.zip')
  const decoder = new TextDecoder('utf-8')
  const csvs = new Map<string, string>()
  for (const batch of extractBatchFiles(zip, name)) {
    csvs.set(`batch${batch.batch}.csv`, datToCsv(decoder.decode(batch.bytes), batch.entry).csv)
  }
  return csvs
}

async function writeCsvs(dir: string, csvs: Map<string, string>, source: string): Promise<string[]> {
  const manifest: Manifest = { source, files: {} }
  const written: string[] = []
  for (const [name, csv] of csvs) {
    const path = join(dir, name)
    await writeAtomically(path, csv)
    manifest.files[name] = sha256Of(csv)
    written.push(path)
  }
  await writeAtomically(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`)
  return written
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.part`, text)
  await rename(`${path}.part`, path)
}

/** True when the manifest of an earlier fetch is there and every CSV it lists still matches. */
async function isComplete(dir: string): Promise<boolean> {
  let manifest: unknown
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8'))
  } catch {
    return false
  }
  const files = (manifest as Partial<Manifest> | null)?.files
  if (typeof files !== 'object' || files === null || Object.keys(files).length === 0) return false
  for (const [name, digest] of Object.entries(files)) {
    if (!/^batch\d+\.csv$/.test(name) || typeof digest !== 'string') return false
    if (!(await isFileValid(join(dir, name), digest))) return false
  }
  return true
}

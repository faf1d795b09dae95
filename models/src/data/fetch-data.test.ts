import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { csvToDat, sharedCsv, sharedData, uciZip } from './gas-sensor-fixtures.ts'
import { DataFetchError, dataPaths, fetchData, type DataSources, type FetchOptions } from './index.ts'
import { FACE_FILES } from './sources.ts'
import { startOrigin, type OriginRoute, type TestOrigin } from './test-origin.ts'

const shared = sharedData()
const ONNX = ['version-RFB-320.onnx', 'version-slim-320.onnx']
const FACES = FACE_FILES.map((f) => f.name)
const dat = (batch: number, eol?: string): string => csvToDat(sharedCsv(batch).toString('utf8'), eol)

/** Routes laid out like the upstream hosts, serving the shared files. */
function upstream(gasZip: Uint8Array, overrides: Record<string, Partial<OriginRoute>> = {}): Record<string, OriginRoute> {
  const routes: Record<string, OriginRoute> = { '/uci/gas.zip': { body: gasZip } }
  for (const f of ONNX) routes[`/uf/models/onnx/${f}`] = { body: readFileSync(join(shared.ultraface, f)) }
  routes['/uf/LICENSE'] = { body: readFileSync(join(shared.ultraface, 'LICENSE')) }
  for (const f of FACES) routes[`/uf/imgs/${f}`] = { body: readFileSync(join(shared.faces, f)) }
  for (const [path, o] of Object.entries(overrides)) routes[path] = { ...routes[path]!, ...o }
  return routes
}

async function setup(routes: Record<string, OriginRoute>): Promise<{ origin: TestOrigin; dest: string; opts: FetchOptions }> {
  const origin = await startOrigin(routes)
  const dest = await mkdtemp(join(tmpdir(), 'edgefleet-fetch-'))
  onTestFinished(async () => {
    await origin.close()
    await rm(dest, { recursive: true, force: true })
  })
  const sources: DataSources = {
    gasSensorZip: `${origin.url}/uci/gas.zip`,
    ultrafaceBaseUrl: `${origin.url}/uf/`,
    facesBaseUrl: `${origin.url}/uf/imgs`,
  }
  return { origin, dest, opts: { dest, sources, retryDelayMs: 0 } }
}

const same = (a: string, b: string): boolean => readFileSync(a).equals(readFileSync(b))

describe('fetchData', () => {
  it('lays out the data like the shared directory, then skips everything on a second run', async () => {
    const { origin, dest, opts } = await setup(upstream(uciZip({ 1: dat(1), 4: dat(4), 5: dat(5, '\r\n') }, 'flat')))
    const done: string[] = []
    const report = await fetchData({ ...opts, onProgress: (p) => p.done && done.push(p.item) })

    const paths = dataPaths(dest)
    expect(readdirSync(paths.gasSensor).sort()).toEqual(['.edgefleet-fetch.json', 'batch1.csv', 'batch4.csv', 'batch5.csv'])
    for (const n of [1, 4, 5]) expect(readFileSync(join(paths.gasSensor, `batch${n}.csv`))).toEqual(sharedCsv(n))
    for (const f of [...ONNX, 'LICENSE']) expect(same(join(paths.ultraface, f), join(shared.ultraface, f))).toBe(true)
    expect(readdirSync(paths.faces).sort()).toEqual([...FACES].sort())
    for (const f of FACES) expect(same(join(paths.faces, f), join(shared.faces, f))).toBe(true)

    expect(report.items.map((i) => i.status)).toEqual(Array(13).fill('downloaded'))
    expect(report.filesWritten).toEqual([
      ...[1, 4, 5].map((n) => `data/gas-sensor-drift/batch${n}.csv`),
      ...[...ONNX, 'LICENSE'].map((f) => `models/ultraface/${f}`),
      ...FACES.map((f) => `data/faces/${f}`),
    ])
    expect(done).toEqual(['data/gas-sensor-drift', ...report.filesWritten.slice(3)])
    expect(report.receivedBytes).toBe(report.items.reduce((s, i) => s + i.receivedBytes, 0))

    const requestsBefore = origin.requests.length
    const again = await fetchData(opts)
    expect(again.items.map((i) => i.status)).toEqual(Array(13).fill('skipped'))
    expect(again).toMatchObject({ receivedBytes: 0, filesWritten: [] })
    expect(origin.requests).toHaveLength(requestsBefore)
  })

  it('reads batches from a zip nested in the archive', async () => {
    const { dest, opts } = await setup(upstream(uciZip({ 8: dat(8), 9: dat(9) }, 'nested')))
    const report = await fetchData({ ...opts, only: ['gas-sensor'] })
    expect(report.filesWritten).toEqual(['data/gas-sensor-drift/batch8.csv', 'data/gas-sensor-drift/batch9.csv'])
    for (const n of [8, 9]) expect(readFileSync(join(dataPaths(dest).gasSensor, `batch${n}.csv`))).toEqual(sharedCsv(n))
    expect(readdirSync(dataPaths(dest).gasSensor)).not.toContain('.uci-gas-sensor-archive.zip')
  })

  it('rejects a corrupted model with DATA_CHECKSUM_MISMATCH and writes no model file', async () => {
    const corrupt = Buffer.from(readFileSync(join(shared.ultraface, ONNX[1]!)))
    corrupt[1000] = corrupt[1000]! ^ 0xff
    const { dest, opts } = await setup(upstream(uciZip({ 4: dat(4) }, 'flat'), { [`/uf/models/onnx/${ONNX[1]}`]: { body: corrupt } }))
    const err = await fetchData({ ...opts, only: ['ultraface'] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DataFetchError)
    expect(err).toMatchObject({ code: 'DATA_CHECKSUM_MISMATCH', url: `${opts.sources?.ultrafaceBaseUrl}models/onnx/${ONNX[1]}` })
    expect(readdirSync(dataPaths(dest).ultraface)).toEqual([ONNX[0]])
  })

  it('resumes a download the server dropped halfway', async () => {
    const { origin, dest, opts } = await setup(upstream(uciZip({ 4: dat(4) }, 'flat'), { '/uf/imgs/1.jpg': { holdAfter: 60_000 } }))
    await fetchData({ ...opts, only: ['faces'], onProgress: () => origin.dropHeld() })
    expect(same(join(dataPaths(dest).faces, '1.jpg'), join(shared.faces, '1.jpg'))).toBe(true)
    const tries = origin.requests.filter((r) => r.path === '/uf/imgs/1.jpg')
    expect(tries.map((r) => r.status)).toEqual([200, 206])
    expect(tries[1]?.range).toMatch(/^bytes=[1-9]\d*-$/)
  })

  it('starts over when a .part left by an earlier run belongs to another archive', async () => {
    const { origin, dest, opts } = await setup(upstream(uciZip({ 4: dat(4) }, 'flat')))
    const part = join(dataPaths(dest).gasSensor, '.uci-gas-sensor-archive.zip.part')
    await mkdir(dataPaths(dest).gasSensor, { recursive: true })
    await writeFile(part, uciZip({ 5: dat(5) }, 'nested').subarray(0, 5000))
    const report = await fetchData({ ...opts, only: ['gas-sensor'] })
    expect(origin.requests.map((r) => [r.range, r.status])).toEqual([['bytes=5000-', 206], [undefined, 200]])
    expect(report.filesWritten).toEqual(['data/gas-sensor-drift/batch4.csv'])
    expect(readFileSync(join(dataPaths(dest).gasSensor, 'batch4.csv'))).toEqual(sharedCsv(4))
  })

  it('names the URL when the server answers 404', async () => {
    const { opts } = await setup(upstream(uciZip({ 4: dat(4) }, 'flat')))
    const url = `${opts.sources?.gasSensorZip}.moved`
    await expect(fetchData({ ...opts, sources: { ...opts.sources, gasSensorZip: url } })).rejects.toMatchObject({
      code: 'DATA_FETCH_FAILED',
      status: 404,
      message: expect.stringContaining(`GET ${url} failed: HTTP 404`),
    })
  })

  it('replaces a file that is present but damaged, and re-downloads everything with force', async () => {
    const { dest, opts } = await setup(upstream(uciZip({ 4: dat(4) }, 'flat')))
    await fetchData({ ...opts, only: ['faces', 'gas-sensor'] })
    await writeFile(join(dataPaths(dest).faces, '2.jpg'), 'not a photo')
    await writeFile(join(dataPaths(dest).gasSensor, 'batch4.csv'), 'Ethanol,1\n')
    const repaired = await fetchData({ ...opts, only: ['faces', 'gas-sensor'] })
    expect(repaired.filesWritten).toEqual(['data/gas-sensor-drift/batch4.csv', 'data/faces/2.jpg'])
    expect(same(join(dataPaths(dest).faces, '2.jpg'), join(shared.faces, '2.jpg'))).toBe(true)
    expect(readFileSync(join(dataPaths(dest).gasSensor, 'batch4.csv'))).toEqual(sharedCsv(4))

    const forced = await fetchData({ ...opts, only: ['faces'], force: true })
    expect(forced.items.every((i) => i.status === 'downloaded')).toBe(true)
    expect(existsSync(join(dataPaths(dest).faces, '1.jpg.part'))).toBe(false)
  })
})

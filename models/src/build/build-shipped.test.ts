import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dataPaths, resolveDataDir } from '../data/data-dir.ts'
import { makeTempDir } from '../package/test-fixture.ts'
import { STAMP_FILE } from './build-stamp.ts'
import { buildShipped } from './build-shipped.ts'

let root: string
let cleanup: () => Promise<void>
let dataDir: string
let outDir: string

// a private copy of the UltraFace inputs (model, licence, reference photos), so the test can change them
beforeEach(async () => {
  ;({ dir: root, cleanup } = await makeTempDir())
  dataDir = join(root, 'data')
  outDir = join(root, 'out', 'ultraface')
  const from = dataPaths(resolveDataDir()).ultraface
  const to = dataPaths(dataDir).ultraface
  await mkdir(to, { recursive: true })
  for (const file of ['version-RFB-320.onnx', 'LICENSE']) await copyFile(join(from, file), join(to, file))
  // two of the face photos are enough reference frames for these tests, and keep each build short
  const faces = dataPaths(dataDir).faces
  await mkdir(faces, { recursive: true })
  for (const file of ['3.jpg', '5.jpg']) await copyFile(join(dataPaths(resolveDataDir()).faces, file), join(faces, file))
})
afterEach(() => cleanup())

describe('buildShipped', () => {
  it('skips a package that is up to date and rebuilds when inputs, seed or force say so', async () => {
    const build = (extra: { force?: boolean; seed?: number } = {}) => buildShipped('ultraface', { dataDir, outDir, ...extra })
    const [first] = await build()
    expect(first).toMatchObject({ name: 'ultraface', dir: outDir })
    expect(first!.skipped).toBeUndefined()

    const [second] = await build()
    expect(second).toMatchObject({ skipped: true, sha256: first!.sha256 })

    expect((await build({ force: true }))[0]!.skipped).toBeUndefined()
    expect((await build({ seed: 7 }))[0]!.skipped).toBeUndefined()
    expect((await build({ seed: 7 }))[0]!.skipped).toBe(true)

    // a changed input file changes the stamp
    const license = join(dataPaths(dataDir).ultraface, 'LICENSE')
    await writeFile(license, `${await readFile(license, 'utf8')}\n`)
    expect((await build({ seed: 7 }))[0]!.skipped).toBeUndefined()
  })

  it('rebuilds a package whose model file was tampered with, even with a matching stamp', async () => {
    await buildShipped('ultraface', { dataDir, outDir })
    const stamp = await readFile(join(outDir, STAMP_FILE), 'utf8')
    await writeFile(join(outDir, 'model.onnx'), 'tampered')
    expect(await readFile(join(outDir, STAMP_FILE), 'utf8')).toBe(stamp)
    const [report] = await buildShipped('ultraface', { dataDir, outDir })
    expect(report!.skipped).toBeUndefined()
  })

  it('refuses one outDir for several packages', async () => {
    await expect(buildShipped('all', { dataDir, outDir })).rejects.toThrow(/single model/)
  })
})

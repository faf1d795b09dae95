import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ModelPackageError } from '../errors.ts'
import { readPackage } from './read-package.ts'
import { sha256File } from './sha256-file.ts'
import { fixtureManifest, makeTempDir } from './test-fixture.ts'
import { writePackage } from './write-package.ts'

const onnx = new TextEncoder().encode('not really onnx, but bytes all the same')
let root: string
let cleanup: () => Promise<void>

beforeEach(async () => {
  ;({ dir: root, cleanup } = await makeTempDir())
})
afterEach(() => cleanup())

describe('writePackage', () => {
  it('round-trips through readPackage', async () => {
    const dir = join(root, 'nested', 'tiny')
    const manifest = fixtureManifest(onnx)
    const written = await writePackage(dir, manifest, onnx, { extraFiles: { LICENSE: 'MIT' } })
    const read = await readPackage(dir)
    expect(read).toEqual(written)
    expect(read.manifest).toEqual(manifest)
    expect(await sha256File(read.onnxPath)).toBe(manifest.model.sha256)
    expect(await readFile(join(dir, 'LICENSE'), 'utf8')).toBe('MIT')
  })

  it('replaces an existing package and leaves no temp directories behind', async () => {
    const dir = join(root, 'tiny')
    await writePackage(dir, fixtureManifest(onnx), onnx, { extraFiles: { 'old.txt': 'x' } })
    const next = new Uint8Array([1, 2, 3])
    await writePackage(dir, { ...fixtureManifest(next), version: '0.2.0' }, next)
    expect((await readPackage(dir)).manifest.version).toBe('0.2.0')
    expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'model.onnx'])
    expect(await readdir(root)).toEqual(['tiny'])
  })

  it('refuses bytes that do not match the manifest digest', async () => {
    const err = await writePackage(join(root, 'tiny'), fixtureManifest(onnx), new Uint8Array([1])).catch((e: unknown) => e)
    expect((err as ModelPackageError).code).toBe('MODEL_DIGEST_MISMATCH')
    expect(await readdir(root)).toEqual([])
  })

  it('refuses an invalid manifest', async () => {
    const bad = { ...fixtureManifest(onnx), name: 'Not A Name' }
    const err = await writePackage(join(root, 'tiny'), bad, onnx).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ModelPackageError)
    expect((err as ModelPackageError).code).toBe('MODEL_MANIFEST_INVALID')
  })
})

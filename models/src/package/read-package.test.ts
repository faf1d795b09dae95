import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ModelPackageError } from '../errors.ts'
import { readPackage, verifyPackageDigest } from './read-package.ts'
import { fixtureManifest, makeTempDir } from './test-fixture.ts'
import { writePackage } from './write-package.ts'

const onnx = new Uint8Array([8, 8, 18, 9, 101, 100, 103, 101, 102, 108, 101, 101, 116])
let root: string
let cleanup: () => Promise<void>

beforeEach(async () => {
  ;({ dir: root, cleanup } = await makeTempDir())
})
afterEach(() => cleanup())

async function expectCode(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(ModelPackageError)
  expect((err as ModelPackageError).code).toBe(code)
  if (pattern) expect((err as Error).message).toMatch(pattern)
}

describe('readPackage', () => {
  it('reports a missing directory as MODEL_FILE_MISSING', async () => {
    await expectCode(readPackage(join(root, 'nope')), 'MODEL_FILE_MISSING', /does not exist/)
  })

  it('reports a missing manifest as MODEL_FILE_MISSING', async () => {
    await expectCode(readPackage(root), 'MODEL_FILE_MISSING', /manifest\.json is missing/)
  })

  it('reports malformed JSON as MODEL_MANIFEST_INVALID', async () => {
    await writeFile(join(root, 'manifest.json'), '{"formatVersion": 1,')
    await expectCode(readPackage(root), 'MODEL_MANIFEST_INVALID', /not JSON/)
  })

  it('reports a manifest that breaks the schema as MODEL_MANIFEST_INVALID with the issues', async () => {
    const manifest = { ...fixtureManifest(onnx), version: 'one' }
    await writeFile(join(root, 'manifest.json'), JSON.stringify(manifest))
    const err = await readPackage(root).catch((e: unknown) => e)
    expect((err as ModelPackageError).code).toBe('MODEL_MANIFEST_INVALID')
    expect((err as ModelPackageError).issues.some((i) => i.path === '/version')).toBe(true)
  })

  it('reports a manifest that is a directory as MODEL_MANIFEST_INVALID', async () => {
    await mkdir(join(root, 'manifest.json'))
    await expectCode(readPackage(root), 'MODEL_MANIFEST_INVALID', /cannot be read/)
  })

  it('reports a missing ONNX file as MODEL_FILE_MISSING', async () => {
    await writeFile(join(root, 'manifest.json'), JSON.stringify(fixtureManifest(onnx)))
    await expectCode(readPackage(root), 'MODEL_FILE_MISSING', /model\.onnx/)
  })

  it('reads a valid package', async () => {
    const dir = join(root, 'pkg')
    await writePackage(dir, fixtureManifest(onnx), onnx)
    const pkg = await readPackage(dir)
    expect(pkg.manifest.name).toBe('tiny')
    expect(pkg.onnxPath).toBe(join(dir, 'model.onnx'))
    await verifyPackageDigest(pkg)
  })
})

describe('verifyPackageDigest', () => {
  it('names both digests when the ONNX file was modified', async () => {
    const dir = join(root, 'pkg')
    const pkg = await writePackage(dir, fixtureManifest(onnx), onnx)
    const modified = onnx.slice()
    modified[0] = 9
    await writeFile(pkg.onnxPath, modified)
    await expectCode(verifyPackageDigest(pkg), 'MODEL_DIGEST_MISMATCH', new RegExp(`sha256 [0-9a-f]{64} but the manifest says ${pkg.manifest.model.sha256}`))
  })

  it('reports a size change', async () => {
    const pkg = await writePackage(join(root, 'pkg'), fixtureManifest(onnx), onnx)
    await writeFile(pkg.onnxPath, onnx.subarray(1))
    await expectCode(verifyPackageDigest(pkg), 'MODEL_DIGEST_MISMATCH', /12 bytes but the manifest says 13/)
  })

  it('reports a deleted ONNX file as MODEL_FILE_MISSING', async () => {
    const pkg = await writePackage(join(root, 'pkg'), fixtureManifest(onnx), onnx)
    await rm(pkg.onnxPath)
    await expectCode(verifyPackageDigest(pkg), 'MODEL_FILE_MISSING')
  })
})

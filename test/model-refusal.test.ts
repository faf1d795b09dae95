import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { shippedPackageDir } from '@edgefleet/models'
import { afterEach, describe, expect, it } from 'vitest'
import { runAgent } from './helpers/agent-process.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A copy of the shipped gas-sensor package that a test may damage. */
function copyPackage(): { dir: string; manifestPath: string; manifest: any; onnxPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ef-pkg-'))
  dirs.push(dir)
  cpSync(shippedPackageDir('gas-sensor'), dir, { recursive: true })
  const manifestPath = join(dir, 'manifest.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  return { dir, manifestPath, manifest, onnxPath: join(dir, manifest.model.file) }
}

const selfTest = (dir: string) => runAgent(['self-test', '--model', dir, '--backend', 'wasm'])

describe('the agent refuses a model it cannot trust, naming the step and code', () => {
  it('serves the intact package', async () => {
    const { dir } = copyPackage()
    const r = await selfTest(dir)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/self-test vector\(s\) passed on wasm/)
  })

  it('a missing package', async () => {
    const r = await selfTest('/nonexistent/package')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('MODEL_FILE_MISSING')
  })

  it('a corrupt manifest', async () => {
    const { dir, manifestPath } = copyPackage()
    writeFileSync(manifestPath, '{"formatVersion": 1, "name": "gas-sensor"')
    const r = await selfTest(dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/MODEL_MANIFEST_INVALID \(step read-manifest\)/)
  })

  it('a model file whose digest does not match the manifest', async () => {
    const { dir, onnxPath } = copyPackage()
    const bytes = readFileSync(onnxPath)
    bytes[bytes.length - 10]! ^= 0xff
    writeFileSync(onnxPath, bytes)
    const r = await selfTest(dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/MODEL_DIGEST_MISMATCH \(step verify-digest\)/)
  })

  it('a file that is not an ONNX model, even with a matching digest', async () => {
    const { dir, manifestPath, manifest, onnxPath } = copyPackage()
    const garbage = Buffer.from('this is not a protobuf model at all')
    writeFileSync(onnxPath, garbage)
    manifest.model.sha256 = createHash('sha256').update(garbage).digest('hex')
    manifest.model.size = garbage.length
    writeFileSync(manifestPath, JSON.stringify(manifest))
    const r = await selfTest(dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/MODEL_LOAD_FAILED \(step load\)/)
  })

  it('a model whose outputs do not reproduce the self-test vectors', async () => {
    const { dir, manifestPath, manifest } = copyPackage()
    const expected = manifest.selfTest.vectors[0].expected
    const name = Object.keys(expected)[0]!
    expected[name].values = expected[name].values.map((v: number) => 1 - v)
    writeFileSync(manifestPath, JSON.stringify(manifest))
    const r = await selfTest(dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/MODEL_SELF_TEST_FAILED \(step self-test\)/)
    expect(r.stderr).toContain(`output ${name}`)
  })

  it('refuses to run readings through a refused model', async () => {
    const { dir, onnxPath } = copyPackage()
    writeFileSync(onnxPath, Buffer.concat([readFileSync(onnxPath), Buffer.from([0])]))
    const r = await runAgent(['run', '--model', dir, '--stdin'], { stdin: '{}' })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('MODEL_DIGEST_MISMATCH')
  })
})

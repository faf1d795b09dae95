import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../package/test-fixture.ts'
import { buildGasSensor } from './build-gas-sensor.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()))
})

async function buildInto(options: { epochs: number; seed?: number }): Promise<{ onnx: Buffer; manifest: string }> {
  const tmp = await makeTempDir()
  cleanups.push(tmp.cleanup)
  await buildGasSensor({ ...options, outDir: tmp.dir })
  return { onnx: await readFile(join(tmp.dir, 'model.onnx')), manifest: await readFile(join(tmp.dir, 'manifest.json'), 'utf8') }
}

describe('gas-sensor build reproducibility', () => {
  it('writes a byte-identical model.onnx and manifest for the same seed', async () => {
    const saved = process.env['SOURCE_DATE_EPOCH']
    process.env['SOURCE_DATE_EPOCH'] = '1767225600'
    try {
      // a few epochs are enough to show determinism; the full build is tested elsewhere
      const a = await buildInto({ epochs: 3 })
      const b = await buildInto({ epochs: 3 })
      expect(a.onnx.equals(b.onnx)).toBe(true)
      expect(a.manifest).toBe(b.manifest)
      expect(JSON.parse(a.manifest).createdAt).toBe('2026-01-01T00:00:00.000Z')
      const c = await buildInto({ epochs: 3, seed: 7 })
      expect(c.onnx.equals(a.onnx)).toBe(false)
    } finally {
      if (saved === undefined) delete process.env['SOURCE_DATE_EPOCH']
      else process.env['SOURCE_DATE_EPOCH'] = saved
    }
  })
})

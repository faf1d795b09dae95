import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ImportError } from '../errors.ts'
import { makeTempDir } from '../package/test-fixture.ts'
import { mergeSpec, parseImportSpec, readSpecFile } from './import-spec.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

describe('the import spec', () => {
  it('reads YAML and JSON files, and flags override the file field by field', async () => {
    const { dir, cleanup } = await makeTempDir()
    cleanups.push(cleanup)
    await writeFile(join(dir, 'spec.yaml'), 'name: faces\nversion: 1.0.0\ninput:\n  image: { mean: [127, 127, 127], std: [128, 128, 128], scale: 1 }\nlabels: [background, face]\n')
    await writeFile(join(dir, 'spec.json'), '{"name": "faces", "task": "detection"}')
    const yaml = await readSpecFile(join(dir, 'spec.yaml'))
    const merged = mergeSpec(yaml, { version: '1.1.0', input: { image: { scale: undefined, resize: 'letterbox' }, features: undefined }, detection: { classIndex: undefined } })
    expect(parseImportSpec(merged)).toEqual({
      name: 'faces', version: '1.1.0', labels: ['background', 'face'],
      input: { image: { mean: [127, 127, 127], std: [128, 128, 128], scale: 1, resize: 'letterbox' } },
    })
    expect(await readSpecFile(join(dir, 'spec.json'))).toEqual({ name: 'faces', task: 'detection' })
  })
  it('reports every violation in one error, and names a file that does not parse', async () => {
    const { dir, cleanup } = await makeTempDir()
    cleanups.push(cleanup)
    let err: unknown
    try {
      parseImportSpec({ name: 'Faces', version: 'one', task: 'segmentation', colour: true })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ImportError)
    expect((err as ImportError).code).toBe('IMPORT_SPEC_INVALID')
    for (const path of ['/name', '/version', '/task']) expect((err as Error).message).toContain(path)
    await writeFile(join(dir, 'bad.json'), '{"name": ')
    await expect(readSpecFile(join(dir, 'bad.json'))).rejects.toThrow(/bad.json is not valid JSON/)
    await writeFile(join(dir, 'list.yml'), '- a\n- b\n')
    await expect(readSpecFile(join(dir, 'list.yml'))).rejects.toThrow(/must hold an object/)
  })
})

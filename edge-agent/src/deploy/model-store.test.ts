import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ModelStore } from './model-store.ts'

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const c of cleanup.splice(0)) c()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ef-store-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const ref = (version: string, digit = 'a') => ({ name: 'gas-sensor', version, sha256: digit.repeat(64) })

/** An incoming directory as a finished download leaves it. */
function incoming(store: ModelStore, r: ReturnType<typeof ref>): void {
  const dir = store.incomingDir(r)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'manifest.json'), '{}')
  writeFileSync(join(dir, 'model.onnx'), 'onnx')
}

describe('ModelStore', () => {
  it('installs a version by renaming its incoming directory, and finds it by name, version and digest', async () => {
    const store = await ModelStore.open(tempDir())
    const v2 = ref('2.0.0')
    expect(await store.findInstalled(v2)).toBeUndefined()
    incoming(store, v2)
    const dir = await store.install(v2)
    expect(dir).toBe(join(store.dir, 'gas-sensor@2.0.0-aaaaaaaaaaaa'))
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'model.onnx'])
    expect(existsSync(store.incomingDir(v2))).toBe(false)
    expect(await store.findInstalled(v2)).toBe(dir)
    expect(await store.findInstalled(ref('2.0.0', 'b'))).toBeUndefined()
  })

  it('keeps the pointer across reopening; a torn or foreign pointer reads as empty', async () => {
    const root = tempDir()
    const store = await ModelStore.open(root)
    const v2 = ref('2.0.0')
    await store.update({ current: store.entry(v2, store.versionDir(v2)), previous: store.entry(ref('1.0.0'), '/opt/models/gas'), generation: 7 })
    const again = await ModelStore.open(root)
    expect(again.pointer).toEqual({ format: 1, current: { ...v2, dir: 'gas-sensor@2.0.0-aaaaaaaaaaaa' }, previous: { ...ref('1.0.0'), dir: '/opt/models/gas' }, generation: 7 })
    expect(again.resolve(again.pointer.current!)).toBe(join(root, 'gas-sensor@2.0.0-aaaaaaaaaaaa'))
    expect(JSON.parse(readFileSync(join(root, 'active.json'), 'utf8'))).toEqual(again.pointer)
    writeFileSync(join(root, 'active.json'), '{"format":1,"current":')
    expect((await ModelStore.open(root)).pointer).toEqual({ format: 1, current: null, previous: null, generation: 0 })
  })

  it('prunes versions beyond current, previous and those kept, and stale incoming directories', async () => {
    const store = await ModelStore.open(tempDir())
    const [v1, v2, v3, v4] = [ref('1.0.0'), ref('2.0.0'), ref('3.0.0'), ref('4.0.0')]
    for (const v of [v1, v2, v3]) {
      incoming(store, v)
      await store.install(v)
    }
    incoming(store, v4)
    writeFileSync(join(store.dir, 'active.json.tmp'), 'torn')
    await store.update({ current: store.entry(v3, store.versionDir(v3)), previous: store.entry(v2, store.versionDir(v2)) })
    await store.prune()
    expect(readdirSync(store.dir).sort()).toEqual(['active.json', 'gas-sensor@2.0.0-aaaaaaaaaaaa', 'gas-sensor@3.0.0-aaaaaaaaaaaa', 'incoming'])
    expect(readdirSync(join(store.dir, 'incoming'))).toEqual([])
    incoming(store, v4)
    await store.prune([v4])
    expect(existsSync(store.incomingDir(v4))).toBe(true)
  })

  it('discards a version that failed its checks, but never one the pointer names', async () => {
    // found by fuzzing activations: a package whose manifest was damaged in transit (its ONNX digest
    // intact, so signed) failed its self-test, stayed installed, and the genuine package was never fetched again
    const store = await ModelStore.open(tempDir())
    const [v1, v2] = [ref('1.0.0'), ref('2.0.0')]
    for (const v of [v1, v2]) {
      incoming(store, v)
      await store.install(v)
    }
    incoming(store, v2)
    await store.update({ current: store.entry(v1, store.versionDir(v1)) })
    await store.discard(v2)
    expect(await store.findInstalled(v2)).toBeUndefined()
    expect(existsSync(store.incomingDir(v2))).toBe(false)
    await store.discard(v1)
    expect(await store.findInstalled(v1)).toBe(store.versionDir(v1))
  })
})

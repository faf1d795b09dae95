import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readPackage, shippedPackageDir } from '@edgefleet/models'
import type { DatasetSnapshotView, Manifest } from '@edgefleet/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commandTrainer } from './command-trainer.ts'
import type { TrainInput } from './trainer.ts'

let dir: string
let parent: { manifest: Manifest; onnx: Uint8Array }

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ef-command-trainer-'))
  const pkg = await readPackage(shippedPackageDir('gas-sensor'))
  parent = { manifest: pkg.manifest, onnx: new Uint8Array(await readFile(pkg.onnxPath)) }
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A trainer in a few lines of JavaScript: it counts the rows it got, reports progress, and writes the parent's model as the candidate. */
const TRAINER = `
const fs = require('node:fs'), path = require('node:path')
const [dataset, parent, out, version] = process.argv.slice(2)
if (process.env.FAIL) { console.error('CUDA out of memory (pretend)'); process.exit(3) }
const rows = fs.readFileSync(dataset, 'utf8').trim().split('\\n').map((l) => JSON.parse(l))
fs.writeFileSync(path.join(path.dirname(dataset), 'seen.json'), JSON.stringify(rows.map((r) => r.ts)))
console.log('progress 1/2 read ' + rows.length + ' rows')
const manifest = JSON.parse(fs.readFileSync(path.join(parent, 'manifest.json'), 'utf8'))
fs.mkdirSync(out, { recursive: true })
fs.copyFileSync(path.join(parent, manifest.model.file ?? 'model.onnx'), path.join(out, manifest.model.file ?? 'model.onnx'))
delete manifest.signature
fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ ...manifest, version: process.env.WRONG_VERSION ?? version }))
console.log('progress 2/2 written')
if (process.env.HANG) setInterval(() => {}, 1000)
`

async function input(o: { signal?: AbortSignal } = {}): Promise<{ i: TrainInput; progress: string[] }> {
  const workDir = join(dir, 'job')
  await mkdir(workDir, { recursive: true })
  await writeFile(join(dir, 'trainer.cjs'), TRAINER)
  const progress: string[] = []
  const rows = Array.from({ length: 10 }, (_, k) => ({ features: new Array(128).fill(k), label: 'Ethanol', ts: 100 - k }))
  return {
    progress,
    i: {
      model: 'gas-sensor', parent, parentVersion: '1.0.0', rows, snapshot: { snapshot: 1 } as DatasetSnapshotView, version: '1.1.0',
      outDir: join(workDir, 'candidate'), workDir, holdoutFraction: 0.2, signal: o.signal ?? new AbortController().signal,
      onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.message ?? ''}`),
    },
  }
}

const argv = () => [process.execPath, join(dir, 'trainer.cjs'), '{dataset}', '{parent}', '{out}', '{version}']

describe('the external trainer', () => {
  it('gets the rows minus the newest (held out), reports progress, and its package is read back', async () => {
    const { i, progress } = await input()
    const out = await commandTrainer(argv(), 30_000).train(i)
    // rows have ts 100..91 in file order: the newest 20 % are rows 0 and 1
    expect(out).toEqual({ dir: i.outDir, holdout: [0, 1] })
    expect(JSON.parse(await readFile(join(i.workDir, 'seen.json'), 'utf8'))).toEqual([98, 97, 96, 95, 94, 93, 92, 91])
    expect(progress).toEqual(['1/2 read 8 rows', '2/2 written'])
    expect((await readPackage(i.outDir)).manifest.version).toBe('1.1.0')
  })

  it('fails with the trainer\'s exit code and last stderr lines, a wrong version, a timeout, or a cancel', async () => {
    const { i } = await input()
    process.env.FAIL = '1'
    await expect(commandTrainer(argv(), 30_000).train(i)).rejects.toMatchObject({ code: 'HUB_JOB_FAILED', message: 'the trainer exited with code 3: CUDA out of memory (pretend)' })
    delete process.env.FAIL
    process.env.WRONG_VERSION = '9.9.9'
    await expect(commandTrainer(argv(), 30_000).train(i)).rejects.toMatchObject({ message: expect.stringMatching(/wrote gas-sensor@9\.9\.9; it must write gas-sensor@1\.1\.0/) })
    delete process.env.WRONG_VERSION
    process.env.HANG = '1'
    await expect(commandTrainer(argv(), 500).train(i)).rejects.toMatchObject({ message: 'the trainer was stopped: it ran longer than 1 s (policy trainerTimeout)' })
    const controller = new AbortController()
    const cancelled = (await input({ signal: controller.signal })).i
    const run = commandTrainer(argv(), 30_000).train(cancelled)
    setTimeout(() => controller.abort(new Error('cancelled by ops')), 300)
    await expect(run).rejects.toThrow('cancelled by ops')
    delete process.env.HANG
    await expect(commandTrainer(['/nonexistent/trainer'], 30_000).train(i)).rejects.toMatchObject({ message: expect.stringMatching(/cannot start the trainer "\/nonexistent\/trainer"/) })
  })
})
